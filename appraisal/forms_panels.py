"""Forms of the reviewer registry and of forming a panel: they validate and convert types only."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from sunshine_credit.models import Branch, Village
from surveys.models import Campaign

from .models import Panel, Position, Reviewer, ReviewerKind
from .services_panels import BRANCH_STAFF_ROLES

REVIEWER_FIELDS = ("name", "kind", "title", "phone", "active")
PANEL_FIELDS = ("unit_kind", "unit_name", "preset")
MEMBER_ROWS = 12  # the large panel: leader, two deputies, the village committee and the survey team


class ReviewerForm(forms.ModelForm):
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=Branch.objects.none())
    household_code = forms.CharField(label=_("Own household (household code)"), required=False, max_length=40,
                                     help_text=_("A reviewer never appraises their own household."))
    staff_user = forms.ModelChoiceField(label=_("Bank staff login"), queryset=get_user_model().objects.none(),
                                        required=False, help_text=_("Only for bank staff: their own login."))

    class Meta:
        model = Reviewer
        fields = list(REVIEWER_FIELDS)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.filter(pk__in=scope.branch_ids)
        # A courtesy: the service checks the choice against the reviewer's branch again (R1).
        self.fields["staff_user"].queryset = (
            get_user_model().objects.filter(staff_profile__branch_id__in=scope.branch_ids, is_active=True,
                                            staff_profile__role__in=BRANCH_STAFF_ROLES).order_by("username"))
        if self.instance.pk:
            del self.fields["branch"], self.fields["staff_user"]
            self.fields["household_code"].initial = self.instance.household.code if self.instance.household else ""
        elif len(scope.branch_ids) == 1:
            self.fields["branch"].initial = scope.branch_ids[0]

    def clean(self):
        data = super().clean()
        if "staff_user" in self.fields and (data.get("kind") == ReviewerKind.BANK_STAFF) != bool(
                data.get("staff_user")):
            self.add_error("staff_user", _("Bank staff reviewers sit with their own login; others get a new one."))
        return data

    def reviewer_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in REVIEWER_FIELDS}


class ReviewerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.get_kind_display()}{' · ' + obj.title if obj.title else ''}"


class PanelForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.none())
    village = forms.ModelChoiceField(label=_("Village or unit"), queryset=Village.objects.none())

    class Meta:
        model = Panel
        fields = list(PANEL_FIELDS)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.filter(head_office_id=scope.head_office_id)
        self.fields["village"].queryset = Village.objects.filter(pk__in=scope.editable_village_ids)
        if self.instance.pk:
            del self.fields["campaign"], self.fields["village"]
            self.fields["version"].initial = self.instance.version

    def validate_unique(self):
        """One panel per campaign and unit is the service's check."""

    def panel_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in PANEL_FIELDS}


class MemberForm(forms.Form):
    reviewer = ReviewerChoice(label=_("Reviewer"), queryset=Reviewer.objects.none(), required=False)
    position = forms.ChoiceField(label=_("Position"), choices=Position.choices, initial=Position.MEMBER)


class BaseMemberFormSet(forms.BaseFormSet):
    def __init__(self, *args, reviewers, **kwargs):
        self.reviewers = reviewers
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {}

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.fields["reviewer"].queryset = self.reviewers
        return form

    def members(self) -> list[tuple[int, str]]:
        """[(reviewer id, position)] in seat order, blank rows left out."""
        return [(form.cleaned_data["reviewer"].pk, form.cleaned_data["position"]) for form in self.forms
                if form.cleaned_data.get("reviewer")]


MemberFormSet = forms.formset_factory(MemberForm, formset=BaseMemberFormSet, extra=0, min_num=MEMBER_ROWS,
                                      max_num=MEMBER_ROWS)


def member_formset(*, scope, panel: Panel | None, data=None):
    reviewers = Reviewer.objects.filter(branch_id__in=scope.branch_ids, active=True).order_by("name")
    initial = ([{"reviewer": m.reviewer_id, "position": m.position} for m in panel.members.all()] if panel else None)
    return MemberFormSet(data, reviewers=reviewers, initial=initial, prefix="members")
