"""V2: the forms of the democratic review — the draw (a branch of the actor's scope and a half-year), a finding
(about a member of the branch's staff and/or a household of the branch, by its code), a finding's closure."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Finding
from ..models.reviews import PERIOD_VALIDATOR

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def current_period(today: datetime.date | None = None) -> str:
    today = today or timezone.localdate()
    return f"{today.year}H{1 if today.month <= 6 else 2}"


class DrawForm(forms.Form):
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=None)
    period = forms.CharField(label=_("Half-year"), max_length=6, validators=[PERIOD_VALIDATOR],
                             help_text=_("Written like 2026H2."))

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches
        self.fields["period"].initial = current_period()


class FindingForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("Member of staff"), queryset=None, required=False)
    household_code = forms.CharField(label=_("Household code"), max_length=40, required=False)
    text = forms.CharField(label=_("Finding"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    severity = forms.ChoiceField(label=_("Severity"), choices=Finding.Severity.choices)
    action = forms.CharField(label=_("Follow-up action"), max_length=500)
    due_on = forms.DateField(label=_("Follow-up due on"), widget=DATE)

    def __init__(self, *args, review, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = (
            get_user_model().objects.filter(staff_profile__head_office_id=review.head_office_id,
                                            staff_profile__branch_id=review.branch_id).order_by("username"))


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Closing note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
