"""U9 for supervisors, presidents and officers: the revocation cases of the scope (the overdue sweep's record),
and the officer's request to reverse one (R2). Thin views: the role check, one selector or service, a template;
everything comes through the scope (404 outside, R1), and the pages are never cached (names of borrowers, R5)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from sunshine_credit.approvals import ApprovalRefused, pending_for

from ..forms import ReversalRequestForm
from ..selectors import overdue as selectors
from ..services import overdue as services
from .time_limits import require_reader


@never_cache
@login_required
def revocation_list(request):
    require_reader(request)
    return render(request, "credit_use/revocation_list.html", {
        "cases": selectors.revocation_list(scope=request.scope)})


@never_cache
@login_required
def revocation_detail(request, pk: int):
    require_reader(request)
    case = selectors.revocation_get(scope=request.scope, pk=pk)
    form = ReversalRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.revocation_reversal_request(scope=request.scope, actor=request.user, case_id=case.pk,
                                                 reason=form.cleaned_data["reason"])
        except (ApprovalRefused, PermissionDenied) as exc:
            messages.error(request, str(exc) or _("You may not do this."))
        else:
            messages.success(request, _("The reversal was requested; it waits for the president's approval."))
            return redirect("credit_use:revocation_detail", pk=case.pk)
    return render(request, "credit_use/revocation_detail.html", {
        "case": case, "lines": selectors.revocation_lines(case), "form": form,
        "pending": pending_for(services.REVERSAL_KIND, [case.pk]).get(case.pk),
        "may_request": services.may_request(request.scope, case)})
