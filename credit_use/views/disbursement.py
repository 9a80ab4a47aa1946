"""The disbursement (P6, U1 again) and its slip (出账单): a teller of the branch disburses an approved drawdown once
its pre-disbursement notice has ended; the slip is printed for approved, disbursed and repaid drawdowns. Thin
views: the drawdown comes through the scope (404 outside, R1); the pages are never cached (R5).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from sunshine_credit.confirm import confirm_page, is_confirmed
from sunshine_credit.errors import RuleViolation, show_on_form
from sunshine_credit.lib.masking import mask_id
from sunshine_credit.lib.money import yuan
from sunshine_credit.lib.pdf import render_pdf
from sunshine_credit.models import Role

from ..forms import DisburseForm
from ..rules import drawdowns as rules
from ..selectors import disbursement as selectors
from ..selectors.drawdowns import drawdown_get
from ..services import disbursement as services
from ..services.drawdowns import DrawdownRefused

get_or_post = require_http_methods(["GET", "POST"])


@never_cache
@login_required
@get_or_post
def drawdown_disburse(request, pk: int):
    drawdown = drawdown_get(scope=request.scope, pk=pk)
    form = DisburseForm(request.POST or None)
    if (request.method == "POST" and form.is_valid() and not is_confirmed(request)
            and request.scope.role == Role.TELLER and drawdown.status == drawdown.Status.APPROVED):
        # Issue 15 item 5: the form's values are checked, then shown once more with the amount and the borrower
        # before the money leaves; only the confirmation page's button (confirmed=1) disburses.
        try:
            account, number = rules.disbursement_references(**form.cleaned_data)
        except RuleViolation as exc:
            for field, text in exc.errors:
                form.add_error(field, text)
        else:
            return confirm_page(
                request, title=_("Disburse %(number)s") % {"number": drawdown.number},
                lines=[_("Amount: %(amount)s yuan, due on %(due)s.")
                       % {"amount": yuan(drawdown.amount, fen=True), "due": drawdown.due_on.isoformat()},
                       _("Borrower: %(name)s, ID %(id)s, household %(code)s.")
                       % {"name": drawdown.holder_name or "—", "id": mask_id(drawdown.holder_id_number) or "—",
                          "code": drawdown.household.code},
                       _("Paid into settlement account %(account)s; core banking loan no. %(number)s.")
                       % {"account": account, "number": number},
                       _("Disbursing gives the loan number and records the principal as outstanding.")],
                action=request.path, cancel=reverse("credit_use:drawdown_disburse", args=[pk]),
                label=_("Disburse"), fields={"settlement_account": account, "core_loan_number": number})
    if request.method == "POST" and form.is_valid() and not form.errors:
        try:
            done = services.drawdown_disburse(scope=request.scope, actor=request.user, drawdown_id=pk,
                                              **form.cleaned_data)
        except DrawdownRefused as exc:
            show_on_form(form, exc)  # each message beside its field; the rest above the form
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("You may not do this."))
        else:
            messages.success(request, _("Disbursed: loan no. %(number)s.") % {"number": done.loan_number})
            return redirect("credit_use:drawdown_detail", pk=pk)
    return render(request, "credit_use/drawdown_disburse.html", {
        "d": drawdown, "may_disburse": request.scope.role == Role.TELLER, "form": form,
        "notice": selectors.predisbursement_notice(drawdown=drawdown)})


@never_cache
@login_required
@require_safe
def drawdown_slip(request, pk: int):
    """The disbursement slip (出账单), rendered on the spot: one page, no job needed."""
    drawdown = drawdown_get(scope=request.scope, pk=pk)
    if drawdown.status not in selectors.SLIP_STATUSES:
        raise Http404
    pdf = render_pdf("credit_use/pdf/slip.html", selectors.slip_context(scope=request.scope, drawdown=drawdown))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="slip-{drawdown.loan_number or drawdown.number}.pdf"'
    return response
