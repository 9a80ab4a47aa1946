"""C3/C7: collection cases as pure functions (STYLE §2): the limitation clock, when a case may be classified,
how an instalment plan's instalments are matched against the repayments, and whether a promise was kept.

The limitation clock (C7). Civil Code art. 188: the limitation period for a claim is three years, counted from
the day the obligee knew or should have known its right was harmed — for a loan, when it was not repaid at its
due date: the period runs from the first day overdue. Art. 195: it is interrupted when the obligee demands
performance, and a new three-year period runs from the interruption. The bank proves its demand by the signed
delivery receipt (送达回证) of an overdue notice or a lawyer's letter: such a receipt moves the start to the day
it was delivered. The period ends on `limitation_ends_on` = start + 3 calendar years (29 February → 28 February).
A case warns from 90 days before that day (`LIMITATION_WARNING_DAYS`, on the day itself too) and shows "ended"
after it.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .letters import add_months, three_months_overdue_on

LIMITATION_YEARS = 3
LIMITATION_WARNING_DAYS = 90
DEMANDS = ("overdue", "lawyer")  # the letter kinds that demand payment (a maturity notice demands nothing yet)


def limitation_ends_on(start: datetime.date) -> datetime.date:
    return add_months(start, 12 * LIMITATION_YEARS)


def limitation_state(*, ends_on: datetime.date, today: datetime.date) -> str:
    """"ended" after `ends_on`, "warning" within 90 days of it (both ends included), else "running"."""
    left = (ends_on - today).days
    if left < 0:
        return "ended"
    return "warning" if left <= LIMITATION_WARNING_DAYS else "running"


def warning_from(ends_on: datetime.date) -> datetime.date:
    return ends_on - datetime.timedelta(days=LIMITATION_WARNING_DAYS)


def interrupts(*, kind: str, signed: bool) -> bool:
    """Art. 195: only a demand (an overdue notice or a lawyer's letter) whose receipt the recipient signed."""
    return signed and kind in DEMANDS


def may_classify(*, due_on: datetime.date, today: datetime.date) -> bool:
    """At three months overdue (rules.letters.three_months_overdue_on), not before: seed 003 "逾期超过三个月者，
    视情况进行分类处理"."""
    return today >= three_months_overdue_on(due_on)


# --- instalment plans -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Instalment:
    due_on: datetime.date
    amount: Decimal


def plan_problems(items: Sequence[Instalment], *, outstanding: Decimal, today: datetime.date) -> list[str]:
    """What is wrong with a proposed schedule (codes): "empty", "amount" (an instalment not above 0), "past"
    (due before tomorrow), "order" (two on one day, or not in date order), "total" (the sum is not the principal
    outstanding)."""
    problems = []
    if not items:
        return ["empty"]
    if any(item.amount <= 0 for item in items):
        problems.append("amount")
    if any(item.due_on <= today for item in items):
        problems.append("past")
    dates = [item.due_on for item in items]
    if dates != sorted(set(dates)):
        problems.append("order")
    if sum((item.amount for item in items), Decimal(0)) != outstanding:
        problems.append("total")
    return problems


def allocate(amounts: Sequence[Decimal], payments: Iterable[Decimal]) -> list[Decimal]:
    """The paid part of each instalment (in due-date order) when the payments are applied to the oldest unpaid
    instalment first; what is paid beyond the last instalment is not counted."""
    left = sum((Decimal(p) for p in payments), Decimal(0))
    paid = []
    for amount in amounts:
        part = min(Decimal(amount), max(left, Decimal(0)))
        paid.append(part)
        left -= part
    return paid


def plan_state(*, items: Sequence[tuple[datetime.date, Decimal, Decimal]], today: datetime.date,
               grace_days: int) -> str:
    """(due on, amount, paid) of each instalment → "completed" when all are paid, "broken" when one is unpaid
    (in part) `grace_days` days or more after its date, else "active"."""
    if all(paid >= amount for _due, amount, paid in items):
        return "completed"
    if any(paid < amount and (today - due).days >= grace_days for due, amount, paid in items):
        return "broken"
    return "active"


def promise_kept(*, amount: Decimal, paid: Decimal) -> bool:
    """A promise to pay `amount` by a date is kept when the repayments from the day it was made through that
    date add up to it."""
    return paid >= amount
