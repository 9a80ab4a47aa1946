"""Forms of the appraisal app: they validate and convert types only; the rules are in rules.py and the services.

The reviewer's back-to-back entry as typed (online grid or paper booklet) is read here too: pure functions, no
ORM. Its grammar is the questionnaire grid's (surveys.forms): amounts in 元 or 万 ("83000", "8.3w", "8.3万": the
one parser, sunshine_credit.lib.money), codes separated by spaces or commas ("2 8"); a rating is 1–4 or its
letters (1 = AAA, 2 = AA, 3 = A, 4 = B).
"""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sunshine_credit.lib.money import AmountError, AmountField, parse_amount
from sunshine_credit.models import Branch, Village
from surveys.forms import EntryError, parse_codes
from surveys.models import Campaign

from .models import DecisionStatus, Panel, Position, Rating, Reviewer, ReviewerKind
from .services.entry import EntryInput, EntryRefused
from .services.panels import BRANCH_STAFF_ROLES

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
    # Not required by the field: a blank seat needs none, a filled one does (clean, with the field's name).
    position = forms.ChoiceField(label=_("Position"), choices=Position.choices, initial=Position.MEMBER,
                                 required=False)

    def clean(self):
        data = super().clean()
        if data.get("reviewer") and not data.get("position"):
            self.add_error("position", gettext("Choose the position (职务) of this reviewer."))
        return data


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


# --- the decisions (A7) -------------------------------------------------------------------------------------

class DecisionForm(forms.Form):
    status = forms.ChoiceField(label=_("Decision"), choices=DecisionStatus.choices)
    # 元 or 万元 as the seeds speak: "30000", "30,000", "3万", "3w".
    amount = AmountField(label=_("Amount (yuan or 万)"), required=False)
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class PaperSignOffForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def form_errors(form: forms.Form) -> str:
    """The form's errors as one line for a message, each after its field's label."""
    return " ".join(f"{form.fields[name].label}：{error}" if name in form.fields and form.fields[name].label
                    else str(error) for name, errors in form.errors.items() for error in errors)


# --- the precheck override (A6) and the booklet upload (A3) -------------------------------------------------

class OverrideForm(forms.Form):
    reason = forms.CharField(label=_("Written reason for keeping the household"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class BookletUploadForm(forms.Form):
    file = forms.FileField(label=_("Filled booklet (.xlsx, one sheet per reviewer)"))


# --- the back-to-back entry as typed (A3/A5) ----------------------------------------------------------------

RATING_LETTERS = {rating.name: rating.value for rating in Rating}  # {"AAA": 1, "AA": 2, "A": 3, "B": 4}
MAX_REASON = 9


def parse_rating(text) -> int | None:
    """ "1"/"AAA" → 1 … "4"/"B" → 4; blank → None. Raises EntryError."""
    raw = str(text if text is not None else "").strip().upper()
    if raw == "":
        return None
    if raw.endswith(".0"):  # a number cell read from a workbook
        raw = raw[:-2]
    if raw.isdigit() and int(raw) in Rating.values:
        return int(raw)
    if raw in RATING_LETTERS:
        return RATING_LETTERS[raw]
    raise EntryError(gettext("“%(value)s” is not a rating: type 1 (AAA), 2 (AA), 3 (A) or 4 (B).") % {"value": text})


def parse_entry(data: dict) -> EntryInput:
    """{amount, withhold_reasons, rating} as typed → EntryInput. Raises EntryRefused naming each bad field."""
    errors, values = {}, {}
    readers = {"amount": parse_amount, "withhold_reasons": lambda v: parse_codes(v, maximum=MAX_REASON),
               "rating": parse_rating}
    for name, reader in readers.items():
        try:
            values[name] = reader(data.get(name))
        except (EntryError, AmountError) as exc:
            errors[name] = str(exc)
    if errors:
        raise EntryRefused(errors)
    return EntryInput(amount=values["amount"], reasons=values["withhold_reasons"], rating=values["rating"])


def posted_int(text) -> int:
    """A posted id or version; junk reads as 0 (which matches nothing), never a server error."""
    return int(text) if str(text or "").isdigit() else 0
