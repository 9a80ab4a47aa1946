"""The ground floor's forms: the administrator's new password for a staff user."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


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
