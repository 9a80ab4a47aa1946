"""Issue 15 item 4: the drawdowns that wait for someone — the lists behind the counts of the home page's task list
(`drawdown_list(todo=...)`) and the counts themselves (supervision.selectors.tasks), from one definition each so
that a count is always the number of rows its link lists. Every read starts from the caller's scope (R1).

- "disburse" (teller): approved by the president, not disbursed yet.
- "check" (officer, U6): disbursed with the group's guarantee and no post-loan check recorded: the group's next
  member may not draw until it is done.
- "interest" (teller, U8): interest falls due this calendar month and is not paid yet — a quarter's settlement
  date (the 20th of March, June, September, December) or maturity, whichever of the drawdown's settlement dates
  (rules.interest.settlement_dates) lies in the month after `interest_paid_until`.
"""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from sunshine_credit.scoping import Scope

from ..models import Drawdown, GuaranteeKind
from ..rules import interest as rules_interest

DRAWDOWN_TODOS = ("disburse", "check", "interest")
_QUARTER_MONTHS = {month for month, _day in rules_interest.SETTLEMENT_DAYS}


def drawdowns_todo(*, scope: Scope, todo: str, today: datetime.date | None = None) -> QuerySet:
    """The scope's drawdowns of `todo` (DRAWDOWN_TODOS); unknown `todo`: none. "interest" costs one query more
    (the month's settlement dates are computed per drawdown in Python, over one read)."""
    drawdowns = Drawdown.objects.filter(head_office_id=scope.head_office_id, village_id__in=scope.village_ids)
    if todo == "disburse":
        return drawdowns.filter(status=Drawdown.Status.APPROVED)
    if todo == "check":
        return drawdowns.filter(status=Drawdown.Status.DISBURSED, guarantee=GuaranteeKind.GROUP,
                                post_loan_checked_on__isnull=True)
    if todo == "interest":
        return drawdowns.filter(pk__in=interest_due_ids(drawdowns, today or timezone.localdate()))
    return drawdowns.none()


def interest_due_ids(drawdowns: QuerySet, today: datetime.date) -> list[int]:
    """Of `drawdowns`, the disbursed ones with a settlement date in `today`'s month not covered by the interest
    paid so far."""
    first = today.replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    live = drawdowns.filter(status=Drawdown.Status.DISBURSED, due_on__gte=first)
    if first.month not in _QUARTER_MONTHS:  # only maturity falls due outside the quarters' last months
        live = live.filter(due_on__lte=last)
    live = live.filter(Q(interest_paid_until__isnull=True) | Q(interest_paid_until__lt=last))
    due = []
    for pk, disbursed_at, applied_on, due_on, paid_until in live.values_list(
            "pk", "disbursed_at", "applied_on", "due_on", "interest_paid_until"):
        start = timezone.localtime(disbursed_at).date() if disbursed_at else applied_on
        if any(first <= day <= last and (paid_until is None or day > paid_until)
               for day in rules_interest.settlement_dates(start, due_on)):
            due.append(pk)
    return due
