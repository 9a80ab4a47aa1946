"""The forms of credit use: the line list's filters, a line change, the drawdown application with its guarantors,
the officer's submission and post-loan check, a repayment at the counter and the request to reverse a
revocation. Types and conversions only; the rules are in rules/, applied by services/."""

import datetime
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sunshine_credit.lib.money import AmountField

from .models import GuaranteeKind, LineStatus, Repayment
from .rules.drawdowns import DOCUMENTS
from .services.drawdowns import DrawdownInput

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_GUARANTORS = 5


# --- credit lines --------------------------------------------------------------------------------------------

class LineFilterForm(forms.Form):
    village = forms.TypedChoiceField(label=_("Village"), coerce=int, empty_value=None, required=False)
    campaign = forms.TypedChoiceField(label=_("Campaign"), coerce=int, empty_value=None, required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    # V1: the dashboards' households with a line in effect (one row each: its latest line) and those owing on a loan
    holders = forms.ChoiceField(label=_("Rows"), required=False,
                                choices=[("", _("Every line")), ("1", _("One per household"))])
    owing = forms.ChoiceField(label=_("Loans"), required=False,
                              choices=[("", _("With or without a loan")), ("1", _("Owing on a loan"))])

    def __init__(self, *args, villages=(), campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", _("All villages"))] + [(v.pk, v.name) for v in villages]
        self.fields["campaign"].choices = [("", _("All campaigns"))] + [(c.pk, c.name) for c in campaigns]
        self.fields["status"].choices = [("", _("All statuses")), *LineStatus.choices]

    def filters(self) -> dict:
        """The village, campaign and status chosen; a value that is not a choice is ignored on its own."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"village_id": data.get("village"), "campaign_id": data.get("campaign"),
                "status": data.get("status") or "", "per_household": data.get("holders") == "1",
                "owing": data.get("owing") == "1"}

    def query(self) -> str:
        """The filters as the GET query of the list's page links."""
        chosen = self.filters()
        params = {"village": chosen["village_id"], "campaign": chosen["campaign_id"], "status": chosen["status"],
                  "holders": "1" if chosen["per_household"] else "", "owing": "1" if chosen["owing"] else ""}
        return urlencode({key: value for key, value in params.items() if value})


class LineChangeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    amount = AmountField(label=_("New line (yuan)"))  # more than 0: the service's rule
    reason = forms.CharField(label=_("Reason for the change"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}))
    investigation = forms.CharField(label=_("Investigation"), max_length=5000,
                                    help_text=_("What you found, for head office to verify."),
                                    widget=forms.Textarea(attrs={"rows": 5}))


# --- drawdowns ----------------------------------------------------------------------------------------------

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
            small_farm=data["small_farm"])


def drawdown_initial(drawdown) -> dict:
    return {"amount": f"{drawdown.amount:f}", "purpose": drawdown.purpose, "applied_on": drawdown.applied_on,
            "due_on": drawdown.due_on, "annual_rate": (drawdown.annual_rate * 100).quantize(Decimal("0.01")),
            "guarantee": drawdown.guarantee, "spouse_away": drawdown.spouse_away, "documents": drawdown.documents,
            "investigated_on": drawdown.investigated_on, "investigation": drawdown.investigation,
            "small_farm": drawdown.small_farm, "version": drawdown.version}


class GuarantorForm(forms.Form):
    code = forms.CharField(label=_("Guarantor's household code"), max_length=40, required=False)
    amount = AmountField(label=_("Guaranteed amount (yuan or 万)"), required=False,
                         help_text=_("Blank: the whole drawdown."))

    def clean(self):
        data = super().clean()
        if data.get("amount") is not None and not (data.get("code") or "").strip():
            self.add_error("code", _("An amount is typed in this row: type the guarantor's household code too."))
        return data


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


class DisburseForm(forms.Form):
    """What the teller copies from the core banking system at disbursement (checked by rules.drawdowns)."""

    settlement_account = forms.CharField(label=_("Settlement account"), max_length=40,
                                         help_text=_("The borrower's account the loan is paid into (结算账号)."))
    core_loan_number = forms.CharField(label=_("Core banking loan no."), max_length=48,
                                       help_text=_("The loan number the core banking system gave this loan."))


# --- repayments and revocations ---------------------------------------------------------------------------

class RepaymentForm(forms.Form):
    # A pay-off (提前结清) records the principal and the interest to date together (services.repayments).
    kind = forms.ChoiceField(label=pgettext_lazy("repayment", "Kind"),
                             choices=[*Repayment.Kind.choices, ("payoff", _("Pay-off: principal and interest to date"))])
    amount = AmountField(label=_("Amount repaid (yuan)"))  # more than zero: the service's rule
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE, initial=timezone.localdate)
    period_end = forms.TypedChoiceField(label=_("Interest up to (settlement date)"), required=False,
                                        coerce=datetime.date.fromisoformat, empty_value=None)

    def __init__(self, *args, open_periods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period_end"].choices = [("", "—")] + [(d.isoformat(), d.isoformat()) for d in open_periods]

    def clean(self):
        data = super().clean()
        if data.get("kind") == Repayment.Kind.INTEREST and not data.get("period_end"):
            self.add_error("period_end", _("Choose the settlement date the interest pays up to."))
        return data


class ReversalRequestForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the reversal"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))
