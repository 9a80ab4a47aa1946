"""P4 forms: an objection (counter and public form alike), the panel's reconsideration, the public look-up.
Types and lengths only; the rules are in rules.py."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sunshine_credit.lib.money import AmountField, yuan
from sunshine_credit.lib.public_input import normalise_reference

from . import rules
from .models import Objection, Outcome


def line_label(item) -> str:
    """One board line as the printed board shows it: 序号, group, the name as published, the amount."""
    values = {"no": item.line_no, "name": item.name, "amount": yuan(item.amount)}
    if item.group_name:
        return gettext("No. %(no)s · %(group)s · %(name)s · %(amount)s yuan") % {**values, "group": item.group_name}
    return gettext("No. %(no)s · %(name)s · %(amount)s yuan") % values


class ObjectionForm(forms.Form):
    """`items` are the board's lines; the villager names the line by its 序号 (line_no) on the board."""

    line_no = forms.TypedChoiceField(label=_("No. on the board"), coerce=int,
                                     error_messages={"invalid_choice": _("There is no such line on this board."),
                                                     "required": _("Choose the line the objection is about.")})
    content = forms.CharField(label=_("Objection"), max_length=rules.CONTENT_MAX, widget=forms.Textarea(
        attrs={"rows": 5}), help_text=_("What is wrong with this line, and why."),
        error_messages={"required": _("Write what the objection is about.")})
    objector_name = forms.CharField(label=_("Your name"), required=False, max_length=rules.NAME_MAX,
                                    help_text=_("Optional: leave blank to object anonymously."))
    objector_phone = forms.CharField(label=_("Your phone"), required=False, max_length=20,
                                     help_text=_("Optional: for the panel to ask you about the objection."))

    def __init__(self, *args, items=(), counter: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if counter:  # staff fill the form in for the villager at the counter
            for name in ("objector_name", "objector_phone"):
                self.fields[name].label = capfirst(Objection._meta.get_field(name).verbose_name)
        self.fields["line_no"].choices = [("", "---------"), *((i.line_no, line_label(i)) for i in items)]

    def clean_objector_phone(self):
        try:
            return rules.normalise_objector_phone(self.cleaned_data["objector_phone"])
        except rules.ObjectionRefused as exc:
            raise forms.ValidationError(str(exc)) from None


class ReconsiderForm(forms.Form):
    outcome = forms.ChoiceField(label=capfirst(_("reconsideration")), choices=Outcome.choices, widget=forms.RadioSelect)
    # 元 or 万元 as the seeds speak: "30000", "30,000", "3万".
    amount = AmountField(label=_("Amount after reconsideration (yuan or 万)"), required=False,
                         help_text=_("Only for “amount changed”: lower than the published amount."))
    reason = forms.CharField(label=_("Reasons"), required=False, max_length=rules.REASON_MAX,
                             widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class LookupForm(forms.Form):
    reference = forms.CharField(label=_("Reference number"), max_length=40,
                                help_text=_("As shown when the objection was lodged, e.g. YY7K3M9Q2WXA."))

    def clean_reference(self):
        return normalise_reference(self.cleaned_data["reference"])


class BoardCodeForm(forms.Form):
    """P4: the board's code, printed under its QR code, for villagers who cannot scan."""

    code = forms.CharField(label=_("Board code"), max_length=40,
                           help_text=_("As printed under the board's QR code, e.g. 7KQ4M-XP2RA."))

    def clean_code(self):
        return rules.normalise_board_code(self.cleaned_data["code"])
