"""C5: the period of the repayment rate (loans falling due from … to …); default this year to date."""

import datetime

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_DAYS = 3 * 366  # a period of at most three years


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("Falling due from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label=gettext_lazy("to"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, data=None, *, today: datetime.date, **kwargs):
        self.default = {"date_from": today.replace(month=1, day=1), "date_to": today}
        if data is not None and not (data.get("date_from") or data.get("date_to")):
            data = None
        super().__init__(data if data is not None else self.default, **kwargs)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if start > end:
                raise forms.ValidationError(_("The period ends before it starts."))
            if (end - start).days > MAX_DAYS:
                raise forms.ValidationError(_("Choose a period of at most three years."))
        return data

    def period(self) -> tuple[datetime.date, datetime.date]:
        """The chosen period, or the default when the input was invalid."""
        if self.is_valid():
            return self.cleaned_data["date_from"], self.cleaned_data["date_to"]
        return self.default["date_from"], self.default["date_to"]
