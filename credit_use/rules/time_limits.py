"""U7: time limits of service (限时服务) from a complete drawdown application, in working days.

Pure functions: plain values in, values out; no ORM, no request (STYLE §2).

- Who approves follows from the amount (approval_level): the branch up to its approval authority, then the county
  head office, the city and cross-city syndicated loans above their thresholds (settings).
- The limit depends on who approves: branch authority 5 working days (small farm loans at branch authority 3),
  county head office 7, city 15, cross-city syndicated loans 30 (SPEC U7, the banks' service commitments).
- Working days follow the Chinese calendar of the State Council's holiday notices (chinese_calendar): public
  holidays are not working days, and the adjusted workdays (调休, a Saturday or Sunday worked in exchange for
  a bridge day) are.
- The clock starts the day after the application became complete: the day it became complete does not count,
  whatever the hour (the counter closes on the same day; the bank has that day's remainder as a bonus). The
  deadline is the N-th working day after it, and a decision made on the deadline day is on time.
- A drawdown is in breach when it was decided (or, still undecided, today is) after the deadline; it is late
  by the number of working days after the deadline up to that day (at least one).

chinese_calendar knows only the years the State Council has published (1.11: 2004–2026; it raises
NotImplementedError for any other year, e.g. the next year before its notice comes out in the autumn). The
administrator therefore enters each year's notice in a table (sunshine_credit.models.CalendarDay: holidays and
adjusted workdays), which the callers pass here as `overrides` ({date: is a working day}); a day in the table
wins over the library. A day known to neither falls back to Monday to Friday, so that a deadline is always
computable; the dashboards warn from December when next year is known to neither (supervision).
"""

import datetime
from bisect import bisect_right
from collections.abc import Mapping
from decimal import Decimal

from sunshine_credit.lib.holidays import library_is_workday

from ..models import Authority

SMALL_FARM_LIMIT = 3  # small farm loans (小额农户贷款) at branch authority
LIMITS = {Authority.BRANCH: 5, Authority.COUNTY: 7, Authority.CITY: 15, Authority.CROSS_CITY: 30}

_ONE_DAY = datetime.timedelta(days=1)


def approval_level(*, amount: Decimal, branch_authority: Decimal | None, county_authority: Decimal,
                   city_authority: Decimal) -> str:
    """U7: who approves a drawdown of `amount`, derived, never chosen (a maker could pick a higher level to
    lengthen the clock): up to the branch's approval authority (included) the branch; above it up to the county
    head office's authority the county; up to the city's the city; above that a cross-city syndicated loan.
    A branch without a set authority (0) approves any amount (the head office has not delegated by amount).
    A higher level's threshold below a lower one's is raised to it (that level then approves nothing more than
    the one below: a branch whose own authority exceeds the county setting sends what is above it to the city)."""
    amount, branch = Decimal(amount), Decimal(branch_authority or 0)
    if branch <= 0 or amount <= branch:
        return Authority.BRANCH
    county = max(Decimal(county_authority), branch)
    if amount <= county:
        return Authority.COUNTY
    return Authority.CITY if amount <= max(Decimal(city_authority), county) else Authority.CROSS_CITY


def time_limit(authority: str, small_farm: bool) -> int:
    """The limit in working days for a drawdown approved at `authority` (small farm loans only at branch)."""
    if authority == Authority.BRANCH and small_farm:
        return SMALL_FARM_LIMIT
    return LIMITS[authority]


Overrides = Mapping[datetime.date, bool]  # the administrator's table: {date: is a working day}


def is_workday(day: datetime.date, overrides: Overrides | None = None) -> bool:
    """A working day: the administrator's table first, then the library (chinese_calendar), and Monday to Friday
    for a day known to neither."""
    if overrides and day in overrides:
        return overrides[day]
    known = library_is_workday(day)
    return day.weekday() < 5 if known is None else known


class WorkCalendar:
    """The working days of a span, computed once, for many deadlines at a time (set-based pages and jobs).

    It grows by itself when asked about a day outside the span. `overrides` is the administrator's table."""

    def __init__(self, start: datetime.date, end: datetime.date, overrides: Overrides | None = None):
        self._overrides = overrides or {}
        self._start, self._end, self._days = start, start - _ONE_DAY, []
        self._cover(start, end)

    def _cover(self, start: datetime.date, end: datetime.date) -> None:
        if start < self._start:
            self._start, self._end, self._days = start, start - _ONE_DAY, []
            end = max(end, self._end)
        day = self._end + _ONE_DAY
        while day <= end:
            if is_workday(day, self._overrides):
                self._days.append(day)
            day += _ONE_DAY
        self._end = max(self._end, end)

    def deadline(self, complete_on: datetime.date, limit: int) -> datetime.date:
        """The `limit`-th working day after `complete_on` (which itself does not count)."""
        if limit < 1:
            raise ValueError(limit)
        self._cover(complete_on, complete_on + datetime.timedelta(days=limit * 2 + 14))
        first = bisect_right(self._days, complete_on)
        while len(self._days) < first + limit:  # a span of long holidays: look further
            self._cover(self._start, self._end + datetime.timedelta(days=limit * 2 + 14))
        return self._days[first + limit - 1]

    def between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after `start` up to and including `end` (0 when end ≤ start)."""
        if end <= start:
            return 0
        self._cover(start, end)
        return bisect_right(self._days, end) - bisect_right(self._days, start)


def deadline(complete_on: datetime.date, authority: str, small_farm: bool,
             overrides: Overrides | None = None) -> datetime.date:
    """The last day of the time limit: the N-th working day after the day the application became complete
    (that day does not count). Branch 5, small farm 3, county 7, city 15, cross-city 30 working days."""
    calendar = WorkCalendar(complete_on, complete_on, overrides)
    return calendar.deadline(complete_on, time_limit(authority, small_farm))


def working_days_between(start: datetime.date, end: datetime.date, overrides: Overrides | None = None) -> int:
    """Working days after `start` up to and including `end` (Friday → next Monday is 1); 0 when end ≤ start."""
    return WorkCalendar(start, end, overrides).between(start, end)


def in_breach(deadline_on: datetime.date, decided_on: datetime.date) -> bool:
    """Decided (or still undecided on `decided_on`) after the deadline day."""
    return decided_on > deadline_on


def days_late(deadline_on: datetime.date, decided_on: datetime.date, *, calendar: WorkCalendar | None = None) -> int:
    """Working days after the deadline up to `decided_on`; 0 when on time, at least 1 when in breach (a decision
    on the Saturday after a Friday deadline is late, though no working day passed)."""
    if not in_breach(deadline_on, decided_on):
        return 0
    calendar = calendar or WorkCalendar(deadline_on, decided_on)
    return max(1, calendar.between(deadline_on, decided_on))
