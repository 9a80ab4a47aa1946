"""C2 reads: the officer's phone list (loans due within 30 days, with the borrower's phone and the last call's
outcome), the calls and text messages of a loan, and the list of messages sent. Every read starts from the scope."""

import datetime

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery

from credit_use.models import Drawdown
from sunshine_credit.scoping import Scope, get_in_scope_or_404

from ..models import Message, ReminderCall
from ..rules.reminders import call_window
from .visits import live_loans, with_borrower


def call_list(*, scope: Scope, today: datetime.date, uncalled: bool = False) -> QuerySet:
    """C2: the scope's loans still owed that fall due today … in REMINDER_CALL_DAYS days (both included), the
    soonest first and then in the order of a round; each with its borrower's name and phone and its last call
    (outcome, date, note) in the same query."""
    first, last = call_window(today, settings.REMINDER_CALL_DAYS)
    latest = ReminderCall.objects.filter(drawdown=OuterRef("pk")).order_by("-called_on", "-pk")
    loans = (Drawdown.objects.filter(live_loans(), village_id__in=scope.village_ids, due_on__gte=first,
                                     due_on__lte=last)
             .select_related("village", "household__group")
             .annotate(last_outcome=Subquery(latest.values("outcome")[:1]),
                       last_called_on=Subquery(latest.values("called_on")[:1]),
                       last_note=Subquery(latest.values("note")[:1])))
    if uncalled:  # the home page's task: those nobody has called yet
        loans = loans.filter(last_outcome__isnull=True)
    return with_borrower(loans).order_by("due_on", "village__code", "household__group__name", "household__code")


def call_loan_get(*, scope: Scope, pk: int) -> Drawdown:
    """A loan still owed of the maker's villages, to record a call about; Http404 otherwise."""
    return get_in_scope_or_404(Drawdown.objects.filter(live_loans()), scope, for_edit=True, pk=pk)


def loan_calls(*, drawdown: Drawdown) -> list[ReminderCall]:
    return list(ReminderCall.objects.filter(drawdown=drawdown).select_related("called_by")
                .order_by("-called_on", "-pk")[:20])


def loan_messages(*, drawdown: Drawdown) -> list[Message]:
    return list(Message.objects.filter(drawdown=drawdown, village_id=drawdown.village_id).order_by("-sent_at", "-pk"))


def message_list(*, scope: Scope, status: str = "") -> QuerySet:
    """The scope's text messages, the latest first (of `status` when given)."""
    rows = Message.objects.filter(village_id__in=scope.village_ids).select_related("village", "household", "drawdown")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-sent_at", "-pk")
