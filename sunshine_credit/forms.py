"""The ground floor's forms: the administrator's new password for a staff user, the holiday calendar (U7)."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import CalendarDay


class StaffPasswordForm(forms.Form):
    password1 = forms.CharField(label=gettext_lazy("New password"), required=False, strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=gettext_lazy("Leave both empty to give a one-time password, shown once."))
    password2 = forms.CharField(label=gettext_lazy("New password again"), required=False, strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password1", "") != data.get("password2", ""):
            self.add_error("password2", _("The two passwords differ."))
        return data


class CalendarDayForm(forms.Form):
    """U7: one day of the State Council's holiday notice."""

    date = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=CalendarDay.Kind.choices)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=50, required=False,
                           help_text=gettext_lazy("The holiday, as the notice names it (春节, 国庆节 …)."))


class CalendarImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Workbook (.xlsx)"),
                           help_text=gettext_lazy("Columns 日期, 类型 (节假日 or 调休上班) and 名称, header in row 1."))
