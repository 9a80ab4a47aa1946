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
- Which days: a period runs from the disbursement date (or the previous settlement date) up to the settlement
  date, counting the first day and not the last (算头不算尾, the rule for interest on RMB loans): its days are
  `end − start`. So a loan disbursed on 21 December 2026 bears 89 days of interest at 20 March 2027, and the
  settlement day itself belongs to the next period.
- Early principal repayments: interest on the amount repaid stops on the day of repayment (that day no longer
  bears interest on it, again 算头不算尾). A period is therefore computed per segment of constant principal:
  Σ principal × rate × days of the segment.
- Rounding: each period's interest is summed exactly over its segments and rounded once to the fen (0.01 元)
  half up (ROUND_HALF_UP, 四舍五入 as the bank's counters round), so splitting a period never changes its total
  by a fen.

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


@dataclass(frozen=True)
class Period:
    """One settlement period: interest of the days start ≤ day < end, settled on `end`."""

    start: datetime.date
    end: datetime.date
    interest: Decimal

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def settlement_dates(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The quarterly settlement dates strictly after `start` and before `end`, then `end` (maturity).
    Empty when end ≤ start. A loan disbursed on a settlement date settles first at the next one."""
    if end <= start:
        return []
    dates = [datetime.date(year, month, day) for year in range(start.year, end.year + 1)
             for month, day in SETTLEMENT_DAYS]
    return [d for d in dates if start < d < end] + [end]


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

    100,000 元 at 6.5 % from 2026-12-21 to 2027-03-20 (89 days): 100000 × 0.065 × 89 ÷ 360 = 1,606.94."""
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
    outstanding stays as it is now)."""
    periods, begin = [], start
    for settle_on in settlement_dates(start, end):
        periods.append(Period(begin, settle_on, interest_due(principal_segments=principal_segments,
                                                             annual_rate=annual_rate, start=begin, end=settle_on)))
        begin = settle_on
    return periods


def schedule_end(*, due_on: datetime.date, paid_off_on: datetime.date | None) -> datetime.date:
    """The last settlement date: maturity, or the day the principal was repaid in full when that is earlier
    (interest stops with the principal; a late payoff does not lengthen the schedule: penalty interest is the
    core-banking system's)."""
    return min(due_on, paid_off_on) if paid_off_on is not None else due_on


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
