"""U8: a drawdown's repayments — the schedule of settlement dates with the interest due and paid, the principal
outstanding, the repayments recorded, and the form a teller or the village's officer records one with.
Thin: the drawdown comes through the scope (404 outside, R1); the page is never cached (personal data, R5)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from sunshine_credit.errors import show_on_form

from ..forms import RepaymentForm
from ..selectors import repayments as selectors
from ..services import repayments as services


@never_cache
@login_required
def drawdown_repayments(request, pk: int):
    drawdown = selectors.drawdown_for_repayments(scope=request.scope, pk=pk)
    may_record = services.may_record(request.scope, drawdown.village_id) and drawdown.status in selectors.LIVE
    page = selectors.repayment_page(drawdown)
    form = RepaymentForm(request.POST or None, open_periods=page["open_periods"])
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.repayment_record(scope=request.scope, actor=request.user, drawdown_id=drawdown.pk,
                                          **form.cleaned_data)
            except services.RepaymentRefused as exc:
                show_on_form(form, exc)  # each message beside its field
            else:
                messages.success(request, _("The repayment was recorded."))
                return redirect("credit_use:drawdown_repayments", pk=drawdown.pk)
    return render(request, "credit_use/repayments.html", {
        "drawdown": drawdown, **page, "form": form, "may_record": may_record,
        "rate_percent": drawdown.annual_rate * 100})
