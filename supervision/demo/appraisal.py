"""The demo's campaign and one open appraisal panel (SPEC §5), so that `make run` shows the reviewers' side.

東岭村 (BR01V01, officer1 in charge) gets a standard panel of five reviewers (two of them cadres); each has a
`reviewer` login with the demo password. Idempotent like the rest of the demo: what exists is left alone.
"""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from appraisal.models import Panel, PanelHousehold, PanelMember, Reviewer, ReviewerKind
from appraisal.services.panels import round_households_record
from sunshine_credit.models import Role, StaffProfile, Village
from surveys.models import Campaign

CAMPAIGN = {"code": "2026A", "name": "2026年第一批", "ordinal": 1, "reference_date": datetime.date(2026, 11, 1)}
PANEL_VILLAGE = "BR01V01"
# (username, name, kind, title); reviewer1 is one of the demo's logins already.
REVIEWERS = [
    ("reviewer1", "孙德胜", ReviewerKind.VILLAGER, "老党员"),
    ("reviewer2", "钱玉梅", ReviewerKind.CADRE, "村主任"),
    ("reviewer3", "周长林", ReviewerKind.VILLAGE_SECRETARY, "村支书"),
    ("reviewer4", "吴永福", ReviewerKind.VILLAGER, "种植大户"),
    ("reviewer5", "郑春花", ReviewerKind.VILLAGER, "商店老板"),
]


def seed_appraisal(office, users: dict, password_hash: str) -> dict:
    """Create the demo campaign and panel where missing. Returns {"campaign": code, "panel": id, created…}."""
    created = {"campaigns": 0, "reviewers": 0, "panels": 0}
    campaign, new = Campaign.objects.get_or_create(head_office=office, code=CAMPAIGN["code"], defaults={
        **CAMPAIGN, "created_by": users["admin"]})
    created["campaigns"] += new
    if new:
        campaign.survey_team.add(users["officer1"])
    village = Village.objects.select_related("branch").get(code=PANEL_VILLAGE)
    reviewers = []
    for username, name, kind, title in REVIEWERS:
        user, _new = get_user_model().objects.get_or_create(username=username, defaults={
            "first_name": name, "password": password_hash})
        StaffProfile.objects.get_or_create(user=user, defaults={
            "role": Role.REVIEWER, "head_office": office, "branch": village.branch})
        reviewer, new = Reviewer.objects.get_or_create(user=user, defaults={
            "head_office": office, "branch": village.branch, "name": name, "kind": kind, "title": title})
        created["reviewers"] += new
        reviewers.append(reviewer)
    panel, new = Panel.objects.get_or_create(campaign=campaign, village=village, defaults={
        "unit_name": f"{village.name}农户贷款家庭授信评议小组", "status": Panel.Status.OPEN,
        "opened_at": timezone.now(), "created_by": users["officer1"]})
    created["panels"] += new
    if new:
        PanelMember.objects.bulk_create([
            PanelMember(panel=panel, reviewer=reviewer, seat=seat, position="leader" if seat == 1 else "member")
            for seat, reviewer in enumerate(reviewers, start=1)])
    if panel.status == Panel.Status.OPEN and not PanelHousehold.objects.filter(panel=panel).exists():
        # Issue 15: an open round appraises the households fixed when it opened; the demo opens it here (also
        # mending a demo database seeded before rounds recorded their households, whose grids were empty).
        round_households_record(panel)
    return {"campaign": campaign.code, "panel": panel.pk, "created": created}
