"""Forms of the household archive: they validate and convert types; the rules live in services (H1–H5)."""

from html import escape

from django import forms
from django.forms import inlineformset_factory
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from sunshine_credit.lib.money import AmountField
from sunshine_credit.models import Village, VillageGroup
from sunshine_credit.scoping import Scope

from .models import ArchiveStatus, ExistingLoan, Household, Member
from .rules import RuleViolation, normalise_phone, parse_resident_id
from .services.archive import ArchiveInvalid, MemberInput

HOUSEHOLD_FORM_FIELDS = ["village", "group", "code", "address", "category", "land_area", "phone",
                         "publicity_consent", "archive_status", "exclusion", "exclusion_note"]
MEMBER_FORM_FIELDS = ["name", "id_number", "relation", "works_away", "phone"]


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=_("Roster workbook (.xlsx)"))


class GroupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.village.name} · {obj.name}"


class HouseholdSearchForm(forms.Form):
    """The list's search box and filters. The search term travels by POST only (R5: no ID in a URL)."""

    q = forms.CharField(label=_("Name, household code or ID number"), max_length=50, required=False)
    village = forms.TypedChoiceField(label=_("Village"), coerce=int, empty_value=None, required=False)
    group = forms.TypedChoiceField(label=_("Villagers' group"), coerce=int, empty_value=None, required=False)
    # V1: the dashboards' archive coverage. Free text so that a bad value leaves the other filters standing.
    archive = forms.CharField(label=_("Archive status"), max_length=10, required=False)

    def __init__(self, *args, villages=(), groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.village_objects = list(villages)
        self.fields["village"].choices = [("", _("All villages"))] + [(v.pk, v.name) for v in villages]
        self.fields["group"].choices = [("", _("All groups"))] + [(g.pk, f"{g.village.name} · {g.name}")
                                                                  for g in groups]
        self.archive_choices = [("", _("All statuses")), *ArchiveStatus.choices]

    def filters(self) -> dict:
        """The village and group chosen, or None; invalid values are ignored."""
        if not self.is_valid():
            return {"village_id": None, "group_id": None}
        return {"village_id": self.cleaned_data["village"], "group_id": self.cleaned_data["group"]}

    def archive_status(self) -> str:
        """The archive status chosen ("" for all; an invalid value is ignored on its own)."""
        value = self.data.get("archive", "")
        return value if value in ArchiveStatus.values else ""

    def options(self, name: str) -> SafeString:
        """The <option>s of the village or group box, the one the request names selected: built here at once
        (issue 18: a county's list offers hundreds; the template compared each with the request's value)."""
        chosen = str(self[name].value())
        return mark_safe("".join(  # every value and label escaped
            f'<option value="{escape(str(value))}"{" selected" if str(value) == chosen else ""}>{escape(str(label))}'
            "</option>" for value, label in self.fields[name].choices))

    @property
    def village_options(self) -> SafeString:
        return self.options("village")

    @property
    def group_options(self) -> SafeString:
        return self.options("group")


class ArchiveExportForm(HouseholdSearchForm):
    """R5/PIPL: the archive export. Whole ID and phone numbers (makers only) need a purpose; it is recorded."""

    full_numbers = forms.BooleanField(label=_("Whole ID and phone numbers"), required=False)
    purpose = forms.CharField(label=_("Purpose of the export"), max_length=200, required=False,
                              help_text=_("Required for whole numbers, e.g. “core banking batch entry”."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["q"]
        del self.fields["archive"]


class HouseholdForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    group = GroupChoiceField(label=_("Villagers' group"), queryset=VillageGroup.objects.none(), required=False)

    class Meta:
        model = Household
        fields = HOUSEHOLD_FORM_FIELDS

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        editable = scope.editable_village_ids
        self.fields["village"].queryset = Village.objects.filter(id__in=editable).order_by("code")
        self.fields["group"].queryset = (VillageGroup.objects.filter(village_id__in=editable)
                                         .select_related("village").order_by("village__code", "name"))
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean_phone(self):
        try:
            return normalise_phone(self.cleaned_data["phone"])
        except RuleViolation as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        data = super().clean()
        village, group = data.get("village"), data.get("group")
        if village and group and group.village_id != village.pk:
            self.add_error("group", _("This group does not belong to the chosen village."))
        if data.get("archive_status") == "excluded" and not data.get("exclusion"):
            self.add_error("exclusion", _("Give the reason why the household is not archived."))
        return data

    def household_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data[name] for name in HOUSEHOLD_FORM_FIELDS if name not in ("village", "group")}
        fields["village_id"] = data["village"].pk
        fields["group_id"] = data["group"].pk if data.get("group") else None
        return fields

    def set_version(self, version: int) -> None:
        """R3: after a stale submit the form carries the new version, so a deliberate resubmit saves."""
        self.data = self.data.copy()
        self.data[self.add_prefix("version")] = str(version)


class MemberForm(forms.ModelForm):
    id_number = forms.CharField(label=_("ID number"), max_length=24)
    representative = forms.BooleanField(label=_("Credit representative"), required=False)

    class Meta:
        model = Member
        fields = MEMBER_FORM_FIELDS

    def __init__(self, *args, representative_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.pk == representative_id:
            self.fields["representative"].initial = True

    def clean_id_number(self):
        try:
            return parse_resident_id(self.cleaned_data["id_number"]).number
        except RuleViolation as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_phone(self):
        try:
            return normalise_phone(self.cleaned_data["phone"])
        except RuleViolation as exc:
            raise forms.ValidationError(str(exc)) from None

    def validate_unique(self):
        # H3 holds across the head office and across the rows of the formset: the service checks it
        # without the user's scope, which the model's own checks would apply.
        pass


class BaseMemberFormSet(forms.BaseInlineFormSet):
    """Member rows sit in a table, one cell per field, so the widgets carry Bootstrap's small classes."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for field in form.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select form-select-sm"
            elif not widget.is_hidden:
                widget.attrs["class"] = "form-control form-control-sm"


def member_formset(*, household: Household, data=None, extra: int = 2):
    factory = inlineformset_factory(Household, Member, form=MemberForm, formset=BaseMemberFormSet,
                                    fields=MEMBER_FORM_FIELDS, extra=extra, can_delete=True)
    return factory(data, instance=household, prefix="members",
                   form_kwargs={"representative_id": household.representative_id})


def household_forms(*, scope: Scope, household: Household | None, data=None):
    """The household form and its member formset, for the create (household=None) and edit pages."""
    if household is None:
        return (HouseholdForm(data, scope=scope),
                member_formset(household=Household(head_office_id=scope.head_office_id), data=data, extra=4))
    return HouseholdForm(data, scope=scope, instance=household), member_formset(household=household, data=data)


def member_inputs(formset) -> list[MemberInput]:
    """The submitted member rows, numbered as on the page; untouched blank rows are skipped."""
    rows = []
    for row, form in enumerate(formset.forms, start=1):
        data = getattr(form, "cleaned_data", None) or {}
        pk = form.instance.pk
        delete = formset.can_delete and formset._should_delete_form(form)
        if pk is None and (delete or not form.has_changed() or not data):
            continue
        rows.append(MemberInput(row=row, pk=pk, name=data.get("name", ""), id_number=data.get("id_number", ""),
                                relation=data.get("relation", ""), works_away=bool(data.get("works_away")),
                                phone=data.get("phone", ""), representative=bool(data.get("representative")),
                                delete=delete))
    return rows


def apply_errors(form, formset, exc: ArchiveInvalid) -> None:
    """Show a service's rule errors next to the field (and member row) they concern."""
    for row, field, message in exc.errors:
        target = form if row is None else formset.forms[row - 1]
        target.add_error(field if field in target.fields else None, message)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):  # the browser's date picker wants ISO dates
        super().__init__(attrs, format=format)


class ExistingLoanForm(forms.ModelForm):
    # Declared here so that no member query runs at import time (Member is scoped, R1).
    member = forms.ModelChoiceField(label=_("Member"), queryset=None)

    class Meta:
        model = ExistingLoan
        fields = ["member", "loan_number", "amount", "balance", "classification", "start_date", "due_date",
                  "written_off", "replaced", "repaid_by_guarantor", "recovered_by_lawsuit", "as_guarantor",
                  "guarantee_defaulted"]
        widgets = {"start_date": DateInput, "due_date": DateInput}
        field_classes = {"amount": AmountField, "balance": AmountField}  # 元 or 万元, the one parser

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = Member.objects.filter(household=household).order_by("id")

    def loan_fields(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "member"}


class HouseholdIdsField(forms.Field):
    """The ids of the households checked on the list (one value per checkbox)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        try:
            return sorted({int(v) for v in value or []})
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Choose households from the list.")) from None


class BulkArchiveForm(forms.Form):
    """Bulk archiving (建档) of the households checked on the list of one village; the service checks the ids."""

    village = forms.IntegerField()
    households = HouseholdIdsField(label=_("Households"))
