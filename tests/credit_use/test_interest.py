"""U8: quarterly interest (按季结息) — settlement dates, actual/360, 算头不算尾, segments, rounding. No database."""

import datetime
from decimal import Decimal

from credit_use.rules import interest as ri

D = datetime.date
RATE = Decimal("0.0650")
START = D(2026, 12, 21)


def segments(*repayments, amount=Decimal(100000), start=START):
    return ri.principal_segments(amount=amount, disbursed_on=start, repayments=repayments)


def test_settlement_dates_are_the_20th_of_each_quarter_end_month_and_maturity():
    assert ri.settlement_dates(START, D(2027, 6, 30)) == [D(2027, 3, 20), D(2027, 6, 20), D(2027, 6, 30)]
    assert ri.settlement_dates(D(2026, 3, 20), D(2026, 9, 20)) == [D(2026, 6, 20), D(2026, 9, 20)]  # no doubles
    assert ri.settlement_dates(D(2026, 11, 2), D(2027, 8, 1)) == [D(2026, 12, 20), D(2027, 3, 20), D(2027, 6, 20),
                                                                  D(2027, 8, 1)]
    assert ri.settlement_dates(START, START) == []


def test_one_full_quarter_by_hand():
    # 2026-12-21 → 2027-03-20: 89 days (the first day counts, the settlement day does not).
    # 100000 × 0.065 × 89 / 360 = 1606.944… → 1606.94
    due = ri.interest_due(principal_segments=segments(), annual_rate=RATE, start=START, end=D(2027, 3, 20))
    assert due == Decimal("1606.94")
    # From the previous settlement date: 2026-12-20 → 2027-03-20 is 90 days: 100000 × 0.065 × 90 / 360 = 1625.00
    assert ri.interest_due(principal_segments=segments(start=D(2026, 12, 20)), annual_rate=RATE,
                           start=D(2026, 12, 20), end=D(2027, 3, 20)) == Decimal("1625.00")


def test_a_partial_principal_repayment_mid_quarter():
    # 40,000 repaid on 2027-02-01: 100,000 for 42 days (21 Dec – 31 Jan), 60,000 for 47 days (1 Feb – 19 Mar):
    # (100000 × 42 + 60000 × 47) × 0.065 / 360 = 456300 / 360 = 1267.50
    segs = segments((D(2027, 2, 1), Decimal(40000)))
    assert segs == [(START, Decimal(100000)), (D(2027, 2, 1), Decimal(60000))]
    assert ri.interest_due(principal_segments=segs, annual_rate=RATE, start=START, end=D(2027, 3, 20)) \
        == Decimal("1267.50")
    # The next quarter bears interest on 60,000 only: 60000 × 0.065 × 92 / 360 = 996.666… → 996.67
    assert ri.interest_due(principal_segments=segs, annual_rate=RATE, start=D(2027, 3, 20), end=D(2027, 6, 20)) \
        == Decimal("996.67")


def test_maturity_settlement_and_the_whole_schedule():
    periods = ri.interest_schedule(principal_segments=segments(), annual_rate=RATE, start=START, end=D(2027, 6, 30))
    assert [(p.start, p.end, p.days) for p in periods] == [
        (START, D(2027, 3, 20), 89), (D(2027, 3, 20), D(2027, 6, 20), 92), (D(2027, 6, 20), D(2027, 6, 30), 10)]
    # 10 days at maturity: 100000 × 0.065 × 10 / 360 = 180.555… → 180.56
    assert [p.interest for p in periods] == [Decimal("1606.94"), Decimal("1661.11"), Decimal("180.56")]


def test_an_early_payoff_ends_the_schedule_on_the_payoff_day():
    end = ri.schedule_end(due_on=D(2027, 6, 30), paid_off_on=D(2027, 4, 10))
    assert end == D(2027, 4, 10)
    assert ri.schedule_end(due_on=D(2027, 6, 30), paid_off_on=D(2027, 7, 5)) == D(2027, 6, 30)  # late payoff
    segs = segments((D(2027, 4, 10), Decimal(100000)))
    periods = ri.interest_schedule(principal_segments=segs, annual_rate=RATE, start=START, end=end)
    # 2027-03-20 → 2027-04-10: 21 days × 100,000 (the payoff day bears none): 379.1666… → 379.17
    assert [(p.end, p.interest) for p in periods] == [(D(2027, 3, 20), Decimal("1606.94")),
                                                     (D(2027, 4, 10), Decimal("379.17"))]


def test_rounding_is_half_up_to_the_fen_once_per_period():
    # 100 × 0.018 × 1 / 360 = 0.005 exactly → 0.01 (half up; half-even would give 0.00)
    segs = segments(amount=Decimal(100))
    assert ri.interest_due(principal_segments=segs, annual_rate=Decimal("0.0180"), start=START,
                           end=START + datetime.timedelta(days=1)) == Decimal("0.01")
    # Segments are summed exactly, then rounded once: 200 for a day (0.004) and 100 for a day (0.002) at 0.72 %
    # make 0.006 → 0.01, where rounding each segment would give 0.00 + 0.00.
    segs = segments((START + datetime.timedelta(days=1), Decimal(100)), amount=Decimal(200))
    assert ri.interest_due(principal_segments=segs, annual_rate=Decimal("0.0072"), start=START,
                           end=START + datetime.timedelta(days=2)) == Decimal("0.01")


def test_nothing_is_due_for_an_empty_period():
    assert ri.interest_due(principal_segments=segments(), annual_rate=RATE, start=START, end=START) == Decimal("0.00")


def test_a_month_past_the_settlement_date():
    assert ri.one_month_after(D(2027, 3, 20)) == D(2027, 4, 20)
    assert ri.one_month_after(D(2027, 1, 31)) == D(2027, 2, 28)
    assert ri.one_month_after(D(2026, 12, 20)) == D(2027, 1, 20)
    dates = [D(2027, 3, 20), D(2027, 6, 20)]
    assert ri.interest_unpaid_late(settle_dates=dates, paid_until=None, today=D(2027, 4, 20)) is None
    assert ri.interest_unpaid_late(settle_dates=dates, paid_until=None, today=D(2027, 4, 21)) == D(2027, 3, 20)
    assert ri.interest_unpaid_late(settle_dates=dates, paid_until=D(2027, 3, 20), today=D(2027, 7, 20)) is None
    assert ri.interest_unpaid_late(settle_dates=dates, paid_until=D(2027, 3, 20), today=D(2027, 7, 21)) \
        == D(2027, 6, 20)
