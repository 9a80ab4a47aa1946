"""C2 forms: a reminder call's outcome (one tap on the phone list, a note if any)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import ReminderCall


class CallForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ReminderCall.Outcome.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
