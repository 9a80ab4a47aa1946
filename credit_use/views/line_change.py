"""Changing a credit line's amount (调整授信额度): the officer of the village proposes the new amount with the reason
and the investigation; head office decides it in the approvals inbox (seed 000 第一篇, R2), and only then does the
line change and are the household's joint-guarantee groups checked again (G7). Thin view: a form, one service, a
template; the line comes through the scope (R1, 404 outside)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from sunshine_credit.approvals import ApprovalRefused
from sunshine_credit.errors import Refusal

from ..forms import LineChangeForm
from ..selectors import lines as selectors
from ..services.line_change import line_change_request


@login_required
def line_change(request, pk: int):
    line = selectors.credit_line_get(scope=request.scope, pk=pk)
    request.scope.require_maker(_("Only loan officers and administrators change credit lines."), village_id=line.village_id)
    form = LineChangeForm(request.POST or None, initial={"version": line.version, "amount": line.amount})
    if request.method == "POST" and form.is_valid():
        try:
            line_change_request(scope=request.scope, actor=request.user, line_id=line.pk, **form.cleaned_data)
        except (Refusal, ApprovalRefused) as exc:  # LineChangeRefused, Stale (R3)
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The change was submitted for head-office approval; the line changes once "
                                        "it is approved."))
            return redirect("credit_use:line_detail", pk=line.pk)
    return render(request, "credit_use/line_change.html", {"line": line, "form": form,
                                                            "pending": selectors.line_change_pending(line=line)})
