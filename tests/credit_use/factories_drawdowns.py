"""A village to apply for drawdowns in, and shortcuts through the drawdown services.

`make_drawdown_world(county)` builds on the shared county (tests/county.py: 城关支行 — officer tina of 东岭村 v_a,
president pat, teller tom; 王庄支行 — officer bob of 西河村 v_b) and adds four archived households of v_a's group
1组 (`county.g1`), `county.h[0]`…`h[3]` (A-0001…A-0004), with lines in effect (`county.lines`) of 50,000 / 40,000 /
30,000 / 40,000 元 (from 30 days ago, for two years). h[0] is a married couple (户主 + 配偶 `county.spouse`); the
others have a head only. h[0], h[1], h[2] form joint-guarantee group 1 (`county.group`, leader h[0]); h[3] is in no
group. In 西河村 one household `county.h_b` (B-0001) with a line `county.line_b`.

The shortcuts (`create`, `submit`, `decide`, …) read the people and lines by key (`world["tina"]`), so they take
the county as well as a plain dict of the same keys.
"""

import datetime
from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled

from credit_use.models import CreditLine, Drawdown, DrawdownGuarantor, GuaranteeKind, LineStatus
from credit_use.rules.drawdowns import DOCUMENTS
from credit_use.services import disbursement
from credit_use.services import drawdowns as services
from guarantee_groups.models import GroupMember, GuaranteeGroup
from households.models import ArchiveStatus
from sunshine_credit.approvals import approval_decide
from sunshine_credit.models import Approval
from sunshine_credit.scoping import scope_for_user
from tests.county import build_county
from tests.factories import HouseholdFactory, MemberFactory

AMOUNTS = (50000, 40000, 30000, 40000)
ALL_DOCUMENTS = tuple(DOCUMENTS)


def give_line(household, amount, *, campaign, days_left: int = 700) -> CreditLine:
    today = timezone.localdate()
    with scopes_disabled():
        return CreditLine.objects.create(
            head_office_id=household.head_office_id, village_id=household.village_id, household=household,
            campaign=campaign, amount=Decimal(amount), effective_on=today - datetime.timedelta(days=30),
            expires_on=today + datetime.timedelta(days=days_left), status=LineStatus.ACTIVE)


def make_drawdown_world(county=None):
    """The households, lines and group above, on `county` (a new county when none is given); returns the county."""
    if county is None:
        county = build_county()
    with scopes_disabled():
        homes = [HouseholdFactory(village=county.v_a, group=county.g1, code=f"A-{i + 1:04d}",
                                  archive_status=ArchiveStatus.ARCHIVED, head__name=f"王{'一二三四'[i]}明")
                 for i in range(len(AMOUNTS))]
        county.h = homes
        county.spouse = MemberFactory(household=homes[0], relation="配偶", name="李秀英")
        county.lines = [give_line(home, amount, campaign=county.campaign)
                        for home, amount in zip(homes, AMOUNTS, strict=True)]
        county.h_b = HouseholdFactory(village=county.v_b, code="B-0001", archive_status=ArchiveStatus.ARCHIVED)
        county.line_b = give_line(county.h_b, 20000, campaign=county.campaign)
        county.group = GuaranteeGroup.objects.create(head_office=county.head_office, village=county.v_a, number=1,
                                                     name="东岭1组", leader=homes[0], created_by=county.tina,
                                                     checked_at=timezone.now())
        for home in homes[:3]:
            GroupMember.objects.create(group=county.group, household=home)
    return county


def application(**overrides) -> services.DrawdownInput:
    """A complete application of 20,000 元 for six months with every document (guarantee: the group)."""
    today = timezone.localdate()
    values = {"amount": Decimal(20000), "purpose": "种植葡萄", "applied_on": today,
              "due_on": today + datetime.timedelta(days=180), "annual_rate": Decimal("0.0650"),
              "guarantee": GuaranteeKind.GROUP, "documents": ALL_DOCUMENTS}
    values.update(overrides)
    return services.DrawdownInput(**values)


def create(world, i: int, **overrides) -> Drawdown:
    """A draft of household h[i] made by tina (h[3], in no group, defaults to named guarantors)."""
    if i == 3 and "guarantee" not in overrides:
        overrides = {"guarantee": GuaranteeKind.GUARANTORS, "guarantors": (("A-0002", None),), **overrides}
    user = world["tina"]
    return services.drawdown_create(scope=scope_for_user(user), actor=user, line_id=world["lines"][i].pk,
                                    data=application(**overrides))


def submit(world, drawdown: Drawdown, opinion: str = "同意发放") -> Drawdown:
    user = world["tina"]
    return services.drawdown_submit(scope=scope_for_user(user), actor=user, drawdown_id=drawdown.pk,
                                    version=reload(drawdown).version, opinion=opinion)


def pending_approval(drawdown: Drawdown) -> Approval:
    with scopes_disabled():
        return Approval.objects.get(kind__in=services.DRAWDOWN_KINDS, subject_id=drawdown.pk,
                                    status=Approval.Status.PENDING)


def decide(world, drawdown: Drawdown, *, approve: bool = True, user=None, note: str = "") -> Approval:
    user = user or world["pat"]
    return approval_decide(scope=scope_for_user(user), actor=user, approval_id=pending_approval(drawdown).pk,
                           approve=approve, note=note or ("" if approve else "资料不实"))


def disburse(world, drawdown: Drawdown, *, user=None, today=None, settlement_account: str = "6228480012345678901",
             core_loan_number: str | None = None) -> Drawdown:
    """The teller disburses, entering a settlement account and a core loan number (by default unique per drawdown)."""
    user = user or world["tom"]
    return disbursement.drawdown_disburse(scope=scope_for_user(user), actor=user, drawdown_id=drawdown.pk, today=today,
                                          settlement_account=settlement_account,
                                          core_loan_number=core_loan_number or f"CORE-{drawdown.pk:08d}")


def disbursed(world, i: int, **overrides) -> Drawdown:
    """h[i]'s drawdown through the whole flow: applied, submitted, approved by pat, disbursed by tom."""
    drawdown = create(world, i, **overrides)
    submit(world, drawdown)
    decide(world, drawdown)
    return disburse(world, drawdown)


def post_loan_check(world, drawdown: Drawdown, note: str = "资金用于种植，无问题") -> Drawdown:
    user = world["tina"]
    return services.drawdown_post_loan_check(scope=scope_for_user(user), actor=user, drawdown_id=drawdown.pk,
                                             checked_on=timezone.localdate(), note=note)


def raw_drawdown(county, i: int, *, amount, status=Drawdown.Status.DISBURSED, guarantors=(), number=None,
                 outstanding=None) -> Drawdown:
    """A drawdown of h[i] written straight to the table (no rule checked); `guarantors` are household indexes
    guaranteeing the whole amount."""
    today = timezone.localdate()
    home, line = county.h[i], county.lines[i]
    amount = Decimal(amount)
    with scopes_disabled():
        drawdown = Drawdown.objects.create(
            head_office=county.head_office, village=home.village, household=home, line=line,
            number=number or f"RAW{Drawdown.objects.count() + 1:05d}", amount=amount, purpose="养殖", applied_on=today,
            due_on=today + datetime.timedelta(days=150), annual_rate=Decimal("0.065"),
            guarantee=GuaranteeKind.GUARANTORS if guarantors else GuaranteeKind.GROUP, status=status,
            principal_outstanding=(amount if outstanding is None else Decimal(outstanding))
            if status == Drawdown.Status.DISBURSED else 0,
            disbursed_at=timezone.now() if status == Drawdown.Status.DISBURSED else None,
            created_by=county.tina, submitted_by=county.tina)
        for g in guarantors:
            DrawdownGuarantor.objects.create(drawdown=drawdown, household=county.h[g], amount=amount)
    return drawdown


def reload(obj):
    with scopes_disabled():
        return type(obj).objects.get(pk=obj.pk)
