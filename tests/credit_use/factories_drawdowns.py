"""A village to apply for drawdowns in, and shortcuts through the drawdown services.

`make_drawdown_world()`: branch A with village v_a — officer tina (包片), president pat, teller tom — and four
archived households h[0]…h[3] (A-0001…A-0004) with lines in effect of 50,000 / 40,000 / 30,000 / 40,000 元
(from 30 days ago, for two years). h[0] is a married couple (户主 + 配偶); the others have a head only.
h[0], h[1], h[2] form joint-guarantee group 1 (leader h[0]); h[3] is in no group. Branch B: village v_b with
officer bob and one household h_b with a line.
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
from sunshine_credit.models import Approval, Role
from sunshine_credit.scoping import scope_for_user
from tests.factories import (
    BranchFactory,
    HeadOfficeFactory,
    HouseholdFactory,
    MemberFactory,
    StaffFactory,
    VillageFactory,
    VillageGroupFactory,
)
from tests.surveys.factories import CampaignFactory

AMOUNTS = (50000, 40000, 30000, 40000)
ALL_DOCUMENTS = tuple(DOCUMENTS)


def give_line(household, amount, *, campaign, days_left: int = 700) -> CreditLine:
    today = timezone.localdate()
    with scopes_disabled():
        return CreditLine.objects.create(
            head_office_id=household.head_office_id, village_id=household.village_id, household=household,
            campaign=campaign, amount=Decimal(amount), effective_on=today - datetime.timedelta(days=30),
            expires_on=today + datetime.timedelta(days=days_left), status=LineStatus.ACTIVE)


def make_drawdown_world() -> dict:
    with scopes_disabled():
        head_office = HeadOfficeFactory()
        branch_a = BranchFactory(head_office=head_office, code="BRA")
        branch_b = BranchFactory(head_office=head_office, code="BRB")
        v_a, v_b = VillageFactory(branch=branch_a, name="东岭村"), VillageFactory(branch=branch_b, name="西河村")
        campaign = CampaignFactory(head_office=head_office)
        village_group = VillageGroupFactory(village=v_a, name="1组")
        homes = [HouseholdFactory(village=v_a, group=village_group, code=f"A-{i + 1:04d}",
                                  archive_status=ArchiveStatus.ARCHIVED, head__name=f"王{'一二三四'[i]}明")
                 for i in range(len(AMOUNTS))]
        spouse = MemberFactory(household=homes[0], relation="配偶", name="李秀英")
        lines = [give_line(home, amount, campaign=campaign) for home, amount in zip(homes, AMOUNTS, strict=True)]
        h_b = HouseholdFactory(village=v_b, code="B-0001", archive_status=ArchiveStatus.ARCHIVED)
        line_b = give_line(h_b, 20000, campaign=campaign)
        tina = StaffFactory(branch=branch_a, villages=[v_a], user__first_name="Tina").user
        group = GuaranteeGroup.objects.create(head_office=head_office, village=v_a, number=1, name="东岭1组",
                                              leader=homes[0], created_by=tina, checked_at=timezone.now())
        for home in homes[:3]:
            GroupMember.objects.create(group=group, household=home)
        return {
            "head_office": head_office, "branch_a": branch_a, "v_a": v_a, "v_b": v_b, "campaign": campaign,
            "h": homes, "lines": lines, "spouse": spouse, "h_b": h_b, "line_b": line_b, "group": group,
            "tina": tina,
            "pat": StaffFactory(branch=branch_a, role=Role.PRESIDENT, user__first_name="Pat").user,
            "tom": StaffFactory(branch=branch_a, role=Role.TELLER, user__first_name="Tom").user,
            "bob": StaffFactory(branch=branch_b, villages=[v_b]).user,
        }


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


def disburse(world, drawdown: Drawdown, *, user=None, today=None) -> Drawdown:
    user = user or world["tom"]
    return disbursement.drawdown_disburse(scope=scope_for_user(user), actor=user, drawdown_id=drawdown.pk, today=today)


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


def raw_drawdown(world, i: int, *, amount, status=Drawdown.Status.DISBURSED, guarantors=(), number=None,
                 outstanding=None) -> Drawdown:
    """A drawdown of h[i] written straight to the table (no rule checked); `guarantors` are household indexes
    guaranteeing the whole amount."""
    today = timezone.localdate()
    home, line = world["h"][i], world["lines"][i]
    amount = Decimal(amount)
    with scopes_disabled():
        drawdown = Drawdown.objects.create(
            head_office=world["head_office"], village=home.village, household=home, line=line,
            number=number or f"RAW{Drawdown.objects.count() + 1:05d}", amount=amount, purpose="养殖", applied_on=today,
            due_on=today + datetime.timedelta(days=150), annual_rate=Decimal("0.065"),
            guarantee=GuaranteeKind.GUARANTORS if guarantors else GuaranteeKind.GROUP, status=status,
            principal_outstanding=(amount if outstanding is None else Decimal(outstanding))
            if status == Drawdown.Status.DISBURSED else 0,
            disbursed_at=timezone.now() if status == Drawdown.Status.DISBURSED else None,
            created_by=world["tina"], submitted_by=world["tina"])
        for g in guarantors:
            DrawdownGuarantor.objects.create(drawdown=drawdown, household=world["h"][g], amount=amount)
    return drawdown


def reload(obj):
    with scopes_disabled():
        return type(obj).objects.get(pk=obj.pk)
