"""Changing a credit line's amount (调整授信额度): the officer of the village gives the new amount and the reason;
the service records the change in the line's history and checks the household's joint-guarantee groups again
(G7). Thin view: a form, one service, a template; the line comes through the scope (R1, 404 outside)."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.services import MAKER_ROLES

from . import selectors
from .services_line_change import LineChangeRefused, line_change


class LineChangeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    amount = forms.DecimalField(label=gettext_lazy("New line (yuan)"), max_digits=14, decimal_places=2,
                                min_value=Decimal("0.01"))
    reason = forms.CharField(label=gettext_lazy("Reason for the change"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}))


@login_required
def line_change_view(request, pk: int):
    line = selectors.credit_line_get(scope=request.scope, pk=pk)
    if request.scope.role not in MAKER_ROLES or not request.scope.can_edit_village(line.village_id):
        raise PermissionDenied(_("Only loan officers and administrators change credit lines."))
    form = LineChangeForm(request.POST or None, initial={"version": line.version, "amount": line.amount})
    if request.method == "POST" and form.is_valid():
        try:
            line_change(scope=request.scope, actor=request.user, line_id=line.pk, amount=form.cleaned_data["amount"],
                        reason=form.cleaned_data["reason"], version=form.cleaned_data["version"])
        except LineChangeRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The line was changed; the household's joint-guarantee groups were checked "
                                        "again."))
            return redirect("credit_use:line_detail", pk=line.pk)
    return render(request, "credit_use/line_change.html", {"line": line, "form": form})
