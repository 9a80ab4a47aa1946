"""U8: quarterly interest (按季结息) — settlement dates, the 计息期 from the 21st through the 20th, actual/360,
算头不算尾 for disbursement and maturity/payoff, segments, rounding, the pay-off amount. No database."""

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
    # Disbursed on a 20th: that day is settled the same day; maturity on a 20th: no doubles.
    assert ri.settlement_dates(D(2026, 3, 20), D(2026, 9, 20)) == [D(2026, 3, 20), D(2026, 6, 20), D(2026, 9, 20)]
    assert ri.settlement_dates(D(2026, 11, 2), D(2027, 8, 1)) == [D(2026, 12, 20), D(2027, 3, 20), D(2027, 6, 20),
                                                                  D(2027, 8, 1)]
    # Maturity on a 21st: its last day bearing interest (the 20th) is the quarter's; no empty last period.
    assert ri.settlement_dates(D(2027, 3, 21), D(2027, 6, 21)) == [D(2027, 6, 20)]
    assert ri.settlement_dates(START, START) == []


def test_one_full_quarter_by_hand():
    # Changed with issue 15 (was 89 days, 1,606.94: the old convention left the 20th to the next period).
    # 计息期 2026-12-21 through 2027-03-20, both included: 11 + 31 + 28 + 20 = 90 days.
    # 100000 × 0.065 × 90 / 360 = 1625.00
    periods = ri.interest_schedule(principal_segments=segments(), annual_rate=RATE, start=START, end=D(2027, 6, 30))
    assert (periods[0].start, periods[0].end, periods[0].last_day, periods[0].days) == (
        START, D(2027, 3, 20), D(2027, 3, 20), 90)
    assert periods[0].interest == Decimal("1625.00")
    # interest_due itself counts start ≤ day < end: through the 20th is up to the 21st.
    assert ri.interest_due(principal_segments=segments(), annual_rate=RATE, start=START, end=D(2027, 3, 21)) \
        == Decimal("1625.00")


def test_a_partial_principal_repayment_mid_quarter():
    # Changed with issue 15 (was 47 days at 60,000 and 1,267.50).
    # 40,000 repaid on 2027-02-01 (that day bears no interest on it): 100,000 for 42 days (21 Dec – 31 Jan),
    # 60,000 for 48 days (1 Feb – 20 Mar): (100000 × 42 + 60000 × 48) × 0.065 / 360 = 460200 / 360 = 1278.33
    segs = segments((D(2027, 2, 1), Decimal(40000)))
    assert segs == [(START, Decimal(100000)), (D(2027, 2, 1), Decimal(60000))]
    periods = ri.interest_schedule(principal_segments=segs, annual_rate=RATE, start=START, end=D(2027, 6, 30))
    assert periods[0].interest == Decimal("1278.33")
    # The next quarter, 21 March – 20 June (92 days), bears interest on 60,000 only: 60000 × 0.065 × 92 / 360
    # = 996.666… → 996.67
    assert (periods[1].start, periods[1].end, periods[1].days, periods[1].interest) == (
        D(2027, 3, 21), D(2027, 6, 20), 92, Decimal("996.67"))


def test_maturity_settlement_and_the_whole_schedule():
    # Changed with issue 15 (was 89 / 92 / 10 days from the 20th; now 90 / 92 / 9 from the 21st: the same 191).
    periods = ri.interest_schedule(principal_segments=segments(), annual_rate=RATE, start=START, end=D(2027, 6, 30))
    assert [(p.start, p.end, p.days) for p in periods] == [
        (START, D(2027, 3, 20), 90), (D(2027, 3, 21), D(2027, 6, 20), 92), (D(2027, 6, 21), D(2027, 6, 30), 9)]
    # 9 days at maturity (21 – 29 June; the maturity day bears none): 100000 × 0.065 × 9 / 360 = 162.50
    assert [p.interest for p in periods] == [Decimal("1625.00"), Decimal("1661.11"), Decimal("162.50")]


def test_an_early_payoff_ends_the_schedule_on_the_payoff_day():
    end = ri.schedule_end(due_on=D(2027, 6, 30), paid_off_on=D(2027, 4, 10))
    assert end == D(2027, 4, 10)
    assert ri.schedule_end(due_on=D(2027, 6, 30), paid_off_on=D(2027, 7, 5)) == D(2027, 6, 30)  # late payoff
    segs = segments((D(2027, 4, 10), Decimal(100000)))
    periods = ri.interest_schedule(principal_segments=segs, annual_rate=RATE, start=START, end=end)
    # Changed with issue 15 (was 21 days, 379.17): 21 March – 9 April, 20 days × 100,000 (the payoff day bears
    # none): 100000 × 0.065 × 20 / 360 = 361.11
    assert [(p.end, p.days, p.interest) for p in periods] == [(D(2027, 3, 20), 90, Decimal("1625.00")),
                                                             (D(2027, 4, 10), 20, Decimal("361.11"))]


# --- worked examples across a year (issue 15): 100,000 元 at 7.2 % bears exactly 20.00 元 a day --------------

DAILY_20 = Decimal("0.0720")


def schedule(start, end, amount=Decimal(100000)):
    return [(p.start, p.end, p.days, p.interest)
            for p in ri.interest_schedule(principal_segments=segments(amount=amount, start=start),
                                          annual_rate=DAILY_20, start=start, end=end)]


def test_every_quarter_of_2027_counts_from_the_21st_through_the_20th():
    assert schedule(D(2026, 12, 21), D(2027, 12, 31)) == [
        (D(2026, 12, 21), D(2027, 3, 20), 90, Decimal("1800.00")),   # 11 + 31 + 28 + 20
        (D(2027, 3, 21), D(2027, 6, 20), 92, Decimal("1840.00")),    # 11 + 30 + 31 + 20
        (D(2027, 6, 21), D(2027, 9, 20), 92, Decimal("1840.00")),    # 10 + 31 + 31 + 20
        (D(2027, 9, 21), D(2027, 12, 20), 91, Decimal("1820.00")),   # 10 + 31 + 30 + 20
        (D(2027, 12, 21), D(2027, 12, 31), 10, Decimal("200.00")),   # last: 21 – 30 December, maturity excluded
    ]  # 375 days in all = 2026-12-21 → 2027-12-31


def test_the_first_quarter_of_leap_year_2028_has_a_day_more():
    assert schedule(D(2027, 12, 21), D(2028, 4, 1))[0] == (
        D(2027, 12, 21), D(2028, 3, 20), 91, Decimal("1820.00"))     # 11 + 31 + 29 + 20


def test_a_first_period_from_the_disbursement_and_a_last_one_to_the_day_before_maturity():
    # Disbursed 5 May 2027: 5 – 31 May (27) + 1 – 20 June (20) = 47 days; due 10 August: 21 June – 9 August = 50.
    assert schedule(D(2027, 5, 5), D(2027, 8, 10)) == [
        (D(2027, 5, 5), D(2027, 6, 20), 47, Decimal("940.00")),
        (D(2027, 6, 21), D(2027, 8, 10), 50, Decimal("1000.00"))]
    # Due on a 20th: the last period is the maturity's and stops on the 19th (10 January – 19 March: 69 days).
    assert schedule(D(2027, 1, 10), D(2027, 3, 20)) == [(D(2027, 1, 10), D(2027, 3, 20), 69, Decimal("1380.00"))]


def test_a_loan_disbursed_on_a_20th_bears_that_day_in_the_period_settled_the_same_day():
    assert schedule(D(2027, 3, 20), D(2027, 9, 30)) == [
        (D(2027, 3, 20), D(2027, 3, 20), 1, Decimal("20.00")),
        (D(2027, 3, 21), D(2027, 6, 20), 92, Decimal("1840.00")),
        (D(2027, 6, 21), D(2027, 9, 20), 92, Decimal("1840.00")),
        (D(2027, 9, 21), D(2027, 9, 30), 9, Decimal("180.00"))]


def test_a_loan_disbursed_on_a_21st_bears_a_whole_quarter_and_one_due_on_a_21st_ends_with_it():
    assert schedule(D(2027, 3, 21), D(2027, 6, 21)) == [(D(2027, 3, 21), D(2027, 6, 20), 92, Decimal("1840.00"))]


def test_which_days_settled_interest_covers():
    due = D(2027, 6, 30)
    assert not ri.settles_day(paid_until=None, due_on=due, day=D(2027, 1, 1))
    assert ri.settles_day(paid_until=D(2027, 3, 20), due_on=due, day=D(2027, 3, 19))
    assert ri.settles_day(paid_until=D(2027, 3, 20), due_on=due, day=D(2027, 3, 20))   # the 20th is the quarter's
    assert not ri.settles_day(paid_until=D(2027, 3, 20), due_on=due, day=D(2027, 3, 21))
    assert not ri.settles_day(paid_until=due, due_on=due, day=due)                     # maturity bears none
    assert not ri.settles_day(paid_until=D(2027, 6, 20), due_on=D(2027, 6, 20), day=D(2027, 6, 20))


# --- the pay-off amount (提前结清) ------------------------------------------------------------------------

def test_the_payoff_amount_is_the_principal_and_the_interest_of_the_open_periods_to_the_day_before():
    # Interest paid to 20 March; paid off 10 April 2027: 21 March – 9 April, 20 days: 100000 × 0.065 × 20 / 360
    # = 361.11; with principal 100,000: 100,361.11.
    p = ri.payoff(amount=Decimal(100000), disbursed_on=START, repayments=[], annual_rate=RATE,
                  due_on=D(2027, 6, 30), paid_until=D(2027, 3, 20), on=D(2027, 4, 10))
    assert (p.principal, p.interest, p.total, p.interest_until) == (
        Decimal(100000), Decimal("361.11"), Decimal("100361.11"), D(2027, 4, 10))
    # Nothing paid yet and paid off on 10 April: the first quarter's 1,625.00 as well: 1,986.11.
    p = ri.payoff(amount=Decimal(100000), disbursed_on=START, repayments=[], annual_rate=RATE,
                  due_on=D(2027, 6, 30), paid_until=None, on=D(2027, 4, 10))
    assert (p.interest, [q.end for q in p.periods]) == (Decimal("1986.11"), [D(2027, 3, 20), D(2027, 4, 10)])


def test_the_payoff_after_a_part_repayment_and_on_the_21st():
    # 40,000 repaid 1 February; interest paid to 20 March; paid off on the 21st: no day is open (0.00).
    p = ri.payoff(amount=Decimal(100000), disbursed_on=START, repayments=[(D(2027, 2, 1), Decimal(40000))],
                  annual_rate=RATE, due_on=D(2027, 6, 30), paid_until=D(2027, 3, 20), on=D(2027, 3, 21))
    assert (p.principal, p.interest, p.interest_until) == (Decimal(60000), Decimal("0.00"), None)
    # One day later, the 21st bears interest on 60,000: 60000 × 0.065 / 360 = 10.833… → 10.83
    p = ri.payoff(amount=Decimal(100000), disbursed_on=START, repayments=[(D(2027, 2, 1), Decimal(40000))],
                  annual_rate=RATE, due_on=D(2027, 6, 30), paid_until=D(2027, 3, 20), on=D(2027, 3, 22))
    assert (p.total, p.interest_until) == (Decimal("60010.83"), D(2027, 3, 22))


def test_past_maturity_the_payoff_interest_stops_at_maturity():
    p = ri.payoff(amount=Decimal(100000), disbursed_on=START, repayments=[], annual_rate=RATE,
                  due_on=D(2027, 6, 30), paid_until=D(2027, 6, 20), on=D(2027, 7, 15))
    assert (p.interest, p.interest_until) == (Decimal("162.50"), D(2027, 6, 30))


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
