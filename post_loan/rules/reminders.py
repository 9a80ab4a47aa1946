"""C2 reminders as plain values: which loans are on the officer's phone list and which text message a loan is due
for on a day. No database.

Boundaries (inclusive, in whole days from `today` to the loan's due date):
- the phone list holds a loan due today … in REMINDER_CALL_DAYS (30) days: due in 30 days is on it, in 31 is not;
- the 30-day message goes to a loan due in 15 … 30 days, the 14-day message to a loan due in 0 … 14 days. A day the
  job did not run is caught up the next day (a loan is never skipped), and the unique constraint on Message (one per
  loan, person and kind) keeps each message to one.
"""

import datetime

MATURITY_30 = "maturity_30"
MATURITY_14 = "maturity_14"
# (kind, fewest days left, most days left), inclusive
MESSAGE_WINDOWS = ((MATURITY_30, 15, 30), (MATURITY_14, 0, 14))


def call_window(today: datetime.date, days: int) -> tuple[datetime.date, datetime.date]:
    """The due dates of the phone list: today … today + `days`, both included."""
    return today, today + datetime.timedelta(days=days)


def message_window(today: datetime.date, fewest: int, most: int) -> tuple[datetime.date, datetime.date]:
    return today + datetime.timedelta(days=fewest), today + datetime.timedelta(days=most)


def days_left(today: datetime.date, due_on: datetime.date) -> int:
    return (due_on - today).days
