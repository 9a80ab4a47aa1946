"""U8: quarterly interest (按季结息) on a drawdown. Pure functions: plain values in, values out (STYLE §2).

The convention, and why:

- Settlement dates (结息日): the 20th of the last month of each quarter — 20 March, 20 June, 20 September,
  20 December — and the maturity date. The People's Bank of China settles interest on these dates (人民银行
  《人民币利率管理规定》 and its quarterly settlement practice), and the rural credit cooperatives' loan
  contracts follow it ("按季结息，每季末月20日为结息日"). The last period ends at maturity (利随本清 for what is
  left), or on the day the principal is repaid in full when that is earlier.
- Day count: actual days × annual rate ÷ 360. The daily rate of an RMB loan is the annual rate ÷ 360
  (日利率 = 年利率 ÷ 360, the PBOC convention for RMB loans; deposits and loans alike), and the days are the
  actual calendar days of the period.
- Which days (计息期, the banks' practice): a period runs from the 21st of the previous quarter's last month
  THROUGH the 20th of this quarter's last month — the settlement day (结息日) bears interest and is settled with
  its own period; interest is charged the next day, the 21st (付息日). The first period starts on the disbursement
  day (which bears interest: 算头); the last one ends the day before maturity or payoff (which bears none: 不算尾).
  So a loan disbursed on 21 December 2026 bears 90 days at 20 March 2027 (21 Dec – 20 Mar, both included), the
  next period runs from 21 March through 20 June (92 days), and a loan disbursed on a 20th bears that one day in
  the period settled the same day. A loan maturing on a 21st has no last period of its own: its last day bearing
  interest, the 20th, was settled with the quarter.
- Early principal repayments: interest on the amount repaid stops on the day of repayment (that day no longer
  bears interest on it, again 算头不算尾). A period is therefore computed per segment of constant principal:
  Σ principal × rate × days of the segment.
- Rounding: each period's interest is summed exactly over its segments and rounded once to the fen (0.01 元)
  half up (ROUND_HALF_UP, 四舍五入 as the bank's counters round), so splitting a period never changes its total
  by a fen.
- Pay-off (提前结清, `payoff`): the principal outstanding plus the interest of every period not yet paid, the
  last of them ending the day before the payoff day (which bears none), each period rounded as above: what the
  schedule shows once the principal is repaid that day. Past maturity, interest stops at maturity.

Not covered: penalty interest on overdue principal (罚息) and compound interest on unpaid interest (复利),
which the core-banking system computes; the schedule here ends at maturity.
"""

import calendar
import datetime
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

SETTLEMENT_DAYS = ((3, 20), (6, 20), (9, 20), (12, 20))  # (month, day): 每季末月20日
DAYS_IN_YEAR = Decimal(360)  # 日利率 = 年利率 ÷ 360
FEN = Decimal("0.01")

# Principal outstanding from each date on, in date order: [(disbursed on, amount), (repaid on, amount left), ...]
Segments = Sequence[tuple[datetime.date, Decimal]]


_ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    """One settlement period (计息期), settled on `end`: interest of the days start ≤ day < stop. A quarter's
    period includes its settlement day (stop = the 21st); the last period excludes maturity or payoff (stop = end)."""

    start: datetime.date
    end: datetime.date
    interest: Decimal
    stop: datetime.date

    @property
    def days(self) -> int:
        return (self.stop - self.start).days

    @property
    def last_day(self) -> datetime.date:
        """The last day bearing interest in this period (the 20th of a quarter, the day before maturity/payoff)."""
        return self.stop - _ONE_DAY


def settlement_dates(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The quarterly settlement dates on or after `start` (disbursement) and before `end` (maturity or payoff),
    then `end`, unless `end` is the day after the last of them (a 21st: no day is left for a last period).
    Empty when end ≤ start. A loan disbursed on a settlement date settles that one day on the same date."""
    if end <= start:
        return []
    dates = [d for d in (datetime.date(year, month, day) for year in range(start.year, end.year + 1)
                         for month, day in SETTLEMENT_DAYS) if start <= d < end]
    return dates if dates and dates[-1] + _ONE_DAY == end else [*dates, end]


def principal_segments(*, amount: Decimal, disbursed_on: datetime.date,
                       repayments: Iterable[tuple[datetime.date, Decimal]]) -> list[tuple[datetime.date, Decimal]]:
    """The principal outstanding from each date on: `amount` from the disbursement day, less every principal
    repayment from its own day (the day of repayment bears no interest on the amount repaid)."""
    by_day: dict[datetime.date, Decimal] = {}
    for paid_on, paid in repayments:
        by_day[max(paid_on, disbursed_on)] = by_day.get(max(paid_on, disbursed_on), Decimal(0)) + Decimal(paid)
    segments, left = [(disbursed_on, Decimal(amount))], Decimal(amount)
    for day in sorted(by_day):
        left = max(left - by_day[day], Decimal(0))
        if day == disbursed_on:
            segments[0] = (day, left)
        else:
            segments.append((day, left))
    return segments


def principal_on(segments: Segments, day: datetime.date) -> Decimal:
    """The principal outstanding on `day` (0 before the disbursement)."""
    principal = Decimal(0)
    for start, amount in segments:
        if start > day:
            break
        principal = Decimal(amount)
    return principal


def interest_due(*, principal_segments: Segments, annual_rate: Decimal, start: datetime.date,
                 end: datetime.date) -> Decimal:
    """Interest of the days start ≤ day < end: Σ over segments of constant principal of principal × annual rate
    × days ÷ 360, rounded once to the fen, half up. 0.00 when end ≤ start.

    100,000 元 at 6.5 % from 2026-12-21 to 2027-03-21 (90 days, the period settled on 20 March):
    100000 × 0.065 × 90 ÷ 360 = 1,625.00."""
    if end <= start:
        return Decimal("0.00")
    cuts = sorted({start, end, *(day for day, _amount in principal_segments if start < day < end)})
    total = Decimal(0)
    for begin, finish in itertools.pairwise(cuts):
        total += principal_on(principal_segments, begin) * Decimal(annual_rate) * (finish - begin).days
    return (total / DAYS_IN_YEAR).quantize(FEN, rounding=ROUND_HALF_UP)


def interest_schedule(*, principal_segments: Segments, annual_rate: Decimal, start: datetime.date,
                      end: datetime.date) -> list[Period]:
    """Every settlement period from `start` (the disbursement date) to `end` (maturity, or the day the principal
    was repaid in full), with its interest on the principal as repaid so far (later periods assume the principal
    outstanding stays as it is now). A quarter's period runs through its settlement day; the last one stops
    the day before `end`."""
    periods, begin = [], start
    for settle_on in settlement_dates(start, end):
        stop = min(settle_on + _ONE_DAY, end)
        periods.append(Period(begin, settle_on, interest_due(principal_segments=principal_segments,
                                                             annual_rate=annual_rate, start=begin, end=stop), stop))
        begin = stop
    return periods


def schedule_end(*, due_on: datetime.date, paid_off_on: datetime.date | None) -> datetime.date:
    """The last settlement date: maturity, or the day the principal was repaid in full when that is earlier
    (interest stops with the principal; a late payoff does not lengthen the schedule: penalty interest is the
    core-banking system's)."""
    return min(due_on, paid_off_on) if paid_off_on is not None else due_on


def settles_day(*, paid_until: datetime.date | None, due_on: datetime.date, day: datetime.date) -> bool:
    """Whether interest settled up to `paid_until` already covered `day`: every day before it, and the day itself
    when it is a quarter's settlement date before maturity (the 20th bears interest in its own period; a last
    period's end, maturity or payoff, does not). A principal repayment on such a day would change settled interest."""
    if paid_until is None:
        return False
    quarter_end = (paid_until.month, paid_until.day) in SETTLEMENT_DAYS and paid_until < due_on
    return day < paid_until or (day == paid_until and quarter_end)


@dataclass(frozen=True)
class Payoff:
    """What settles a loan in full on one day (提前结清): the principal outstanding and the interest to date."""

    principal: Decimal
    interest: Decimal
    interest_until: datetime.date | None  # the settlement date the interest pays up to; None when none is open
    periods: tuple[Period, ...]           # the open periods the interest is the sum of

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


def payoff(*, amount: Decimal, disbursed_on: datetime.date, repayments: Iterable[tuple[datetime.date, Decimal]],
           annual_rate: Decimal, due_on: datetime.date, paid_until: datetime.date | None,
           on: datetime.date) -> Payoff:
    """The pay-off amount on day `on`: the principal outstanding, plus the interest of every period not yet paid
    (after `paid_until`) of the schedule that ends on `on` — the day of payoff bears no interest (不算尾), each
    period rounded to the fen as the schedule shows it, so the figure is what recording the principal and then the
    interest period by period would make. Past maturity the interest stops at maturity (penalty interest is the
    core-banking system's).

    100,000 元 at 6.5 % disbursed 2025-12-21, interest paid until 2026-03-20, paid off on 2026-04-10: interest of
    21 March – 9 April (20 days) = 100000 × 0.065 × 20 ÷ 360 = 361.11; the pay-off amount is 100,361.11."""
    repayments = list(repayments)
    outstanding = max(Decimal(amount) - sum((Decimal(paid) for _day, paid in repayments), Decimal(0)), Decimal(0))
    segments = principal_segments(amount=amount, disbursed_on=disbursed_on,
                                  repayments=[*repayments, (on, outstanding)])
    periods = interest_schedule(principal_segments=segments, annual_rate=annual_rate, start=disbursed_on,
                                end=schedule_end(due_on=due_on, paid_off_on=on))
    open_periods = tuple(p for p in periods if paid_until is None or p.end > paid_until)
    interest = sum((p.interest for p in open_periods), Decimal("0.00"))
    return Payoff(outstanding, interest, open_periods[-1].end if open_periods else None, open_periods)


def one_month_after(day: datetime.date) -> datetime.date:
    """The same day of the next calendar month, or that month's last day (31 January → 28/29 February)."""
    years, month = divmod(day.month, 12)  # December → January of the next year
    year, month = day.year + years, month + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def interest_unpaid_late(*, settle_dates: Iterable[datetime.date], paid_until: datetime.date | None,
                         today: datetime.date) -> datetime.date | None:
    """U9: the earliest settlement date whose interest is unpaid (after `paid_until`) more than a month past
    its date — its date + 1 calendar month is before `today` — or None. Interest due on 20 March and unpaid
    revokes on 21 April, not on 20 April."""
    for settle_on in sorted(settle_dates):
        if paid_until is not None and settle_on <= paid_until:
            continue
        return settle_on if one_month_after(settle_on) < today else None
    return None
