"""P5: when a published line takes effect and until when it runs (which items of a board become lines is
publicity.rules.item_outcome: the published item carries its escalation's outcome).

Pure functions: plain values in, values out; no ORM, no request (STYLE §2).
"""

import datetime


def line_expiry(effective_on: datetime.date, years: int) -> datetime.date:
    """The last day of a line of `years` years (授信期限): the day before the same date `years` later.

    2026-12-05 + 2 years → 2028-12-04. A line that starts on 29 February runs to the day before 1 March of
    the target year when that year has no 29 February (2028-02-29 + 1 year → 2029-02-28): the term is
    counted in whole years up to the anniversary, and the anniversary of 29 February in a common year is
    1 March, so the borrower never loses a day.
    """
    if years < 1:
        raise ValueError("a credit line runs at least one year")
    try:
        anniversary = effective_on.replace(year=effective_on.year + years)
    except ValueError:  # 29 February into a common year
        anniversary = datetime.date(effective_on.year + years, 3, 1)
    return anniversary - datetime.timedelta(days=1)


def effective_from(ends_on: datetime.date, cleared_on: datetime.date | None = None) -> datetime.date:
    """The day a line takes effect: the later of the day after the notice ends and the day the item was
    cleared (its reconsideration, or the approval of its escalation by the level above); None = never held."""
    start = ends_on + datetime.timedelta(days=1)
    return max(start, cleared_on) if cleared_on is not None else start
