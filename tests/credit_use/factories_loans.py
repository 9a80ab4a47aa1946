"""Disbursed drawdowns written straight to the tables (U7–U9 tests do not depend on the drawdown services).

`make_loan_world()`: one head office, branch A with villages v_a (officer tina) and v_a2 (officer otto),
branch B with village v_b (officer olga); teller tom, president pat and president pia of branch A, teller bob
of branch B, supervisor sue. Households with lines are made with `household_with_line`, drawdowns with
`make_drawdown`.
"""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled

from credit_use.models import CreditLine, Drawdown, DrawdownGuarantor, GuaranteeKind, LineStatus
from guarantee_groups.models import GroupMember, GuaranteeGroup
from sunshine_credit.models import Role
from tests.factories import (
    BranchFactory,
    HeadOfficeFactory,
    HouseholdFactory,
    StaffFactory,
    VillageFactory,
    VillageGroupFactory,
)
from tests.surveys.factories import CampaignFactory

_numbers = itertools.count(1)
DISBURSED = datetime.date(2026, 12, 21)
DUE = datetime.date(2027, 6, 30)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    """An aware datetime on `day` in the bank's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def make_loan_world() -> dict:
    with scopes_disabled():
        head_office = HeadOfficeFactory()
        branch_a, branch_b = BranchFactory(head_office=head_office), BranchFactory(head_office=head_office)
        v_a, v_a2 = VillageFactory(branch=branch_a, name="东岭村"), VillageFactory(branch=branch_a, name="西岭村")
        v_b = VillageFactory(branch=branch_b, name="南坡村")
        world = {"head_office": head_office, "branch_a": branch_a, "branch_b": branch_b,
                 "v_a": v_a, "v_a2": v_a2, "v_b": v_b, "campaign": CampaignFactory(head_office=head_office),
                 "group_1": VillageGroupFactory(village=v_a, name="1组"),
                 "group_2": VillageGroupFactory(village=v_a, name="2组")}
        world["tina"] = StaffFactory(branch=branch_a, villages=[v_a]).user
        world["otto"] = StaffFactory(branch=branch_a, villages=[v_a2]).user
        world["olga"] = StaffFactory(branch=branch_b, villages=[v_b]).user
        world["tom"] = StaffFactory(branch=branch_a, role=Role.TELLER).user
        world["bob"] = StaffFactory(branch=branch_b, role=Role.TELLER).user
        world["pat"] = StaffFactory(branch=branch_a, role=Role.PRESIDENT).user
        world["pia"] = StaffFactory(branch=branch_b, role=Role.PRESIDENT).user
        world["sue"] = StaffFactory(branch=None, head_office=head_office, role=Role.SUPERVISOR).user
    return world


def household_with_line(world, village=None, *, amount=Decimal(50000), group=None, head_name=None,
                        status=LineStatus.ACTIVE):
    """A household (its head named `head_name`) with a line of the world's campaign in effect."""
    village = village or world["v_a"]
    with scopes_disabled():
        head = {"head__name": head_name} if head_name else {}
        home = HouseholdFactory(village=village, group=group, **head)
        line = CreditLine.objects.create(head_office=world["head_office"], village=village, household=home,
                                         campaign=world["campaign"], amount=amount, status=status,
                                         effective_on=datetime.date(2026, 12, 4), expires_on=datetime.date(2028, 12, 3))
    return home, line


def make_drawdown(world, home, line, *, amount=Decimal(100000), status=Drawdown.Status.DISBURSED,
                  disbursed_on=DISBURSED, due_on=DUE, rate=Decimal("0.0650"), guarantors=(), group=None,
                  outstanding=None, interest_paid_until=None, **fields) -> Drawdown:
    """A drawdown of `home` against `line`, disbursed on `disbursed_on` unless another status is given."""
    n = next(_numbers)
    disbursed = status in (Drawdown.Status.DISBURSED, Drawdown.Status.REPAID)
    values = {
        "head_office": world["head_office"], "village": home.village, "household": home, "line": line,
        "number": f"YX{n:05d}", "loan_number": f"JJ{n:05d}" if disbursed else "", "amount": amount,
        "purpose": "种植", "applied_on": disbursed_on - datetime.timedelta(days=5), "due_on": due_on,
        "annual_rate": rate, "guarantee": GuaranteeKind.GROUP if group else GuaranteeKind.GUARANTORS,
        "group": group, "status": status, "created_by": world["tina"], "submitted_by": world["tina"],
        "disbursed_at": at(disbursed_on) if disbursed else None,
        "principal_outstanding": amount if outstanding is None and disbursed else (outstanding or 0),
        "interest_paid_until": interest_paid_until, **fields}
    with scopes_disabled():
        drawdown = Drawdown.objects.create(**values)
        for guarantor in guarantors:
            DrawdownGuarantor.objects.create(drawdown=drawdown, household=guarantor, amount=amount)
    return drawdown


def make_group(world, households, *, village=None) -> GuaranteeGroup:
    village = village or world["v_a"]
    with scopes_disabled():
        group = GuaranteeGroup.objects.create(head_office=world["head_office"], village=village,
                                              number=GuaranteeGroup.objects.filter(village=village).count() + 1,
                                              leader=households[0], created_by=world["tina"])
        for home in households:
            GroupMember.objects.create(group=group, household=home)
    return group
