"""C2/C3: when each written notice is due (seed 003 §三). Pure functions on dates (STYLE §2).

- 《贷款到期通知书》 (maturity): 14 days before the due date ("提前两周"): issued when due_on − today = 14 days. Catch-up:
  a loan due in 1–14 days that has no maturity notice yet (disbursed less than two weeks before its due date, or a
  day the job did not run) gets it on the next run; on the due date itself no notice is printed any more (it could
  not reach the borrower before the date it announces) — from the next day the overdue notice speaks.
- 《贷款逾期通知书》 (overdue): on the first day overdue, due_on + 1 day (never on the due date, day 0), to the
  borrower and each guarantor or group member; a loan still overdue without one (a missed run) gets it late.
- 《律师函》 (lawyer): "提前一周对逾期三个月的借款人" — a week before the loan is three months overdue. "Three months
  overdue" is counted in calendar months from the first day overdue: the loan is three months overdue on
  `three_months_overdue_on(due_on)` = first day overdue + 3 calendar months (the same day of the month, or the
  month's last day when it has none: 30 November → 28/29 February). Due on 31 January 2027 → first day overdue
  1 February → three months overdue on 1 May 2027 (90 days overdue by the (D − due_on) count; 30 April is day 89). The letter is
  issued 7 days before that day and gives 7 days to pay in full ("限七天内足额还贷"): deadline = issued on + 7.
  The same day is when a collection case may be classified (rules.collection).
"""

import calendar
import datetime

MATURITY_DAYS_BEFORE = 14
LAWYER_DAYS_BEFORE = 7
LAWYER_DEADLINE_DAYS = 7
OVERDUE_MONTHS = 3

_DAY = datetime.timedelta(days=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months later, or that month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def first_day_overdue(due_on: datetime.date) -> datetime.date:
    return due_on + _DAY


def days_overdue(*, due_on: datetime.date, on: datetime.date, outstanding) -> int:
    """(on − due_on) days when principal is outstanding and `on` is after the due date, else 0."""
    return (on - due_on).days if outstanding and outstanding > 0 and on > due_on else 0


def three_months_overdue_on(due_on: datetime.date) -> datetime.date:
    """The day the loan has been overdue three calendar months (see the module's docstring)."""
    return add_months(first_day_overdue(due_on), OVERDUE_MONTHS)


def maturity_notice_on(due_on: datetime.date) -> datetime.date:
    return due_on - datetime.timedelta(days=MATURITY_DAYS_BEFORE)


def lawyer_letter_on(due_on: datetime.date) -> datetime.date:
    return three_months_overdue_on(due_on) - datetime.timedelta(days=LAWYER_DAYS_BEFORE)


def lawyer_deadline(issued_on: datetime.date) -> datetime.date:
    return issued_on + datetime.timedelta(days=LAWYER_DEADLINE_DAYS)


def maturity_due(*, due_on: datetime.date, today: datetime.date) -> bool:
    """A maturity notice is due (or overdue, catch-up) today: 1 ≤ due_on − today ≤ 14."""
    return 1 <= (due_on - today).days <= MATURITY_DAYS_BEFORE


def overdue_due(*, due_on: datetime.date, today: datetime.date) -> bool:
    return today >= first_day_overdue(due_on)


def lawyer_due(*, due_on: datetime.date, today: datetime.date) -> bool:
    return today >= lawyer_letter_on(due_on)


def kinds_due(*, due_on: datetime.date, today: datetime.date, outstanding: bool) -> list[str]:
    """The letter kinds ("maturity", "overdue", "lawyer") a loan due on `due_on` is owed by `today`; `outstanding`:
    whether principal is still owed (a repaid loan is owed none)."""
    if not outstanding:
        return []
    kinds = ["maturity"] if maturity_due(due_on=due_on, today=today) else []
    if overdue_due(due_on=due_on, today=today):
        kinds.append("overdue")
    if lawyer_due(due_on=due_on, today=today):
        kinds.append("lawyer")
    return kinds
