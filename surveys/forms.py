"""Forms of the surveys app: they validate and convert types (campaigns, respondents, draws, printouts, the upload
of a survey workbook), and the entry grid's row grammar.

The grid (S2): officers type thousands of rows, so the grammar is forgiving where it costs nothing and strict
where a mistake would change a number:
- codes: numbers separated by space, comma (also the full-width ，), period or 、: "1 7", "1,7", "1.7";
- amounts: the one parser of every door (sunshine_credit.lib.money): a plain number is 元 ("83000",
  "83,000"); a number followed by 万, w or W is ×10,000 ("8.3w", "8.3万"); blank means not given;
- yes/no: 1/0, y/n, 是/否 (blank means 否).
"""

import re

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MinValueValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sunshine_credit.errors import Refusal
from sunshine_credit.lib.money import AmountError, parse_amount
from sunshine_credit.models import Role
from sunshine_credit.scoping import Scope

from .models import Campaign, Respondent
from .rules import BUSINESS_CODES, WITHHOLD_REASONS, RowInput, RowInvalid
from .services.campaigns import CAMPAIGN_FIELDS, campaign_settings_errors, default_draw_size

# --- The entry grid's row grammar (S2) ------------------------------------------------------------------

AMOUNT_FIELDS = ("total_assets", "total_liabilities", "net_income", "amount")

_CODE_SPLIT = re.compile(r"[\s,，.。、;；/]+")
YES = {"1", "y", "yes", "是", "有", "t", "true"}
NO = {"", "0", "n", "no", "否", "无", "f", "false"}


class EntryError(Refusal, ValueError):
    """One cell could not be read; str() is the Chinese (translated) message shown on the row."""


def parse_codes(text, *, maximum: int) -> list[int]:
    """ "1 7" / "1,7" / "1.7" → [1, 7] (sorted, without repeats). Raises EntryError."""
    if isinstance(text, (list, tuple)):
        parts = [str(part) for part in text]
    else:
        parts = [part for part in _CODE_SPLIT.split(str(text or "").strip()) if part]
    codes = set()
    for part in parts:
        if not part.isdigit():
            raise EntryError(gettext("“%(value)s” is not a code: type numbers separated by spaces, e.g. 1 7.")
                             % {"value": part})
        code = int(part)
        if not 1 <= code <= maximum:
            raise EntryError(gettext("Code %(code)d is not between 1 and %(maximum)d.")
                             % {"code": code, "maximum": maximum})
        codes.add(code)
    return sorted(codes)


def parse_yes_no(text) -> bool:
    """1/0, y/n, 是/否; blank is 否. Raises EntryError."""
    if isinstance(text, bool):
        return text
    value = str(text if text is not None else "").strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise EntryError(gettext("Type 1 or 0 (y or n, 是 or 否)."))


def parse_row(data: dict) -> RowInput:
    """Read one grid row (a dict of the typed texts) and check S2. Raises RowInvalid with every error."""
    errors: dict[str, str] = {}
    values: dict = {}
    readers = {"business_codes": lambda v: parse_codes(v, maximum=max(BUSINESS_CODES)),
               "withhold_reasons": lambda v: parse_codes(v, maximum=max(WITHHOLD_REASONS)),
               "members_away": parse_yes_no,
               **{name: parse_amount for name in AMOUNT_FIELDS}}
    for name, reader in readers.items():
        try:
            values[name] = reader(data.get(name))
        except (EntryError, AmountError) as exc:
            errors[name] = str(exc)
    if ("amount" not in errors and "withhold_reasons" not in errors
            and values["amount"] is None and not values["withhold_reasons"]):
        errors["amount"] = gettext("Type the proposed amount or at least one withhold reason.")
    if errors:
        raise RowInvalid(errors)
    return RowInput(**values)


# --- Campaigns, respondents, draws and printouts -----------------------------------------------------

class TeamChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        profile = getattr(obj, "staff_profile", None)
        role = f" · {profile.get_role_display()}" if profile else ""
        return f"{obj.get_full_name() or obj.get_username()} ({obj.get_username()}){role}"


class CampaignForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    survey_team = TeamChoiceField(label=_("Survey team"), queryset=get_user_model().objects.none(), required=False,
                                  widget=forms.CheckboxSelectMultiple,
                                  help_text=_("Only the survey team and supervisors see respondents' names."))

    class Meta:
        model = Campaign
        fields = list(CAMPAIGN_FIELDS) + ["survey_team"]
        labels = {"code": _("Campaign code"), "name": _("Campaign name")}
        widgets = {"reference_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "ordinal": forms.NumberInput(attrs={"min": 1}),
                   "min_respondents": forms.NumberInput(attrs={"min": 1})}

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survey_team"].queryset = (get_user_model().objects
                                               .filter(staff_profile__head_office_id=scope.head_office_id,
                                                       is_active=True)
                                               .exclude(staff_profile__role=Role.REVIEWER)
                                               .select_related("staff_profile").order_by("username"))
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def validate_unique(self):
        """The code's uniqueness is the service's check (per head office, which the form does not carry)."""

    def clean(self):
        data = super().clean()
        for field, message in campaign_settings_errors({f: data.get(f) for f in CAMPAIGN_FIELDS}):
            self.add_error(field, message)
        return data

    def campaign_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in CAMPAIGN_FIELDS}

    def team_ids(self) -> list[int]:
        return [user.pk for user in self.cleaned_data["survey_team"]]

    def set_version(self, version: int) -> None:
        """R3: after a stale submit the form carries the new version, so a deliberate resubmit saves."""
        self.data = self.data.copy()
        self.data["version"] = str(version)


class RespondentForm(forms.ModelForm):
    """Name and phone only for the survey team (S1); everyone else edits code, kind and pool status."""

    class Meta:
        model = Respondent
        fields = ["code", "name", "kind", "phone", "active"]

    def __init__(self, *args, names_editable: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not names_editable:
            del self.fields["name"], self.fields["phone"]

    def validate_unique(self):
        """The code's uniqueness in the village is the service's check."""


class DrawForm(forms.Form):
    size = forms.IntegerField(label=_("Number to draw"), max_value=99)

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["size"]
        field.initial = default_draw_size(campaign)
        field.validators.append(MinValueValidator(
            campaign.min_respondents, message=_("Draw at least %(limit_value)s respondents, the campaign's minimum.")))
        field.widget.attrs["min"] = campaign.min_respondents


class BlankQuestionnaireForm(forms.Form):
    """Which blank questionnaires to print: a village's group (optional) and a respondent's code."""

    group = forms.TypedChoiceField(label=_("Villagers' group"), coerce=int, empty_value=None, required=False)
    respondent = forms.ChoiceField(label=_("Respondent code"), required=False)

    def __init__(self, *args, groups=(), codes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", _("All groups"))] + [(g.pk, g.name) for g in groups]
        self.fields["respondent"].choices = [("", _("Leave blank"))] + [(c, c) for c in codes]


class SurveyUploadForm(forms.Form):
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.none(), label=_("Campaign"))
    file = forms.FileField(label=_("Survey workbook (.xlsx)"))

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.filter(head_office_id=scope.head_office_id)
