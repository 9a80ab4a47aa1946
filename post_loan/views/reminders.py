"""C2 pages: the officer's phone list (loans due within 30 days, the borrower's phone — whole with a tel: link for
the village's makers, masked for everyone else, R5 — and the last call's outcome), the call recorded with one tap,
and the text messages sent. Thin views over selectors.reminders and services.reminders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from sunshine_credit.errors import Refusal
from sunshine_credit.models import Role

from ..forms.reminders import CallForm
from ..models import Message, ReminderCall
from ..selectors import reminders as selectors
from ..services.reminders import reminder_call_record
from .visits import READERS, require_reader

# Tellers take the repayments these calls announce: they read the list (phones masked), record nothing.
LIST_READERS = READERS | {Role.TELLER}
PAGE_SIZE = 100


@never_cache
@login_required
@require_safe
def reminder_list(request):
    require_reader(request, LIST_READERS)
    today = timezone.localdate()
    uncalled = request.GET.get("todo") == "call"  # the home page's task: not called yet
    loans = list(selectors.call_list(scope=request.scope, today=today, uncalled=uncalled)[:500])
    for loan in loans:
        loan.days_left = (loan.due_on - today).days
        loan.may_call = request.scope.can_edit_village(loan.village_id)
    return render(request, "post_loan/reminder_list.html", {
        "loans": loans, "outcomes": ReminderCall.Outcome.choices, "today": today, "uncalled": uncalled,
        "outcome_labels": dict(ReminderCall.Outcome.choices)})


@never_cache
@login_required
@require_POST
def reminder_call(request, pk: int):
    loan = selectors.call_loan_get(scope=request.scope, pk=pk)
    form = CallForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what came of the call."))
        return redirect("post_loan:reminder_list")
    try:
        reminder_call_record(scope=request.scope, actor=request.user, drawdown_id=loan.pk,
                             outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"])
    except (PermissionDenied, Refusal) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The call was recorded."))
    return redirect(reverse("post_loan:reminder_list") + f"#loan-{loan.pk}")


@never_cache
@login_required
@require_safe
def message_list(request):
    require_reader(request, LIST_READERS)
    status = request.GET.get("status") if request.GET.get("status") in Message.Status.values else ""
    page = Paginator(selectors.message_list(scope=request.scope, status=status), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "post_loan/message_list.html", {"page": page, "status": status,
                                                           "statuses": Message.Status.choices})
