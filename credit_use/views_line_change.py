"""Changing a credit line's amount (调整授信额度): the officer of the village proposes the new amount with the reason
and the investigation; head office decides it in the approvals inbox (seed 000 第一篇, R2), and only then does the
line change and are the household's joint-guarantee groups checked again (G7). Thin view: a form, one service, a
template; the line comes through the scope (R1, 404 outside)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.services import MAKER_ROLES
from sunshine_credit.approvals import ApprovalRefused
from sunshine_credit.lib.money import AmountField

from . import selectors
from .services_line_change import LineChangeRefused, line_change_request


class LineChangeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    amount = AmountField(label=gettext_lazy("New line (yuan)"))  # more than 0: the service's rule
    reason = forms.CharField(label=gettext_lazy("Reason for the change"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}))
    investigation = forms.CharField(label=gettext_lazy("Investigation"), max_length=5000,
                                    help_text=gettext_lazy("What you found, for head office to verify."),
                                    widget=forms.Textarea(attrs={"rows": 5}))


@login_required
def line_change_view(request, pk: int):
    line = selectors.credit_line_get(scope=request.scope, pk=pk)
    if request.scope.role not in MAKER_ROLES or not request.scope.can_edit_village(line.village_id):
        raise PermissionDenied(_("Only loan officers and administrators change credit lines."))
    form = LineChangeForm(request.POST or None, initial={"version": line.version, "amount": line.amount})
    if request.method == "POST" and form.is_valid():
        try:
            line_change_request(scope=request.scope, actor=request.user, line_id=line.pk, **form.cleaned_data)
        except (LineChangeRefused, ApprovalRefused) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The change was submitted for head-office approval; the line changes once "
                                        "it is approved."))
            return redirect("credit_use:line_detail", pk=line.pk)
    return render(request, "credit_use/line_change.html", {"line": line, "form": form,
                                                            "pending": selectors.line_change_pending(line=line)})
