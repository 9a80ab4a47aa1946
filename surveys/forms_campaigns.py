"""Forms for campaigns, respondents, draws and blank questionnaires: they validate and convert types."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from sunshine_credit.models import Role
from sunshine_credit.scoping import Scope

from .models import Campaign, Respondent
from .services_campaigns import CAMPAIGN_FIELDS, campaign_settings_errors, default_draw_size


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
