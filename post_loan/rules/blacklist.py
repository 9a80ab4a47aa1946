"""C4: the blacklist's dates. Pure functions, no ORM.

The erase date follows the credit-reporting regulation's retention of adverse information: 《征信业管理条例》
(国务院令第631号) art. 16 keeps adverse information for five years from the day the adverse act or event ends —
for a debt, the day it is settled. The number of years is a setting (BLACKLIST_ERASE_YEARS, default 5).
"""

import datetime

from django.utils.translation import gettext as _

from sunshine_credit.errors import RuleViolation


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` later; 29 February becomes 28 February in a year without it."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → a common year
        return day.replace(year=day.year + years, day=28)


def erase_date(settled_on: datetime.date, *, years: int) -> datetime.date:
    """The day the entry is lifted: `years` after the debt was settled (on that day, not the day after)."""
    return add_years(settled_on, years)


def check_settled_on(settled_on: datetime.date, *, listed_on: datetime.date, today: datetime.date) -> None:
    """The settlement date a maker records. Not in the future, and not before the entry was made: the entry was
    made for a debt still owed, and a back-dated settlement would bring the erase date (which lifts the entry
    without a checker) nearer than `years` after the listing. Raises RuleViolation."""
    if settled_on > today:
        raise RuleViolation("future", _("The settlement date cannot be in the future."))
    if settled_on < listed_on:
        raise RuleViolation("before_listing", _("The debt cannot have been settled before the entry was made "
                                                "(%(date)s).") % {"date": listed_on.isoformat()})


def is_due(erase_on: datetime.date | None, today: datetime.date) -> bool:
    """Whether the daily job lifts an entry on `today`: its erase date has come."""
    return erase_on is not None and erase_on <= today
