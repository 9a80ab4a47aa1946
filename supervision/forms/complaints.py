"""V4/V5 forms: the public complaint / evaluation form, the counter's, audit's handling, suggestion-box openings."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sunshine_credit.lib.public_input import normalise_reference

from ..models import Complaint
from ..rules import complaints as rules

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ComplaintForm(forms.Form):
    """What the villager fills in on the phone (and staff at the counter, for them)."""

    kind = forms.ChoiceField(label=_("What do you want to do?"), widget=forms.RadioSelect, choices=[
        (Complaint.Kind.EVALUATION, _("Evaluate the officer (evaluation card)")),
        (Complaint.Kind.COMPLAINT, _("Make a complaint")),
    ], initial=Complaint.Kind.EVALUATION, error_messages={"required": _("Choose an evaluation or a complaint.")})
    rating = forms.ChoiceField(label=_("Your evaluation"), widget=forms.RadioSelect, required=False,
                               choices=Complaint.Rating.choices)
    content = forms.CharField(label=_("Comments"), required=False, max_length=rules.CONTENT_MAX,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("For a complaint: what happened, when and who was involved."))
    name = forms.CharField(label=_("Your name"), required=False, max_length=rules.NAME_MAX,
                           help_text=_("Optional: leave blank to remain anonymous."))
    phone = forms.CharField(label=_("Your phone"), required=False, max_length=20,
                            help_text=_("Optional: for audit to call you back about a complaint."))

    def clean_phone(self):
        try:
            return rules.normalise_phone(self.cleaned_data["phone"])
        except rules.ComplaintRefused as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == Complaint.Kind.EVALUATION and not data.get("rating"):
            self.add_error("rating", _("Choose how satisfied you are with the officer."))
        if kind == Complaint.Kind.COMPLAINT and not (data.get("content") or "").strip():
            self.add_error("content", _("Write what the complaint is about."))
        return data


class CounterComplaintForm(ComplaintForm):
    """At the counter (or from a suggestion-box card): staff also say which branch and officer it concerns."""

    branch = forms.TypedChoiceField(label=_("Branch concerned"), coerce=int)
    officer = forms.TypedChoiceField(label=_("Officer concerned"), coerce=int, required=False, empty_value=None,
                                     help_text=_("Leave blank when the card names no officer."))

    field_order = ["branch", "officer", "kind", "rating", "content", "name", "phone"]

    def __init__(self, *args, branches=(), officers=(), with_branch: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].choices = [(b.pk, b.name) for b in branches]
        self.fields["officer"].choices = [("", "---------"), *(
            (u.pk, f"{u.get_full_name() or u.username} ({u.username})") for u in officers)]
        if not with_branch:
            del self.fields["branch"]
        self.fields["name"].label = _("Complainant's name")
        self.fields["phone"].label = _("Complainant's phone")


class HandleForm(forms.Form):
    result = forms.CharField(label=_("Result of the investigation"), max_length=rules.CONTENT_MAX,
                             widget=forms.Textarea(attrs={"rows": 4}), help_text=_("For audit's records only."))
    reply = forms.CharField(label=_("Reply to the complainant"), max_length=rules.CONTENT_MAX,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("The complainant reads this when they look up their reference number."))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class LookupForm(forms.Form):
    reference = forms.CharField(label=_("Reference number"), max_length=40,
                                help_text=_("As shown when you submitted it, e.g. TS7K3M9Q2WXA."))

    def clean_reference(self):
        return normalise_reference(self.cleaned_data["reference"])


class OpeningForm(forms.Form):
    opened_on = forms.DateField(label=_("Opened on"), widget=DATE)
    card_count = forms.IntegerField(label=_("Cards found"), min_value=0, max_value=10000)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)
