"""V4/V5 rules: reference numbers, which complaints are escalated, their handling deadline, overdue, openings."""

import datetime
import secrets

from django.utils.translation import gettext_lazy as _

from sunshine_credit.errors import Refusal
from sunshine_credit.lib.public_input import normalise_phone as normalise_phone_number
from sunshine_credit.lib.public_input import random_code, reference_pattern

from ..models import Complaint

REFERENCE_PREFIX = "TS"   # 投诉
REFERENCE_RE = reference_pattern(REFERENCE_PREFIX)
CONTENT_MAX = 2000
NAME_MAX = 50


class ComplaintRefused(Refusal):
    """A complaint, its handling or a suggestion-box opening breaks a rule; str() is shown. Nothing was written."""


def new_reference() -> str:
    """An unguessable reference number: "TS" and 10 of 31 symbols (about 50 bits), from `secrets`."""
    return REFERENCE_PREFIX + random_code()


def new_channel_token() -> str:
    """The QR code's token of an officer's card or a branch's board: never the database id."""
    return secrets.token_urlsafe(18)


def normalise_phone(raw: str) -> str:
    """Blank, an 11-digit mainland mobile or a landline with its area code (sunshine_credit.lib.public_input)."""
    try:
        return normalise_phone_number(raw)
    except ValueError:
        raise ComplaintRefused(_("Enter an 11-digit mobile number or a landline with its area code (0371-12345678).")) from None


def is_escalated(kind: str, rating: str) -> bool:
    """V4: every complaint, and an evaluation card rated "有问题", must be handled by audit within the time limit."""
    return kind == Complaint.Kind.COMPLAINT or rating == Complaint.Rating.PROBLEM


def check_card(kind: str, rating: str, content: str) -> None:
    if kind == Complaint.Kind.EVALUATION and rating not in Complaint.Rating.values:
        raise ComplaintRefused(_("Choose how satisfied you are with the officer."))
    if kind == Complaint.Kind.COMPLAINT and not (content or "").strip():
        raise ComplaintRefused(_("Write what the complaint is about."))


def due_on(received_on: datetime.date, days: int) -> datetime.date:
    """The last day of the handling time limit: `days` calendar days after receipt."""
    return received_on + datetime.timedelta(days=days)


def is_overdue(complaint: Complaint, today: datetime.date) -> bool:
    """Flagged from the day after the due day while not handled."""
    return complaint.status == Complaint.Status.OPEN and complaint.due_on is not None and today > complaint.due_on


def check_second_signature(opened_by_id: int, confirmer_id: int) -> None:
    """V5: a suggestion box is opened by two different people; the same person cannot sign twice."""
    if opened_by_id == confirmer_id:
        raise ComplaintRefused(_("The second signature must be another person's: the one who recorded the opening "
                                 "cannot sign it again."))
