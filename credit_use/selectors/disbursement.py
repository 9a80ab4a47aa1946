"""Reads for the disbursement (P6) and its slip (出账单): the drawdown's pre-disbursement notice, and what the slip
prints. They start from a drawdown already read through the caller's scope (R1)."""

from publicity.models import Notice
from sunshine_credit.lib.masking import mask_id
from sunshine_credit.lib.money import yuan
from sunshine_credit.scoping import Scope

from ..models import Drawdown
from ..rules import drawdowns as rules
from .drawdowns import guarantor_rows

# The drawdowns a disbursement slip is printed for.
SLIP_STATUSES = (Drawdown.Status.APPROVED, Drawdown.Status.DISBURSED, Drawdown.Status.REPAID)

def predisbursement_notice(*, drawdown: Drawdown) -> Notice | None:
    """P6: the drawdown's pre-disbursement notice, published when it was approved above the threshold."""
    if drawdown.predisbursement_notice_id is None:
        return None
    return Notice.objects.filter(pk=drawdown.predisbursement_notice_id).first()


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def slip_context(*, scope: Scope, drawdown: Drawdown) -> dict:
    """What the disbursement slip (出账单) prints: plain values, the ID number masked (R5)."""
    guarantors = guarantor_rows(scope=scope, drawdown=drawdown)
    return {
        "d": drawdown, "branch": drawdown.village.branch.name, "village": drawdown.village.name,
        "household_code": drawdown.household.code, "borrower": drawdown.holder_name or "",
        "id_masked": mask_id(drawdown.holder_id_number), "amount": yuan(drawdown.amount, fen=True),
        "account_masked": mask_id(drawdown.settlement_account),  # R5: first 6 + last 4, as the ID
        "capitals": rules.chinese_capitals(drawdown.amount), "rate": f"{drawdown.annual_rate * 100:.2f}",
        "group": str(drawdown.group) if drawdown.group_id else "",
        "guarantors": guarantors,
        "officer": _person(drawdown.submitted_by), "president": _person(drawdown.decided_by),
        "teller": _person(drawdown.disbursed_by),
    }
