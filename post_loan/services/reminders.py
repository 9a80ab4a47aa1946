"""C2 writes: the officer's call recorded from the phone list, and the text messages 30 and 14 days before
maturity through the pluggable sender (post_loan.messaging)."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from credit_use.models import Drawdown
from sunshine_credit.errors import Refusal
from sunshine_credit.lib.money import yuan
from sunshine_credit.scoping import Scope, activate

from ..messaging import backend_path, get_backend
from ..models import Message, ReminderCall
from ..rules.reminders import MATURITY_14, MESSAGE_WINDOWS, message_window
from ..selectors.visits import live_loan_for_maker, live_loans, with_borrower

CLAIMED = "sending"  # the error a claimed message carries until the backend answers (a crash leaves it: not resent)


@transaction.atomic
def reminder_call_record(*, scope: Scope, actor, drawdown_id: int, outcome: str, note: str = "",
                         today: datetime.date | None = None) -> ReminderCall:
    """C2: the officer records what came of a reminder call about a loan still owed. Raises Drawdown.DoesNotExist
    (outside the maker's villages), PermissionDenied, Refusal (an outcome not in the list)."""
    today = today or timezone.localdate()
    with activate(scope):
        drawdown = live_loan_for_maker(scope=scope, drawdown_id=drawdown_id)
        if outcome not in ReminderCall.Outcome.values:
            raise Refusal(_("Choose what came of the call."), field="outcome")
        return ReminderCall.objects.create(drawdown=drawdown, called_on=today, outcome=outcome,
                                           note=(note or "").strip()[:300], called_by=actor)


def message_body(*, kind: str, amount, due_on: datetime.date, branch: str) -> str:
    if kind == MATURITY_14:
        text = _("[%(branch)s] Your loan of %(amount)s yuan falls due on %(date)s, in two weeks. The written notice "
                 "of maturity will be brought to you. Please repay on time.")
    else:
        text = _("[%(branch)s] Your loan of %(amount)s yuan falls due on %(date)s. Please prepare to repay on time.")
    return text % {"branch": branch, "amount": yuan(amount), "date": f"{due_on:%Y-%m-%d}"}


def _due_messages(today: datetime.date):
    """(kind, loan row) of every message due today and not yet recorded (one query per kind)."""
    for kind, fewest, most in MESSAGE_WINDOWS:
        first, last = message_window(today, fewest, most)
        sent = Message.objects.filter(drawdown=OuterRef("pk"), household=OuterRef("household_id"), kind=kind)
        loans = (with_borrower(Drawdown.objects.filter(live_loans(), due_on__gte=first, due_on__lte=last)
                               .filter(~Exists(sent)))
                 .values("pk", "head_office_id", "village_id", "household_id", "principal_outstanding", "due_on",
                         "village__branch__name", "borrower_phone").order_by("pk"))
        for loan in list(loans):  # read first: the loop writes Message rows the query looks at
            yield kind, loan


def _claim(kind: str, loan: dict, body: str, backend: str) -> Message | None:
    """Claim the message before sending it: the unique constraint (loan, person, kind) lets one run in."""
    try:
        with transaction.atomic():
            return Message.objects.create(
                head_office_id=loan["head_office_id"], village_id=loan["village_id"], household_id=loan["household_id"],
                drawdown_id=loan["pk"], kind=kind, phone=loan["borrower_phone"] or "", body=body, backend=backend,
                status=Message.Status.FAILED, error=CLAIMED)
    except IntegrityError:
        return None


def send_due_messages(*, today: datetime.date) -> dict:
    """C2 (the daily job, run for nobody under scopes_disabled): the text message to each borrower 30 days and 14
    days before maturity (windows in rules.reminders), through settings.POST_LOAN_MESSAGE_BACKEND. Each message is
    claimed as a Message row before it is sent (one per loan, person and kind: a second run, or a parallel one,
    sends nothing again) and then marked sent, or failed with the backend's error — a failed message is not
    retried by the job. Texts in the site's language. Returns {"sent": n, "failed": n}."""
    backend, path, counts = get_backend(), backend_path(), {"sent": 0, "failed": 0}
    with translation.override(settings.LANGUAGE_CODE):
        for kind, loan in _due_messages(today):
            body = message_body(kind=kind, amount=loan["principal_outstanding"], due_on=loan["due_on"],
                                branch=loan["village__branch__name"])
            message = _claim(kind, loan, body, path)
            if message is None:
                continue
            error = ""
            if not message.phone:
                error = _("No telephone number on file.")
            else:
                try:
                    backend.send(message.phone, body)
                except Exception as exc:  # noqa: BLE001 — any refusal of the gateway is recorded, the job goes on
                    error = (str(exc) or exc.__class__.__name__)[:300]
            status = Message.Status.FAILED if error else Message.Status.SENT
            Message.objects.filter(pk=message.pk).update(status=status, error=error)
            counts["failed" if error else "sent"] += 1
    return counts
