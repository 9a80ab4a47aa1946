"""Drawdown forms: the application, its guarantors, the officer's submission, the post-loan check. Types and
conversions only; the rules are in rules_drawdowns / rules_guarantee, applied by services_drawdowns."""

from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from sunshine_credit.lib.money import AmountField

from .models import Authority, GuaranteeKind
from .rules_drawdowns import DOCUMENTS
from .services_drawdowns import DrawdownInput

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_GUARANTORS = 5


class DrawdownForm(forms.Form):
    amount = AmountField(label=_("Amount (yuan or 万)"))  # 元 or 万元 as the seeds speak: "30000", "3万", "3w"
    purpose = forms.CharField(label=_("Purpose"), max_length=200)
    applied_on = forms.DateField(label=_("Applied on"), widget=DATE)
    due_on = forms.DateField(label=_("Due on"), widget=DATE,
                             help_text=_("At most 9 months after the application date, and not after the line expires."))
    annual_rate = forms.DecimalField(label=_("Annual interest rate (%)"), max_digits=5, decimal_places=2,
                                     min_value=Decimal("0.01"), max_value=Decimal(36))
    guarantee = forms.ChoiceField(label=_("Guarantee"), choices=GuaranteeKind.choices, widget=forms.RadioSelect)
    spouse_away = forms.BooleanField(label=_("One spouse is away"), required=False)
    documents = forms.MultipleChoiceField(label=_("Documents received"), choices=list(DOCUMENTS.items()),
                                          widget=forms.CheckboxSelectMultiple, required=False)
    investigated_on = forms.DateField(label=_("Investigated on"), widget=DATE, required=False)
    investigation = forms.CharField(label=_("Investigation record"), widget=forms.Textarea(attrs={"rows": 4}),
                                    max_length=4000, required=False,
                                    help_text=_("Required above 30,000 yuan (pre-loan investigation)."))
    authority = forms.ChoiceField(label=_("Approval authority"), choices=Authority.choices, initial=Authority.BRANCH)
    small_farm = forms.BooleanField(label=_("Small farm loan"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def clean_amount(self):
        value = self.cleaned_data["amount"]
        if value is None or value <= 0:
            raise forms.ValidationError(_("Enter the amount of the drawdown."))
        return value

    def to_input(self, guarantors: list[tuple[str, Decimal | None]]) -> DrawdownInput:
        data = self.cleaned_data
        rate = (data["annual_rate"] / 100).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        return DrawdownInput(
            amount=data["amount"], purpose=data["purpose"], applied_on=data["applied_on"], due_on=data["due_on"],
            annual_rate=rate, guarantee=data["guarantee"], guarantors=tuple(guarantors),
            spouse_away=data["spouse_away"], documents=tuple(data["documents"]),
            investigated_on=data["investigated_on"], investigation=data["investigation"],
            authority=data["authority"], small_farm=data["small_farm"])


def drawdown_initial(drawdown) -> dict:
    return {"amount": f"{drawdown.amount:f}", "purpose": drawdown.purpose, "applied_on": drawdown.applied_on,
            "due_on": drawdown.due_on, "annual_rate": (drawdown.annual_rate * 100).quantize(Decimal("0.01")),
            "guarantee": drawdown.guarantee, "spouse_away": drawdown.spouse_away, "documents": drawdown.documents,
            "investigated_on": drawdown.investigated_on, "investigation": drawdown.investigation,
            "authority": drawdown.authority, "small_farm": drawdown.small_farm, "version": drawdown.version}


class GuarantorForm(forms.Form):
    code = forms.CharField(label=_("Guarantor's household code"), max_length=40, required=False)
    amount = AmountField(label=_("Guaranteed amount (yuan or 万)"), required=False,
                         help_text=_("Blank: the whole drawdown."))


def guarantor_formset(data=None, initial=None):
    """Up to MAX_GUARANTORS rows: the saved guarantors and blank rows to name more (at least 3 shown)."""
    initial = initial or []
    formset_class = forms.formset_factory(GuarantorForm, extra=max(3 - len(initial), 1), max_num=MAX_GUARANTORS,
                                          validate_max=True, absolute_max=MAX_GUARANTORS)
    return formset_class(data=data, initial=initial, prefix="guarantors")


def guarantor_parts(formset) -> list[tuple[str, Decimal | None]]:
    return [(row.cleaned_data["code"].strip(), row.cleaned_data.get("amount"))
            for row in formset.forms if row.cleaned_data.get("code", "").strip()]


class SubmitForm(forms.Form):
    opinion = forms.CharField(label=_("Loan officer's opinion"), widget=forms.Textarea(attrs={"rows": 4}),
                              max_length=2000)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class PostLoanCheckForm(forms.Form):
    checked_on = forms.DateField(label=_("Checked on"), widget=DATE)
    note = forms.CharField(label=_("What the check found"), widget=forms.Textarea(attrs={"rows": 3}), max_length=500)
    problem = forms.BooleanField(label=_("The check found a problem (the next group member waits)"), required=False)
