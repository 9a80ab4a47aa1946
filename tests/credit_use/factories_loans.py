"""Disbursed drawdowns written straight to the tables (U7–U9 tests do not depend on the drawdown services).

They are made on the shared county (tests/county.py): 城关支行 with 东岭村 v_a (groups g1 1组, g2 2组) and 南坡村 v_a2,
both tina's, president pat and teller tom; 王庄支行 with 西河村 v_b, officer bob, president pete and teller tess;
supervisor sue. Households with lines are made with `household_with_line`, drawdowns with `make_drawdown`.
"""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled

from credit_use.models import CreditLine, Drawdown, DrawdownGuarantor, GuaranteeKind, LineStatus
from guarantee_groups.models import GroupMember, GuaranteeGroup
from tests.county import build_county
from tests.factories import HouseholdFactory

_numbers = itertools.count(1)
DISBURSED = datetime.date(2026, 12, 21)
DUE = datetime.date(2027, 6, 30)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    """An aware datetime on `day` in the bank's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def make_loan_world(county=None):
    """The county the loans are made in (a new one when none is given): this stage adds nothing of its own."""
    return county if county is not None else build_county()


def household_with_line(county, village=None, *, amount=Decimal(50000), group=None, head_name=None,
                        status=LineStatus.ACTIVE):
    """A household (its head named `head_name`) of `village` (东岭村) with a line of the county's campaign in effect."""
    village = village or county.v_a
    with scopes_disabled():
        head = {"head__name": head_name} if head_name else {}
        home = HouseholdFactory(village=village, group=group, **head)
        line = CreditLine.objects.create(head_office=county.head_office, village=village, household=home,
                                         campaign=county.campaign, amount=amount, status=status,
                                         effective_on=datetime.date(2026, 12, 4), expires_on=datetime.date(2028, 12, 3))
    return home, line


def make_drawdown(county, home, line, *, amount=Decimal(100000), status=Drawdown.Status.DISBURSED,
                  disbursed_on=DISBURSED, due_on=DUE, rate=Decimal("0.0650"), guarantors=(), group=None,
                  outstanding=None, interest_paid_until=None, **fields) -> Drawdown:
    """A drawdown of `home` against `line`, disbursed on `disbursed_on` unless another status is given."""
    n = next(_numbers)
    disbursed = status in (Drawdown.Status.DISBURSED, Drawdown.Status.REPAID)
    values = {
        "head_office": county.head_office, "village": home.village, "household": home, "line": line,
        "number": f"YX{n:05d}", "loan_number": f"JJ{n:05d}" if disbursed else "", "amount": amount,
        "purpose": "种植", "applied_on": disbursed_on - datetime.timedelta(days=5), "due_on": due_on,
        "annual_rate": rate, "guarantee": GuaranteeKind.GROUP if group else GuaranteeKind.GUARANTORS,
        "group": group, "status": status, "created_by": county.tina, "submitted_by": county.tina,
        "disbursed_at": at(disbursed_on) if disbursed else None,
        "principal_outstanding": amount if outstanding is None and disbursed else (outstanding or 0),
        "interest_paid_until": interest_paid_until, **fields}
    with scopes_disabled():
        drawdown = Drawdown.objects.create(**values)
        for guarantor in guarantors:
            DrawdownGuarantor.objects.create(drawdown=drawdown, household=guarantor, amount=amount)
    return drawdown


def make_group(county, households, *, village=None) -> GuaranteeGroup:
    village = village or county.v_a
    with scopes_disabled():
        group = GuaranteeGroup.objects.create(head_office=county.head_office, village=village,
                                              number=GuaranteeGroup.objects.filter(village=village).count() + 1,
                                              leader=households[0], created_by=county.tina)
        for home in households:
            GroupMember.objects.create(group=group, household=home)
    return group
