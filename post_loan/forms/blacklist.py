"""C4: the blacklist's forms. Types and lengths only; the rules (ID check digit, duplicates, dates) are the
service's (post_loan.services.blacklist)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..selectors.blacklist import STATUSES


class BlacklistSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or ID number"), required=False, max_length=50)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=list(zip(STATUSES, (_("On the list"), _("Removed or lifted"), _("All")),
                                                strict=True)))


class BlacklistEntryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=20,
                                help_text=_("18 digits (a final X allowed); a 15-digit old number is converted."))
    reason = forms.CharField(label=_("Reason"), max_length=200,
                             help_text=_("For example: 恶意拖欠贷款本息, 失信被执行人."))
    source = forms.CharField(label=_("Source"), max_length=100,
                             help_text=_("Where the information comes from: the collection case, a court, the "
                                         "credit reference system."))
    evidence = forms.CharField(label=_("Evidence"), required=False, max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("The documents that support the entry: judgment number, letters, "
                                           "receipts."))


class BlacklistSettleForm(forms.Form):
    settled_on = forms.DateField(label=_("Debt settled on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    version = forms.IntegerField(widget=forms.HiddenInput)


class BlacklistRemovalForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the removal"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class BlacklistImportForm(forms.Form):
    file = forms.FileField(label=_("Workbook (.xlsx)"),
                           help_text=_("Columns 姓名, 身份证号, 原因, 来源 and 证据, header in row 1 (download the "
                                       "template)."))
