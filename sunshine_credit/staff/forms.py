"""The staff pages' forms: types and the choices offered (the head office's branches and villages: a courtesy;
the services check every id again, STYLE §3.4)."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sunshine_credit.models import Role

from .rules import STAFF_ROLES


def _role_choices(blank: str = ""):
    roles = [(value, label) for value, label in Role.choices if value in STAFF_ROLES]
    return [("", blank)] + roles if blank else roles


def _branch_choices(branches, blank):
    return [("", blank)] + [(b.pk, f"{b.code} {b.name}") for b in branches]


def _village_choices(villages):
    return [(v.pk, f"{v.code} {v.name}（{v.branch.name}）") for v in villages]


class StaffSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or user name"), required=False, max_length=50)
    branch = forms.TypedChoiceField(label=_("Branch"), required=False, coerce=int, empty_value=None)
    role = forms.ChoiceField(label=_("Role"), required=False)

    def __init__(self, *args, branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].choices = _branch_choices(branches, _("All branches"))
        self.fields["role"].choices = _role_choices(_("All roles"))


class StaffCreateForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150,
                               help_text=_("What the person types at the login: letters, digits and . @ + - _."))
    name = forms.CharField(label=_("Name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"))
    branch = forms.TypedChoiceField(label=_("Branch"), required=False, coerce=int, empty_value=None,
                                    help_text=_("Loan officers, branch presidents and tellers only."))
    villages = forms.TypedMultipleChoiceField(label=_("Villages (包片)"), required=False, coerce=int,
                                              widget=forms.SelectMultiple(attrs={"size": 8}),
                                              help_text=_("Loan officers only: villages of their branch. To choose several, hold Ctrl (⌘ on a "
                                                          "Mac) while clicking."))
    phone = forms.CharField(label=_("Phone"), required=False, max_length=32)

    def __init__(self, *args, branches=(), villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices()
        self.fields["branch"].choices = _branch_choices(branches, _("— none (head office) —"))
        self.fields["villages"].choices = _village_choices(villages)


class StaffVillagesForm(forms.Form):
    villages = forms.TypedMultipleChoiceField(label=_("Villages (包片)"), required=False, coerce=int,
                                              widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["villages"].choices = _village_choices(villages)


class RoleChangeForm(forms.Form):
    role = forms.ChoiceField(label=_("New role"))
    branch = forms.TypedChoiceField(label=_("Branch"), required=False, coerce=int, empty_value=None)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices()
        self.fields["branch"].choices = _branch_choices(branches, _("— none (head office) —"))


class StaffImportForm(forms.Form):
    file = forms.FileField(label=_("Workbook (.xlsx)"))
    dry_run = forms.BooleanField(label=_("Check only, import nothing"), required=False)


class SecondFactorForm(forms.Form):
    token = forms.CharField(label=_("Code from the authenticator app"), max_length=10,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                          "autofocus": True}))


class AuditSearchForm(forms.Form):
    person = forms.CharField(label=_("Person (name or user name)"), required=False, max_length=50)
    household = forms.CharField(label=_("Household code"), required=False, max_length=50)
    date_from = forms.DateField(label=_("From the day"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To the day"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class LoginForm(AuthenticationForm):
    """Django's login form, which says "wrong user name or password" for a deactivated login too: a person whose
    login was deactivated and who types their right password is told so instead (and whom to ask), rather than
    trying again until the lockout (R9). A wrong password says nothing more than before."""

    error_messages = {**AuthenticationForm.error_messages,
                      "inactive": _("This login was deactivated. Ask your head office's administrator.")}

    def clean(self):
        try:
            return super().clean()
        except ValidationError as exc:
            if exc.code == "invalid_login" and self._deactivated_with_right_password():
                raise ValidationError(self.error_messages["inactive"], code="inactive") from None
            raise

    def _deactivated_with_right_password(self) -> bool:
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not username or not password:
            return False
        user = get_user_model()._default_manager.filter(**{get_user_model().USERNAME_FIELD: username}).first()
        return user is not None and not user.is_active and user.check_password(password)
