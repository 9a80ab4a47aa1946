"""Publicity rules (SPEC §6, P1/P2): pure functions on plain values, no ORM, no request."""

import datetime

from django.utils.translation import gettext as _

from appraisal.models import Escalation

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
