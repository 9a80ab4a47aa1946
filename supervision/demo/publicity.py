"""The demo's notice boards (SPEC §6), so that `make run` shows publishing, the printed board and objections.

西河村 (BR01V02) and 南沟村 (BR01V03) get a signed-off panel with its decisions. 西河村's board was published
four days before the seeding and its notice period is over, so its credit lines are in effect: officer1 forms
joint-guarantee groups and applies for drawdowns there. officer3 publishes 南沟村's board from the boards page,
and its QR code's public form takes objections while the notice runs. Idempotent like the rest of the demo:
what exists is left alone.
"""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from appraisal.models import Decision, Panel, PanelHousehold, PanelMember, Reviewer, SignOff
from credit_use.services.lines import lines_take_effect
from households.models import ArchiveStatus, Household
from publicity.models import Notice
from publicity.services import notice_render, publish_precredit
from sunshine_credit.models import Village
from sunshine_credit.scoping import activate, scope_for_profile
from surveys.models import Campaign

SIGNED_VILLAGES = {"BR01V02": "officer1", "BR01V03": "officer3"}
PUBLISHED_VILLAGE = "BR01V02"


def _signed_panel(campaign, village, officer, reviewers) -> tuple[Panel, bool]:
    panel, new = Panel.objects.get_or_create(campaign=campaign, village=village, defaults={
        "unit_name": f"{village.name}农户贷款家庭授信评议小组", "status": Panel.Status.SIGNED,
        "created_by": officer, "opened_at": timezone.now(), "closed_at": timezone.now(),
        "signed_at": timezone.now()})
    if not new:
        _record_round(panel, Decision.objects.filter(panel=panel).values_list("household_id", flat=True))
        _record_sign_offs(panel, officer)
        return panel, False
    PanelMember.objects.bulk_create([
        PanelMember(panel=panel, reviewer=reviewer, seat=seat, position="leader" if seat == 1 else "member")
        for seat, reviewer in enumerate(reviewers, start=1)])
    _record_sign_offs(panel, officer)
    rng = random.Random(village.code)
    homes = Household.objects.filter(village=village, archive_status=ArchiveStatus.ARCHIVED).order_by("code")
    Decision.objects.bulk_create([
        Decision(campaign=campaign, panel=panel, household=home, computed_status=status, status=status,
                 computed_amount=amount, amount=amount, rating=rng.choice((1, 2, 2, 3)), decided_by=officer,
                 decided_at=timezone.now())
        for home in homes
        for status in ["withheld" if rng.random() < 0.1 else "granted"]
        for amount in [None if status == "withheld" else Decimal(rng.randrange(10, 81) * 1000)]])
    _record_round(panel, homes.values_list("pk", flat=True))
    return panel, True


def _record_sign_offs(panel, officer) -> None:
    """A signed panel has every member's sign-off (A7), recorded from the signed paper sheet by its officer: the
    seats and the panel's summary then agree (已签字)."""
    missing = PanelMember.objects.filter(panel=panel).exclude(sign_offs__panel=panel)
    SignOff.objects.bulk_create([SignOff(panel=panel, member=member, on_paper=True, recorded_by=officer)
                                 for member in missing])


def _record_round(panel, household_ids) -> None:
    """Issue 15: the households of the panel's round (those it decided), where not recorded yet."""
    if not PanelHousehold.objects.filter(panel=panel).exists():
        PanelHousehold.objects.bulk_create([PanelHousehold(panel=panel, household_id=pk) for pk in household_ids])


def seed_publicity(office, users: dict, campaign_code: str) -> dict:
    created = {"signed_panels": 0, "notices": 0, "lines": 0}
    campaign = Campaign.objects.get(head_office=office, code=campaign_code)
    reviewers = list(Reviewer.objects.filter(user__username__startswith="reviewer").order_by("user__username")[:5])
    for code, officer in SIGNED_VILLAGES.items():
        village = Village.objects.select_related("branch").get(code=code)
        panel, new = _signed_panel(campaign, village, users[officer], reviewers)
        created["signed_panels"] += new
        if code == PUBLISHED_VILLAGE and not Notice.objects.filter(campaign=campaign, village=village).exists():
            scope = scope_for_profile(users[officer].staff_profile)
            with activate(scope):
                notice = publish_precredit(scope=scope, actor=users[officer], panel_id=panel.pk,
                                           starts_on=timezone.localdate() - datetime.timedelta(days=4))
            notice_render(notice.pk)  # printed now (its job, after commit, finds it archived)
            created["notices"] += 1
            created["lines"] += lines_take_effect()["created"]
    return created
