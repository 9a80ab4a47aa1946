"""U7/U9 for supervisors, presidents and officers: time-limit breaches and revocation cases of the scope.
Thin views: the role check, one selector or service, a template; everything comes through the scope (404
outside, R1), and the pages are never cached (names of borrowers, R5)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from sunshine_credit.approvals import ApprovalRefused, pending_for
from sunshine_credit.models import Role
from sunshine_credit.scoping import HEAD_OFFICE_READERS

from . import approvals_revocation, selectors_time, services_overdue
from .forms_repayments import ReversalRequestForm

READERS = frozenset({*HEAD_OFFICE_READERS, Role.PRESIDENT, Role.OFFICER})


def _require_reader(request) -> None:
    if request.scope.role not in READERS:
        raise Http404


@never_cache
@login_required
def time_limit_breaches(request):
    _require_reader(request)
    return render(request, "credit_use/time_limit_breaches.html", {
        "breaches": selectors_time.time_limit_breaches(scope=request.scope), "today": timezone.localdate()})


@never_cache
@login_required
def revocation_list(request):
    _require_reader(request)
    return render(request, "credit_use/revocation_list.html", {
        "cases": services_overdue.revocation_list(scope=request.scope)})


@never_cache
@login_required
def revocation_detail(request, pk: int):
    _require_reader(request)
    case = services_overdue.revocation_get(scope=request.scope, pk=pk)
    form = ReversalRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            approvals_revocation.revocation_reversal_request(scope=request.scope, actor=request.user, case_id=case.pk,
                                                             reason=form.cleaned_data["reason"])
        except (ApprovalRefused, PermissionDenied) as exc:
            messages.error(request, str(exc) or _("You may not do this."))
        else:
            messages.success(request, _("The reversal was requested; it waits for the president's approval."))
            return redirect("credit_use:revocation_detail", pk=case.pk)
    return render(request, "credit_use/revocation_detail.html", {
        "case": case, "lines": services_overdue.revocation_lines(case), "form": form,
        "pending": pending_for(approvals_revocation.REVERSAL_KIND, [case.pk]).get(case.pk),
        "may_request": approvals_revocation.may_request(request.scope, case)})
