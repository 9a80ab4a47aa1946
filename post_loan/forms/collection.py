"""C3 forms: the case list's filter, a log entry, a promise judged by hand, the classification, an instalment plan."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sunshine_credit.lib.money import AmountField

from ..models import CollectionCase, CollectionEntry

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # the ISO value a date input reads
SMALL_DATE = forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d")

ENTRY_KINDS = [(k, label) for k, label in CollectionEntry.Kind.choices if k != CollectionEntry.Kind.LETTER]


class CaseFilterForm(forms.Form):
    village = forms.TypedChoiceField(label=_("Village"), required=False, coerce=int, empty_value=None)
    officer = forms.TypedChoiceField(label=_("Loan officer"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=(("", _("All statuses")), *CollectionCase.Status.choices))
    limitation = forms.BooleanField(label=_("Limitation ending within 90 days"), required=False)

    def __init__(self, *args, villages=(), officers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", _("All villages")), *((v.pk, v.name) for v in villages)]
        self.fields["officer"].choices = [("", _("All officers")),
                                          *((u.pk, u.get_full_name() or u.username) for u in officers)]
        for field in self.fields.values():
            checkbox = isinstance(field.widget, forms.CheckboxInput)
            field.widget.attrs["class"] = "form-check-input" if checkbox else "form-select form-select-sm"


class EntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("What happened"), choices=ENTRY_KINDS)
    on = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(label=_("What was said or done"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    promised_amount = AmountField(label=_("Promised amount (yuan)"), required=False)
    promised_by = forms.DateField(label=_("Promised by"), required=False,
                                  widget=DATE)
    amount = AmountField(label=_("Amount paid (yuan)"), required=False)


class PromiseForm(forms.Form):
    kept = forms.TypedChoiceField(choices=(("1", _("Kept")), ("0", _("Not kept"))), coerce=lambda v: v == "1")


class ClassifyForm(forms.Form):
    cause = forms.ChoiceField(label=_("Classified as"), choices=CollectionCase.Cause.choices,
                              widget=forms.RadioSelect)
    note = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    version = forms.IntegerField(widget=forms.HiddenInput)


class InstalmentForm(forms.Form):
    due_on = forms.DateField(label=_("Due on"), required=False,
                             widget=SMALL_DATE)
    amount = AmountField(label=_("Amount (yuan)"), required=False,
                         widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}))


InstalmentFormSet = forms.formset_factory(InstalmentForm, extra=6, max_num=36, validate_max=True)


class PlanForm(forms.Form):
    note = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    version = forms.IntegerField(widget=forms.HiddenInput)
