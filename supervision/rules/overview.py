"""V1: the dashboards' plain rules — the targets, the shares, and where a stage should stand by a day of its
timetable (阶段时间表)."""

import datetime
from decimal import Decimal


def share(part, whole) -> float | None:
    """part ÷ whole as a float (None when there is nothing to divide by)."""
    if not whole:
        return None
    return float(Decimal(part or 0) / Decimal(whole))


def planned_share(starts_on: datetime.date, ends_on: datetime.date, today: datetime.date) -> float:
    """The share of a stage's households planned to have reached it by `today`: 0 before the stage starts, 1 from
    its last day on, and linear by calendar day in between (a one-day stage is done on its day)."""
    if today < starts_on:
        return 0.0
    if today >= ends_on:
        return 1.0
    days = (ends_on - starts_on).days + 1
    return ((today - starts_on).days + 1) / days


def behind(actual: float | None, planned: float) -> bool:
    """A stage is behind its plan when the households that reached it are fewer than the plan's share by today
    (a stage with nothing to count is not behind)."""
    return actual is not None and actual < planned


def repayment_window(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The twelve months the dashboards' repayment rate (C5) covers: the loans due from the day after the same day a
    year ago (1 March after a 29 February) up to today."""
    if today.month == 2 and today.day == 29:
        return datetime.date(today.year - 1, 3, 1), today
    return today.replace(year=today.year - 1) + datetime.timedelta(days=1), today
