"""C5: the repayment rate computed by hand on a small book, by maturity and with 3 months' grace, per branch,
village, officer and month; loans not yet due and loans still within their grace left out of the figure that is
not final yet; only the records (principal Repayment rows with paid_on) count; R1."""

from decimal import Decimal

from django_scopes import scopes_disabled

from credit_use.models import Drawdown, Repayment
from post_loan.selectors.repayment_rate import repayment_rate
from tests.post_loan.classification_world import TODAY, D, as_user, loan, repay

PERIOD = {"date_from": D(2027, 1, 1), "date_to": D(2027, 12, 31), "today": TODAY}  # TODAY: 1 September 2027


def book(county):
    tom = county.tom
    r1 = loan(county, due_on=D(2027, 3, 31), amount=10000)
    repay(r1, 10000, D(2027, 3, 31), user=tom)                      # on the due date: on time
    r2 = loan(county, due_on=D(2027, 4, 30), amount=20000, officer=county.ada)
    repay(r2, 5000, D(2027, 4, 10), user=tom)                       # early
    repay(r2, 15000, D(2027, 7, 15), user=tom)                      # within grace (ends 30 July)
    r3 = loan(county, due_on=D(2027, 5, 31), amount=10000)
    repay(r3, 4000, D(2027, 8, 31), user=tom)                       # the grace's last day
    repay(r3, 6000, D(2027, 9, 1), user=tom)                        # a day too late
    r4 = loan(county, due_on=D(2027, 6, 30), amount=10000, village=county.v_a2)  # grace ends 30 Sept.: not final
    with scopes_disabled():
        Repayment.objects.create(drawdown=r4, kind=Repayment.Kind.INTEREST, amount=500, paid_on=D(2027, 6, 30),
                                 recorded_by=tom)                   # interest is not principal
    loan(county, due_on=D(2027, 10, 31), amount=50000)              # not yet due
    r8 = loan(county, due_on=D(2027, 3, 31), amount=10000)
    repay(r8, 10000, D(2027, 7, 1), user=tom)                       # grace ended 30 June (31 June does not exist)
    loan(county, due_on=D(2026, 12, 31), amount=99000)              # outside the period
    loan(county, due_on=D(2027, 3, 31), amount=7000, village=county.v_b)  # 王庄支行, unpaid
    loan(county, due_on=D(2027, 3, 31), amount=8000, status=Drawdown.Status.APPROVED)  # never disbursed


def test_the_rate_by_maturity_and_with_grace_as_computed_by_hand(county):
    book(county)
    report = as_user(county, county.tina, repayment_rate, **PERIOD)
    total = report["total"]
    assert (total.due, total.repaid, total.rate) == (60000, 15000, Decimal("25.00"))
    assert (total.graced_due, total.graced_repaid, total.graced_rate) == (50000, 34000, Decimal("68.00"))
    assert (total.loans, total.within_grace, total.not_matured) == (6, 1, 1)
    months = {row.name: row for row in report["months"]}
    assert (months["2027-03"].rate, months["2027-03"].graced_rate) == (Decimal("50.00"), Decimal("50.00"))
    assert (months["2027-04"].rate, months["2027-04"].graced_rate) == (Decimal("25.00"), Decimal("100.00"))
    assert (months["2027-05"].rate, months["2027-05"].graced_rate) == (Decimal("0.00"), Decimal("40.00"))
    assert (months["2027-06"].rate, months["2027-06"].graced_rate) == (Decimal("0.00"), None)
    assert months["2027-10"].rate is None and months["2027-10"].not_matured == 1
    villages = {row.name: row for row in report["villages"]}
    assert set(villages) == {"东岭村", "南坡村"}
    assert villages["南坡村"].due == 10000 and villages["南坡村"].graced_due == 0
    officers = {row.key: row for row in report["officers"]}
    assert (officers[county.ada.pk].due, officers[county.ada.pk].rate) == (20000, Decimal("25.00"))
    assert [row.name for row in report["branches"]] == ["城关支行"]


def test_head_office_includes_the_other_branch(county):
    book(county)
    total = as_user(county, county.sue, repayment_rate, **PERIOD)["total"]
    assert (total.due, total.rate) == (67000, Decimal("22.39"))
    assert (total.graced_due, total.graced_rate) == (57000, Decimal("59.65"))
    bob = as_user(county, county.bob, repayment_rate, **PERIOD)["total"]
    assert (bob.due, bob.repaid, bob.rate) == (7000, 0, Decimal("0.00"))


def test_the_period_bounds_are_inclusive(county):
    book(county)
    march = as_user(county, county.tina, repayment_rate, date_from=D(2027, 3, 31), date_to=D(2027, 3, 31),
                           today=TODAY)["total"]
    assert (march.due, march.repaid) == (20000, 10000)
    assert as_user(county, county.tina, repayment_rate, date_from=D(2027, 4, 1), date_to=D(2027, 4, 29),
                          today=TODAY)["total"].loans == 0
