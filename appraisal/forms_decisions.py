"""A7: the per-household decision form and the paper sign-off form. Types only; the rules are in
services_decisions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sunshine_credit.lib.money import AmountField

from .models import DecisionStatus


class DecisionForm(forms.Form):
    status = forms.ChoiceField(label=_("Decision"), choices=DecisionStatus.choices)
    # 元 or 万元 as the seeds speak: "30000", "30,000", "3万", "3w".
    amount = AmountField(label=_("Amount (yuan or 万)"), required=False)
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class PaperSignOffForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def form_errors(form: forms.Form) -> str:
    """The form's errors as one line for a message, each after its field's label."""
    return " ".join(f"{form.fields[name].label}：{error}" if name in form.fields and form.fields[name].label
                    else str(error) for name, errors in form.errors.items() for error in errors)
