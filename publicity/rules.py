"""Publicity rules (SPEC §6, P1/P2/P4): pure functions on plain values, no ORM, no request.

P4: an objection (异议) is taken while a published pre-credit notice runs; its content, the objector's name and
phone are checked here, and so is the panel's reconsideration (复议) of the objected line: an objection can only
lower a line, never raise it. Refusals raise ObjectionRefused (a sunshine_credit.errors.Refusal).
"""

import datetime
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _

from appraisal.models import Escalation
from sunshine_credit.errors import Refusal
from sunshine_credit.lib.money import yuan
from sunshine_credit.lib.public_input import (
    normalise_phone,
    normalise_reference,
    random_code,
    reference_pattern,
)

from .models import ItemStatus, Notice, NoticeKind, Outcome

DIGITS = "零一二三四五六七八九"


def chinese_ordinal(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (the batch ordinal of "拟第一批授信")."""
    if not 1 <= n <= 99:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else DIGITS[tens] + "十")
    return head + (DIGITS[ones] if ones else "")


def batch_words(ordinal: int) -> str:
    """P1: the words every board carries, "拟第一批授信" for the first batch (fixed wording of the seeds)."""
    return f"拟第{chinese_ordinal(ordinal)}批授信"


def mask_name(name: str, *, full: bool = False) -> str:
    """P2: 张小三 → 张*三, 张三 → 张*, 欧阳娜娜 → 欧**娜; the whole name when the branch chooses (`full`)."""
    name = (name or "").strip()
    if full or len(name) < 2:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def notice_period(start: datetime.date, days: int) -> tuple[datetime.date, datetime.date]:
    """P1: a notice of `days` days starting on `start` ends on its last day (3 days: the 1st to the 3rd)."""
    if days < 1:
        raise ValueError(_("A notice runs at least one day."))
    return start, start + datetime.timedelta(days=days - 1)


PREDISBURSEMENT_DAYS = (3, 5)  # P6: a loan pre-disbursement notice runs 3 to 5 days


def predisbursement_days(days: int) -> int:
    """P6: the days of a loan pre-disbursement notice (贷款公示), which runs 3 to 5 days."""
    low, high = PREDISBURSEMENT_DAYS
    if not low <= days <= high:
        raise ValueError(_("A loan pre-disbursement notice runs %(low)d to %(high)d days.") % {"low": low, "high": high})
    return days


def large_loan_register_due(period: str) -> datetime.date:
    """P6: the monthly large-loan disclosure register of "YYYY-MM" is posted by the 5th of the next month."""
    year, month = (int(part) for part in period.split("-"))
    if not 1 <= month <= 12:
        raise ValueError(period)
    return datetime.date(year + month // 12, month % 12 + 1, 5)


# What happens to a listed item when its notice has ended (P5, L6).
TAKES_EFFECT = "effective"
REFUSED = "refused"
WAITS = "waits"


def item_outcome(escalation: str) -> str:
    """L6/P5: a listed item of an ended notice takes effect unless its amount waits for, or was refused by,
    the level above. Unknown values wait (never grant by accident)."""
    if escalation in (Escalation.NOT_NEEDED, Escalation.APPROVED):
        return TAKES_EFFECT
    if escalation == Escalation.REJECTED:
        return REFUSED
    return WAITS


def escalation_approved(escalation: str) -> bool:
    """The level above approved the item's escalated amount (L6): its line counts from that approval."""
    return escalation == Escalation.APPROVED


# --- P4: objections and reconsideration -------------------------------------------------------------------

CONTENT_MAX = 2000
NAME_MAX = 50
REASON_MAX = 500
# Reference numbers: sunshine_credit.lib.public_input (read out over the phone and copied by hand).
REFERENCE_PREFIX = "YY"
REFERENCE_RE = reference_pattern(REFERENCE_PREFIX)
OBJECTABLE = (ItemStatus.LISTED, ItemStatus.FROZEN)


class ObjectionRefused(Refusal):
    """The objection or reconsideration breaks a rule; str() is shown to the user. Nothing was written."""


def check_running(*, kind: str, status: str, starts_on: datetime.date, ends_on: datetime.date,
                  today: datetime.date) -> None:
    """P4: objections are taken while a published pre-credit notice runs, its first and last day included."""
    if kind != NoticeKind.PRECREDIT:
        raise ObjectionRefused(_("Objections through this form are taken for pre-credit notices only."))
    if status != Notice.Status.PUBLISHED:
        raise ObjectionRefused(_("This notice is not published: objections cannot be lodged yet."))
    dates = {"start": formats.date_format(starts_on), "end": formats.date_format(ends_on)}
    if today < starts_on:
        raise ObjectionRefused(_("The notice period (%(start)s to %(end)s) has not started yet: objections can be "
                                 "lodged from %(start)s.") % dates)
    if today > ends_on:
        raise ObjectionRefused(_("The notice period (%(start)s to %(end)s) is over: objections are no longer "
                                 "taken.") % dates)


def clean_content(content: str) -> str:
    text = (content or "").strip()
    if not text:
        raise ObjectionRefused(_("Write what the objection is about."))
    if len(text) > CONTENT_MAX:
        raise ObjectionRefused(_("An objection has at most %(n)d characters.") % {"n": CONTENT_MAX})
    return text


def clean_objector_name(name: str) -> str:
    text = (name or "").strip()
    if len(text) > NAME_MAX:
        raise ObjectionRefused(_("A name has at most %(n)d characters.") % {"n": NAME_MAX})
    return text


def normalise_objector_phone(raw: str) -> str:
    """Blank, an 11-digit mainland mobile or a landline with its area code (sunshine_credit.lib.public_input)."""
    try:
        return normalise_phone(raw)
    except ValueError:
        raise ObjectionRefused(_("Enter an 11-digit mobile number or a landline with its area code (0371-12345678).")) from None


def check_reconsideration(*, outcome: str, reason: str, amount: Decimal | None, published: Decimal) -> Decimal | None:
    """P4: the panel's outcome on an objected line; returns the amount after reconsideration (None unless
    changed). Raises ObjectionRefused."""
    if outcome not in Outcome.values:
        raise ObjectionRefused(_("Choose the outcome of the reconsideration."))
    if not (reason or "").strip():
        raise ObjectionRefused(_("Write the reasons for the reconsideration."))
    if len(reason.strip()) > REASON_MAX:
        raise ObjectionRefused(_("The reasons have at most %(n)d characters.") % {"n": REASON_MAX})
    if outcome != Outcome.CHANGED:
        return None
    if amount is None:
        raise ObjectionRefused(_("Enter the amount after reconsideration."))
    if amount <= 0:
        raise ObjectionRefused(_("The amount after reconsideration must be above zero; to give no credit, choose "
                                 "“rejected”."))
    if amount >= published:
        raise ObjectionRefused(_("An objection can only lower a line, never raise it: enter an amount below "
                                 "%(amount)s yuan, the line as it stands.") % {"amount": yuan(published)})
    return amount


def new_reference() -> str:
    """An unguessable reference number: "YY" and 10 of 31 symbols (about 50 bits), from `secrets`."""
    return REFERENCE_PREFIX + random_code()


# P4: a board's code is its public token: villagers who cannot scan the QR code type it on the short page
# printed under it, so it is short and unambiguous (no 0/O, 1/I/L), yet unguessable (about 50 bits, like the
# reference numbers; the look-up page is rate-limited too).
BOARD_CODE_LENGTH = 10


def new_board_code() -> str:
    return random_code(BOARD_CODE_LENGTH)


def board_code_display(code: str) -> str:
    """As printed on the board, in two groups of five ("7KQ4M-XP2RA"); a legacy long token stays as it is."""
    if len(code) == BOARD_CODE_LENGTH and code.isalnum() and code.isupper():
        return f"{code[:5]}-{code[5:]}"
    return code


def normalise_board_code(raw: str) -> str:
    """What a villager types back: any case, with spaces or dashes."""
    return normalise_reference(raw)
