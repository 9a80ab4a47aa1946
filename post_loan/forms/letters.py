"""C2/C3 forms: the Letters list's filter, a batch to print, a delivery receipt, a branch's lawyer."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import BranchLawyer, Letter

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # the ISO value a date input reads

DELIVERY_CHOICES = (("", _("Delivered or not")), ("delivered", _("Delivered (receipt signed)")),
                    ("undelivered", _("Undelivered")))


class LetterFilterForm(forms.Form):
    village = forms.TypedChoiceField(label=_("Village"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("Kind of letter"), required=False, choices=(("", _("All kinds")), *Letter.Kind.choices))
    delivery = forms.ChoiceField(label=_("Delivery"), required=False, choices=DELIVERY_CHOICES)

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", _("All villages")), *((v.pk, v.name) for v in villages)]
        for field in self.fields.values():
            checkbox = isinstance(field.widget, forms.CheckboxInput)
            field.widget.attrs["class"] = "form-check-input" if checkbox else "form-select form-select-sm"


class BatchForm(forms.Form):
    """A village's letters of one kind issued on one day, printed again as one PDF."""

    village = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=Letter.Kind.choices, widget=forms.HiddenInput)
    issued_on = forms.DateField(widget=forms.HiddenInput)


class ReceiptForm(forms.Form):
    delivered_on = forms.DateField(label=_("Delivered on"), widget=DATE)
    delivered_to = forms.CharField(label=_("Received by"), max_length=50,
                                   help_text=_("The recipient, or who received it for them and how related."))
    signed = forms.BooleanField(label=_("The receipt is signed by the receiver"), required=False)
    scan = forms.FileField(label=_("Signed receipt (scan, PDF/JPEG/PNG)"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class BranchLawyerForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = BranchLawyer
        fields = ["name", "firm", "phone"]
