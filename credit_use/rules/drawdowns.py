"""SPEC §8 U1, U2, U4, U5, U6 for drawdowns (用信), and the amount in Chinese capitals for the slip.

Pure functions: plain values in, values or a raised `RuleViolation` (sunshine_credit.errors: `.code` the rule,
`.field` the form field it is about, None for the application as a whole) out; no ORM, no request (STYLE §2).
"""

import datetime
import re
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.models import LoanClass
from sunshine_credit.errors import RuleViolation
from sunshine_credit.lib.money import chinese_capitals, yuan  # noqa: F401  (chinese_capitals: re-exported)
from sunshine_credit.lib.risk import floor_for, overdue_days

MAX_TERM_MONTHS = 9                # U2: 到期日期不得超过9个月
SMALL_LOAN_LIMIT = Decimal(30000)  # U4/U5: 3万元（含）以内


# --- U1: the line and what is left of it ---------------------------------------------------------------

def check_line_open(*, status: str, effective_on: datetime.date, expires_on: datetime.date,
                    today: datetime.date) -> None:
    """U1: a drawdown goes against a line in effect (status active, today within effective_on..expires_on)."""
    if status != "active":
        raise RuleViolation("U1", _("The credit line is not in effect (revoked or expired)."))
    if not effective_on <= today <= expires_on:
        raise RuleViolation("U1", _("The credit line runs from %(start)s to %(end)s: it is not in effect today.")
                            % {"start": effective_on.isoformat(), "end": expires_on.isoformat()})


def available_amount(*, line_amount: Decimal, outstanding: Decimal, reserved: Decimal) -> Decimal:
    """U1: what may still be drawn: the line − principal outstanding of disbursed drawdowns − the amounts of
    applications submitted or approved but not yet disbursed (they hold their part of the line). Never < 0."""
    return max(Decimal(line_amount) - Decimal(outstanding) - Decimal(reserved), Decimal(0))


def check_amount(*, amount: Decimal | None, available: Decimal) -> None:
    if amount is None or amount <= 0:
        raise RuleViolation("U1", _("Enter the amount of the drawdown."), "amount")
    if amount > available:
        raise RuleViolation("U1", _("The amount (%(amount)s yuan) is more than the line's available amount "
                                    "(%(available)s yuan).") % {"amount": yuan(amount), "available": yuan(available)},
                            "amount")


# --- U2: term and purpose ------------------------------------------------------------------------------

def latest_due_on(applied_on: datetime.date) -> datetime.date:
    """U2: the last due date of a drawdown applied for on `applied_on`: 9 calendar months later, on the same
    day of the month, or the month's last day when that month is shorter (2026-05-31 → 2027-02-28;
    2026-03-15 → 2026-12-15). So "9 months plus one day" is always refused."""
    return applied_on + relativedelta(months=MAX_TERM_MONTHS)


def check_term(*, applied_on: datetime.date, due_on: datetime.date | None, expires_on: datetime.date) -> None:
    """U2: the due date is after the application date, at most 9 months after it and not past the line's expiry."""
    if due_on is None:
        raise RuleViolation("U2", _("Enter the due date."), "due_on")
    if due_on <= applied_on:
        raise RuleViolation("U2", _("The due date must be after the application date."), "due_on")
    latest = latest_due_on(applied_on)
    if due_on > latest:
        raise RuleViolation("U2", _("The term may not exceed %(months)d months: due on %(latest)s at the latest.")
                            % {"months": MAX_TERM_MONTHS, "latest": latest.isoformat()}, "due_on")
    if due_on > expires_on:
        raise RuleViolation("U2", _("The due date may not be after the credit line expires (%(expires)s).")
                            % {"expires": expires_on.isoformat()}, "due_on")


def check_applied_on(*, applied_on: datetime.date | None, effective_on: datetime.date, today: datetime.date) -> None:
    """U2: the application is dated within the line's life, never in the future (the term counts from it)."""
    if applied_on is None:
        raise RuleViolation("U2", _("Enter the application date."), "applied_on")
    if applied_on > today:
        raise RuleViolation("U2", _("The application date may not be in the future."), "applied_on")
    if applied_on < effective_on:
        raise RuleViolation("U2", _("The application date is before the credit line took effect (%(start)s).")
                            % {"start": effective_on.isoformat()}, "applied_on")


def check_purpose(purpose: str) -> None:
    if not (purpose or "").strip():
        raise RuleViolation("U2", _("Enter the purpose of the drawdown."), "purpose")


# --- U4: documents -------------------------------------------------------------------------------------

BORROWER_ID = "borrower_id"
SPOUSE_ID = "spouse_id"
MARRIAGE_PROOF = "marriage_proof"
GROUP_CONTRACT = "group_contract"
GUARANTEE_CONTRACT = "guarantee_contract"
GUARANTOR_ID = "guarantor_id"
APPLICATION = "application"
OFFICER_FORM = "officer_form"
OFFICER_CONFIRMATION = "officer_confirmation"

# In checklist order. The president's approval (行长签署用信审批意见) is not a paper here: it is the checker's
# step itself (the approval request of the drawdown).
DOCUMENTS = {
    BORROWER_ID: gettext_lazy("Borrower's ID card"),
    SPOUSE_ID: gettext_lazy("Spouse's ID card"),
    MARRIAGE_PROOF: gettext_lazy("Proof of marriage"),
    GROUP_CONTRACT: gettext_lazy("Signed joint-guarantee loan contract"),
    GUARANTEE_CONTRACT: gettext_lazy("Signed maximum-amount personal guarantee contract"),
    GUARANTOR_ID: gettext_lazy("Guarantors' ID cards"),
    APPLICATION: gettext_lazy("Drawdown application form"),
    OFFICER_FORM: gettext_lazy("Loan officer's drawdown approval form"),
    OFFICER_CONFIRMATION: gettext_lazy("Loan officer's confirmation (one spouse away)"),
}


def required_documents(*, first: bool, amount: Decimal, guarantee: str, has_spouse: bool,
                       spouse_away: bool) -> list[str]:
    """U4 (seed 000 §六(二)): the document codes a drawdown needs, in checklist order.

    First drawdown of the household (no earlier disbursed drawdown on any line): both spouses' ID cards and
    the proof of marriage, the signed group contract (group guarantee) or the maximum-amount guarantee
    contract with the guarantors' ID cards (named guarantors), the application and the officer's approval
    form. `spouse_away` does not apply to a first drawdown: both spouses come.
    Later drawdowns: up to 30,000 元 (inclusive) the borrower's ID card and the application only; above it
    both spouses' ID cards and the application, or — when one spouse is away — the borrower's ID card, the
    application and the officer's confirmation instead of the spouse's ID card.
    A borrower without a spouse in the household (no 户主/配偶 pair) needs no spouse's ID card and no proof
    of marriage.
    """
    if first:
        codes = [BORROWER_ID] + ([SPOUSE_ID, MARRIAGE_PROOF] if has_spouse else [])
        codes += [GROUP_CONTRACT] if guarantee == "group" else [GUARANTEE_CONTRACT, GUARANTOR_ID]
        return codes + [APPLICATION, OFFICER_FORM]
    if amount <= SMALL_LOAN_LIMIT or not has_spouse:
        return [BORROWER_ID, APPLICATION]
    if spouse_away:
        return [BORROWER_ID, APPLICATION, OFFICER_CONFIRMATION]
    return [BORROWER_ID, SPOUSE_ID, APPLICATION]


def missing_documents(required: list[str], received) -> list[str]:
    received = set(received or ())
    return [code for code in required if code not in received]


def check_documents(required: list[str], received) -> None:
    missing = missing_documents(required, received)
    if missing:
        raise RuleViolation("U4", _("Documents still missing: %(documents)s.")
                            % {"documents": "、".join(str(DOCUMENTS[code]) for code in missing)}, "documents")


# --- U5: pre-loan investigation ------------------------------------------------------------------------

def needs_investigation(amount: Decimal) -> bool:
    """U5: up to 30,000 元 (inclusive) is signed face to face without a pre-loan investigation."""
    return Decimal(amount) > SMALL_LOAN_LIMIT


def check_investigation(*, amount: Decimal, investigated_on: datetime.date | None, investigation: str,
                        today: datetime.date, required: bool = True) -> None:
    """U5. `required` False (a draft): only what was entered is checked, a missing record is not refused yet."""
    if investigated_on is not None and investigated_on > today:
        raise RuleViolation("U5", _("The investigation date may not be in the future."), "investigated_on")
    if not required or not needs_investigation(amount):
        return
    if investigated_on is None:
        raise RuleViolation("U5", _("Above %(limit)s yuan a pre-loan investigation is required: enter its date.")
                            % {"limit": yuan(SMALL_LOAN_LIMIT)}, "investigated_on")
    if not (investigation or "").strip():
        raise RuleViolation("U5", _("Above %(limit)s yuan a pre-loan investigation is required: enter its record.")
                            % {"limit": yuan(SMALL_LOAN_LIMIT)}, "investigation")


# --- U6: the previous group member's post-loan check ---------------------------------------------------

def check_previous_member(*, previous_number: str | None, previous_checked_on: datetime.date | None,
                          previous_problem: bool = False) -> None:
    """U6: in a group, the latest disbursed drawdown of another member must have had its post-loan check, and
    the check found no problem (seed 000: 无问题方可用信). `previous_number` None: the group's first drawdown."""
    if previous_number is not None and previous_checked_on is None:
        raise RuleViolation("U6", _("The post-loan check of the previous group member's drawdown (%(number)s) has "
                                    "not been recorded yet.") % {"number": previous_number})
    if previous_number is not None and previous_problem:
        raise RuleViolation("U6", _("The post-loan check of the previous group member's drawdown (%(number)s) found "
                                    "a problem: the next member draws once a later check finds none.")
                            % {"number": previous_number})


# --- disbursement: what the teller enters from the core banking system -----------------------------------

SETTLEMENT_ACCOUNT_RE = re.compile(r"\d{10,32}")        # a bank account number: digits only
CORE_LOAN_NUMBER_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{3,39}")


def disbursement_references(*, settlement_account: str, core_loan_number: str) -> tuple[str, str]:
    """The settlement account (结算账号) and the core banking system's loan number (核心系统借据号) the teller
    enters at disbursement, normalised (spaces dropped, letters upper-case). Both are required: the account the
    loan is paid into is 10–32 digits; the core loan number 4–40 letters, digits or hyphens. Raises
    RuleViolation("disbursement", …) naming its field; both fields' errors at once as `.errors`."""
    account = re.sub(r"\s+", "", settlement_account or "")
    number = re.sub(r"\s+", "", core_loan_number or "").upper()
    errors = []
    if not SETTLEMENT_ACCOUNT_RE.fullmatch(account):
        errors.append(("settlement_account", _("Enter the settlement account the loan is paid into: 10 to 32 "
                                               "digits.")))
    if not CORE_LOAN_NUMBER_RE.fullmatch(number):
        errors.append(("core_loan_number", _("Enter the core banking system's loan number: 4 to 40 letters, digits "
                                             "or hyphens.")))
    if errors:
        violation = RuleViolation("disbursement", errors[0][1], errors[0][0])
        violation.errors = errors
        raise violation
    return account, number


# --- C6 (floor only): the class a loan of this system shows in the pre-check and on the household page ---------

def risk_class_floor(*, due_on: datetime.date, outstanding, today: datetime.date) -> str:
    """The lowest five-level class (五级分类) a drawdown's days overdue allow (sunshine_credit.lib.risk: the 2023
    regulation's floors, in settings), as households.LoanClass values, so that A6 reads the bank's own loans as it
    reads the core banking system's book. Counted from the due date, as post_loan's daily classification is."""
    grade = floor_for(overdue_days(due_on=due_on, outstanding=outstanding, today=today))
    return LOAN_CLASS_BY_GRADE[grade]


LOAN_CLASS_BY_GRADE = {1: LoanClass.NORMAL, 2: LoanClass.SPECIAL_MENTION, 3: LoanClass.SUBSTANDARD,
                       4: LoanClass.DOUBTFUL, 5: LoanClass.LOSS}
