"""Issue 15 item 4: the drawdowns behind the teller's "interest due this month" (U8: the 20th of March, June,
September and December, and maturity), boundaries on both sides."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from credit_use.models import Drawdown, GuaranteeKind
from credit_use.selectors.todo import drawdowns_todo, interest_due_ids
from sunshine_credit.scoping import activate
from tests.guarantee_groups.factories import give_line

D = datetime.date


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


@pytest.fixture
def make(county):
    home = county.household(county.v_a, code="A-0001")
    line = give_line(home, 500000, campaign=county.campaign)
    made = iter(range(1, 100))

    def drawdown(*, disbursed: D, due: D, paid_until: D | None = None, status=Drawdown.Status.DISBURSED,
                 village=None) -> Drawdown:
        with scopes_disabled():
            return Drawdown.objects.create(
                head_office=county.head_office, village=village or county.v_a, household=home, line=line,
                number=f"T-{next(made)}", amount=Decimal(10000), purpose="种植", applied_on=disbursed, due_on=due,
                annual_rate=Decimal("0.0650"), guarantee=GuaranteeKind.GUARANTORS, created_by=county.tina,
                status=status, disbursed_at=at(disbursed), principal_outstanding=Decimal(10000),
                interest_paid_until=paid_until)
    return drawdown


def due(county, today: datetime.date) -> set[int]:
    with scopes_disabled():
        return set(interest_due_ids(Drawdown.objects.all(), today))


def test_a_quarters_settlement_date_falls_due_in_its_month_until_paid(county, make):
    unpaid = make(disbursed=D(2026, 10, 5), due=D(2027, 6, 1))
    paid = make(disbursed=D(2026, 10, 5), due=D(2027, 6, 1), paid_until=D(2026, 12, 20))
    paid_before = make(disbursed=D(2026, 7, 5), due=D(2027, 6, 1), paid_until=D(2026, 9, 20))
    assert due(county, D(2026, 12, 1)) == due(county, D(2026, 12, 31)) == {unpaid.pk, paid_before.pk}
    assert paid.pk not in due(county, D(2026, 12, 6))
    # not in the months between quarters, nor before the disbursement's first quarter
    assert due(county, D(2026, 11, 30)) == set() and due(county, D(2027, 1, 1)) == set()
    late = make(disbursed=D(2026, 12, 21), due=D(2027, 6, 1))
    assert late.pk not in due(county, D(2026, 12, 31)) and late.pk in due(county, D(2027, 3, 1))


def test_maturity_falls_due_in_its_month_whatever_the_month(county, make):
    maturing = make(disbursed=D(2026, 9, 25), due=D(2026, 11, 15), paid_until=D(2026, 9, 20))
    assert maturing.pk in due(county, D(2026, 11, 1)) and maturing.pk not in due(county, D(2026, 10, 31))
    settled = make(disbursed=D(2026, 9, 25), due=D(2026, 11, 15), paid_until=D(2026, 11, 15))
    assert settled.pk not in due(county, D(2026, 11, 1))
    # maturing on the 21st after a quarter's settlement: no day is left for a last period (U8)
    on_21st = make(disbursed=D(2026, 10, 1), due=D(2026, 12, 21), paid_until=D(2026, 12, 20))
    assert on_21st.pk not in due(county, D(2026, 12, 21))


def test_only_disbursed_drawdowns_of_the_scope_are_due(county, make):
    make(disbursed=D(2026, 10, 5), due=D(2027, 6, 1), status=Drawdown.Status.REPAID)
    make(disbursed=D(2026, 10, 5), due=D(2027, 6, 1), status=Drawdown.Status.APPROVED)
    other = make(disbursed=D(2026, 10, 5), due=D(2027, 6, 1), village=county.v_b)
    ours = make(disbursed=D(2026, 10, 5), due=D(2027, 6, 1))
    assert due(county, D(2026, 12, 6)) == {other.pk, ours.pk}
    scope = county.scope(county.tom)
    with activate(scope):
        assert list(drawdowns_todo(scope=scope, todo="interest", today=D(2026, 12, 6))) == [ours]
        assert not drawdowns_todo(scope=scope, todo="nonsense").exists()
