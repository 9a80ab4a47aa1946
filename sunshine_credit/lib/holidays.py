"""U7: the Chinese working-day calendar's default source, the chinese_calendar library, and what it knows.

chinese_calendar ships the State Council's holiday notices year by year (1.11: 2004–2026) and raises
NotImplementedError for any other year, e.g. the next year before a release carries its notice. The
administrator's table (sunshine_credit.models.CalendarDay) wins over it; the clocks themselves are in
credit_use.rules.time_limits. Pure: no ORM.
"""

import datetime

import chinese_calendar


def library_is_workday(day: datetime.date) -> bool | None:
    """The library's answer for `day`, or None for a year it does not know."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def library_knows_year(year: int) -> bool:
    """Whether the library carries the State Council's notice for `year`."""
    return library_is_workday(datetime.date(year, 1, 1)) is not None
