"""U8: repayments at the counter — principal lowers what is owed (and the line's available amount follows),
overpayments are refused, REPAID at zero, interest pays whole periods; scope (R1) for reads and writes."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django_scopes import scopes_disabled

from credit_use.models import CreditLine, Drawdown, Repayment
from credit_use.services.repayments import PAYOFF, RepaymentRefused, repayment_record
from sunshine_credit.scoping import scope_for_user
from tests.credit_use.factories_loans import household_with_line, make_drawdown
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

D = datetime.date
P, I = Repayment.Kind.PRINCIPAL, Repayment.Kind.INTEREST
DISBURSED, DUE = D(2025, 12, 21), D(2026, 6, 30)  # in the past: repayments are never dated in the future


@pytest.fixture
def county(county):
    """A loan of 100,000 元 of a household of 东岭村 (line 150,000 元), disbursed on 21 December 2025; and otto,
    an officer of 南坡村 only (the county's tina has both villages of 城关支行)."""
    with scopes_disabled():
        county.otto = StaffFactory(branch=county.branch_a, villages=[county.v_a2]).user
    home, line = household_with_line(county, amount=Decimal(150000))
    county.line = line
    county.loan = make_drawdown(county, home, line, disbursed_on=DISBURSED, due_on=DUE)
    return county


def _scope(user):
    with scopes_disabled():
        return scope_for_user(user)


def record(county, user="tom", **kwargs):
    values = {"kind": P, "amount": Decimal(40000), "paid_on": D(2026, 2, 1), **kwargs}
    return repayment_record(scope=_scope(county[user]), actor=county[user], drawdown_id=county.loan.pk, **values)


def reload(obj):
    with scopes_disabled():
        return type(obj).objects.get(pk=obj.pk)


def available(line: CreditLine) -> Decimal:
    """The drawdown engineer's U1 figure: line − Σ outstanding of disbursed drawdowns − pending amounts."""
    with scopes_disabled():
        line = reload(line)
        try:
            from credit_use.selectors.drawdowns import line_available
        except ImportError:  # not there yet: the same definition
            drawdowns = Drawdown.objects.filter(line=line)
            return line.amount - sum(d.principal_outstanding for d in drawdowns
                                     if d.status == Drawdown.Status.DISBURSED)
        return line_available(line=line)


def test_principal_lowers_the_outstanding_and_the_line_available_follows(county):
    assert available(county.line) == Decimal(50000)
    repayment = record(county)
    loan = reload(county.loan)
    assert loan.principal_outstanding == Decimal(60000) and loan.status == Drawdown.Status.DISBURSED
    assert loan.version == county.loan.version + 1
    assert (repayment.kind, repayment.amount, repayment.recorded_by) == (P, Decimal(40000), county.tom)
    assert available(county.line) == Decimal(90000)


def test_an_overpayment_is_refused_with_the_amount_owed(county):
    record(county)
    with pytest.raises(RepaymentRefused, match="60,000.00"):
        record(county, amount=Decimal("60000.01"), paid_on=D(2026, 3, 1))
    assert reload(county.loan).principal_outstanding == Decimal(60000)
    with scopes_disabled():
        assert Repayment.objects.count() == 1


def test_the_drawdown_is_repaid_at_zero(county):
    record(county)
    record(county, amount=Decimal(60000), paid_on=D(2026, 3, 1), user="tina")  # the village's officer
    loan = reload(county.loan)
    assert loan.status == Drawdown.Status.REPAID and loan.principal_outstanding == 0
    assert available(county.line) == Decimal(150000)
    with pytest.raises(RepaymentRefused):
        record(county, amount=Decimal(1), paid_on=D(2026, 3, 2))


def test_outside_the_scope_is_404_and_other_roles_are_refused(county):
    for user in ("tess", "bob", "otto"):  # branch B's teller and officer; an officer of another village of A
        with pytest.raises(Http404):
            record(county, user=user)
    with pytest.raises(PermissionDenied):
        record(county, user="pat")  # the president reads the branch but does not record at the counter
    assert reload(county.loan).principal_outstanding == Decimal(100000)


def test_dates_in_the_future_or_before_the_disbursement_are_refused(county):
    with pytest.raises(RepaymentRefused):
        record(county, paid_on=D(2025, 12, 20))
    with pytest.raises(RepaymentRefused):
        record(county, paid_on=datetime.date.today() + datetime.timedelta(days=2))


def test_interest_pays_a_whole_period_of_exactly_the_amount_due(county):
    # Changed with issue 15 (was 89 days, 1,606.94): the 计息期 2025-12-21 through 2026-03-20, both included,
    # 90 days × 100,000 × 6.5 % / 360 = 1,625.00
    with pytest.raises(RepaymentRefused, match="1,625.00") as refused:
        record(county, kind=I, amount=Decimal(1600), paid_on=D(2026, 3, 20), period_end=D(2026, 3, 20))
    assert refused.value.errors[0][0] == "amount"  # the message goes beside the amount
    with pytest.raises(RepaymentRefused) as refused:  # not a settlement date of the schedule
        record(county, kind=I, amount=Decimal("1625.00"), paid_on=D(2026, 3, 25), period_end=D(2026, 3, 25))
    assert refused.value.errors[0][0] == "period_end"
    with pytest.raises(RepaymentRefused):  # not paid before its settlement date
        record(county, kind=I, amount=Decimal("1625.00"), paid_on=D(2026, 3, 19), period_end=D(2026, 3, 20))
    record(county, kind=I, amount=Decimal("1625.00"), paid_on=D(2026, 3, 21), period_end=D(2026, 3, 20))
    assert reload(county.loan).interest_paid_until == D(2026, 3, 20)
    with pytest.raises(RepaymentRefused):  # paid already
        record(county, kind=I, amount=Decimal("1625.00"), paid_on=D(2026, 3, 21), period_end=D(2026, 3, 20))


def test_interest_after_a_partial_principal_repayment_mid_quarter(county):
    record(county, amount=Decimal(40000), paid_on=D(2026, 2, 1))
    # Changed with issue 15 (was 47 days at 60,000, 1,267.50):
    # 100,000 × 42 days (21 Dec – 31 Jan) + 60,000 × 48 days (1 Feb – 20 Mar), × 6.5 % / 360 = 1,278.33
    record(county, kind=I, amount=Decimal("1278.33"), paid_on=D(2026, 3, 20), period_end=D(2026, 3, 20))
    for day in (D(2026, 3, 19), D(2026, 3, 20)):  # would change interest settled already (the 20th included)
        with pytest.raises(RepaymentRefused) as refused:
            record(county, amount=Decimal(1000), paid_on=day)
        assert refused.value.errors[0][0] == "paid_on"
    record(county, amount=Decimal(1000), paid_on=D(2026, 3, 21))  # the next period's first day
    assert reload(county.loan).principal_outstanding == Decimal(59000)


def test_several_periods_at_once_and_the_maturity_settlement(county):
    # Changed with issue 15 (was 1,606.94 + 1,661.11 = 3,268.05, then 180.56 for 10 days):
    # 1,625.00 (21 Dec – 20 March, 90 days) + 1,661.11 (21 March – 20 June, 92 days) = 3,286.11;
    # then 162.50 (21 – 29 June, 9 days: the maturity day, 30 June, bears none)
    record(county, kind=I, amount=Decimal("3286.11"), paid_on=D(2026, 6, 22), period_end=D(2026, 6, 20))
    record(county, kind=I, amount=Decimal("162.50"), paid_on=D(2026, 6, 30), period_end=DUE)
    assert reload(county.loan).interest_paid_until == DUE
    record(county, amount=Decimal(100000), paid_on=DUE)  # principal on the maturity day: no settled day changes
    assert reload(county.loan).status == Drawdown.Status.REPAID


def test_an_early_payoff_settles_the_interest_up_to_the_payoff_day(county):
    record(county, kind=I, amount=Decimal("1625.00"), paid_on=D(2026, 3, 20), period_end=D(2026, 3, 20))
    record(county, amount=Decimal(100000), paid_on=D(2026, 4, 10))
    assert reload(county.loan).status == Drawdown.Status.REPAID
    # Changed with issue 15 (was 21 days, 379.17): 21 March – 9 April, 20 days × 100,000 × 6.5 % / 360 = 361.11
    record(county, kind=I, amount=Decimal("361.11"), paid_on=D(2026, 4, 10), period_end=D(2026, 4, 10))
    assert reload(county.loan).interest_paid_until == D(2026, 4, 10)


# --- pay-off: principal and interest to date together (issue 15) ------------------------------------------

def test_a_payoff_records_the_principal_and_the_interest_to_date_in_one_go(county):
    record(county, kind=I, amount=Decimal("1625.00"), paid_on=D(2026, 3, 21), period_end=D(2026, 3, 20))
    # 21 March – 9 April: 20 days × 100,000 × 6.5 % / 360 = 361.11; with the principal: 100,361.11
    for wrong in (Decimal("100361.10"), Decimal("100361.12"), Decimal(100000)):
        with pytest.raises(RepaymentRefused, match="100,361.11") as refused:
            record(county, kind=PAYOFF, amount=wrong, paid_on=D(2026, 4, 10))
        assert refused.value.errors[0][0] == "amount"
    record(county, kind=PAYOFF, amount=Decimal("100361.11"), paid_on=D(2026, 4, 10))
    loan = reload(county.loan)
    assert (loan.status, loan.principal_outstanding, loan.interest_paid_until) == (
        Drawdown.Status.REPAID, Decimal(0), D(2026, 4, 10))
    with scopes_disabled():
        rows = list(Repayment.objects.filter(drawdown=county.loan).order_by("id")
                    .values_list("kind", "amount", "paid_on", "period_end"))
    assert rows[1:] == [(P, Decimal(100000), D(2026, 4, 10), None), (I, Decimal("361.11"), D(2026, 4, 10),
                                                                    D(2026, 4, 10))]
    assert available(county.line) == Decimal(150000)
    with pytest.raises(RepaymentRefused):  # nothing left to pay off
        record(county, kind=PAYOFF, amount=Decimal(1), paid_on=D(2026, 4, 11))


def test_a_payoff_with_no_interest_paid_yet_includes_every_open_period(county):
    # 1,625.00 (to 20 March) + 361.11 (21 March – 9 April) + 100,000 = 101,986.11
    record(county, kind=PAYOFF, amount=Decimal("101986.11"), paid_on=D(2026, 4, 10))
    with scopes_disabled():
        interest = Repayment.objects.get(drawdown=county.loan, kind=I)
    assert (interest.amount, interest.period_end) == (Decimal("1986.11"), D(2026, 4, 10))


def test_a_payoff_on_a_settled_20th_is_refused_and_on_the_21st_is_principal_only(county):
    record(county, kind=I, amount=Decimal("1625.00"), paid_on=D(2026, 3, 20), period_end=D(2026, 3, 20))
    with pytest.raises(RepaymentRefused) as refused:
        record(county, kind=PAYOFF, amount=Decimal(100000), paid_on=D(2026, 3, 20))
    assert refused.value.errors[0][0] == "paid_on"
    record(county, kind=PAYOFF, amount=Decimal(100000), paid_on=D(2026, 3, 21))  # no day open: no interest row
    with scopes_disabled():
        assert list(Repayment.objects.filter(drawdown=county.loan).values_list("kind", flat=True)) == [I, P]


# --- the page -------------------------------------------------------------------------------------------

def url(county) -> str:
    return f"/lines/drawdowns/{county.loan.pk}/repayments/"


def test_the_page_shows_the_schedule_and_records_a_repayment(client, county):
    client.force_login(county.tom)
    response = client.get(url(county))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    page = response.content.decode()
    # Changed with issue 15 (was 1,606.94 and 180.56): the periods 21 Dec – 20 Mar and 21 – 29 June.
    assert "2026-03-20" in page and "1,625.00" in page and "162.50" in page and 'id="repayment-form"' in page
    # The pay-off amount today: the loan is past maturity, so the principal and the interest of every period.
    assert 'id="payoff-total"' in page and "103,448.61" in page
    response = client.post(url(county), {"kind": "principal", "amount": "40000", "paid_on": "2026-02-01"})
    assert response.status_code == 302
    assert reload(county.loan).principal_outstanding == Decimal(60000)
    response = client.post(url(county), {"kind": "principal", "amount": "70000", "paid_on": "2026-02-02"})
    assert response.status_code == 200 and "60,000.00" in response.content.decode()
    # The refusal is shown beside the amount field, not only at the top of the form.
    assert response.context["form"].errors["amount"] and not response.context["form"].non_field_errors()
    assert reload(county.loan).principal_outstanding == Decimal(60000)


def test_the_page_outside_the_scope_is_404_for_reads_and_writes(client, county):
    client.force_login(county.tess)
    assert client.get(url(county)).status_code == 404
    assert client.post(url(county), {"kind": "principal", "amount": "1", "paid_on": "2026-02-01"}).status_code == 404
    assert reload(county.loan).principal_outstanding == Decimal(100000)


def test_the_president_reads_the_page_but_records_nothing(client, county):
    client.force_login(county.pat)
    response = client.get(url(county))
    assert response.status_code == 200 and 'id="repayment-form"' not in response.content.decode()
    assert client.post(url(county), {"kind": "principal", "amount": "1", "paid_on": "2026-02-01"}).status_code == 403


def test_the_page_records_a_payoff_and_shows_a_wrong_amount_beside_the_field(client, county):
    client.force_login(county.tom)
    response = client.post(url(county), {"kind": "payoff", "amount": "100000", "paid_on": "2026-04-10"})
    assert response.status_code == 200 and "101,986.11" in response.context["form"].errors["amount"][0]
    response = client.post(url(county), {"kind": "payoff", "amount": "101986.11", "paid_on": "2026-04-10"})
    assert response.status_code == 302 and reload(county.loan).status == Drawdown.Status.REPAID
