"""A6 (2): the audit referral list of a campaign as .xlsx, one row per current loan, within the scope.

R7: `write_xlsx` guards user text against formula injection; amounts are numbers; the ID numbers are the
masked ones of the evidence (R5), kept as text.
"""

from decimal import Decimal

from django.utils.translation import gettext as _

from households.models import LoanClass
from sunshine_credit.excel import write_xlsx
from sunshine_credit.scoping import Scope

from .selectors_precheck import audit_referrals

ID_COLUMN = 5


def header() -> list[str]:
    return [_("Branch"), _("Village"), _("Household code"), _("Loan officers"), _("Borrower"), _("ID number"),
            _("Loan number"), _("Amount (yuan)"), _("Balance (yuan)"), _("Classification"),
            _("Current borrowing (yuan)"), _("Computed amount (yuan)")]


def audit_referral_rows(*, scope: Scope, campaign):
    labels = dict(LoanClass.choices)
    for row in audit_referrals(scope=scope, campaign=campaign):
        for loan in row["hit"].evidence:
            yield [row["branch"].name, row["village"].name, row["household"].code, "、".join(row["officers"]),
                   loan["member"], loan["id_masked"], loan["loan_number"], Decimal(loan["amount"]),
                   Decimal(loan["balance"]), str(labels.get(loan["classification"], loan["classification"])),
                   row["total"], row["computed_amount"]]


def audit_referral_write(out, *, scope: Scope, campaign) -> None:
    """Call inside `activate(scope)`."""
    write_xlsx(out, _("Audit referrals %(code)s") % {"code": campaign.code}, header(),
               audit_referral_rows(scope=scope, campaign=campaign), text_columns=frozenset({ID_COLUMN}))


def filename(campaign) -> str:
    return _("audit-referrals-%(code)s.xlsx") % {"code": campaign.code}
