"""U8/U9 forms: a repayment at the counter, and the request to reverse a revocation. Types only; the rules are
the services'."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from households.forms import DateInput
from sunshine_credit.lib.money import AmountField

from .models import Repayment


class RepaymentForm(forms.Form):
    kind = forms.ChoiceField(label=pgettext_lazy("repayment", "Kind"), choices=Repayment.Kind.choices)
    amount = AmountField(label=_("Amount (yuan)"))  # more than zero: the service's rule
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput(), initial=timezone.localdate)
    period_end = forms.TypedChoiceField(label=_("Interest up to (settlement date)"), required=False,
                                        coerce=datetime.date.fromisoformat, empty_value=None)

    def __init__(self, *args, open_periods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period_end"].choices = [("", "—")] + [(d.isoformat(), d.isoformat()) for d in open_periods]

    def clean(self):
        data = super().clean()
        if data.get("kind") == Repayment.Kind.INTEREST and not data.get("period_end"):
            self.add_error("period_end", _("Choose the settlement date the interest pays up to."))
        return data


class ReversalRequestForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the reversal"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))
