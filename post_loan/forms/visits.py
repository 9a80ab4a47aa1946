"""C1 forms: the visit record (validated and converted here; the rules and the signatures are checked by
services.visits) and the quarter chooser of the visit rate."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Visit

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO = ((True, _("Yes, as applied")), (False, _("No, used otherwise")))


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("Visited on"), widget=DATE)
    place = forms.CharField(label=_("Place"), max_length=100, required=False,
                            help_text=_("Where you met, e.g. at home, in the field, at the shop."))
    funds_as_applied = forms.TypedChoiceField(label=_("Funds used as applied"), choices=YES_NO,
                                              coerce=lambda value: value in (True, "True"),
                                              widget=forms.RadioSelect, empty_value=None)
    operation = forms.CharField(label=_("Operation and income"), max_length=2000,
                                widget=forms.Textarea(attrs={"rows": 3}))
    risks = forms.MultipleChoiceField(label=_("Risk signals"), choices=Visit.Risk.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    risk_note = forms.CharField(label=_("About the risks"), max_length=500, required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))
    next_action = forms.CharField(label=_("Next action"), max_length=300, required=False)
    # Drawn on the screen by static/js/signature_pad.js, posted as PNG data URLs (checked by the service).
    borrower_signature = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2_000_000)
    officer_signature = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2_000_000)
    scan = forms.FileField(label=_("Or: the printed record signed by both, scanned (PDF, JPEG or PNG)"),
                           required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class QuarterForm(forms.Form):
    quarter = forms.ChoiceField(label=_("Quarter"), required=False)

    def __init__(self, *args, quarters=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = list(quarters)
