"""Household archive rules (SPEC §2): pure functions, no ORM, no request."""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from stdnum.cn import ric

from sunshine_credit.errors import RuleViolation
from sunshine_credit.lib.masking import mask_any, mask_id, mask_phone  # noqa: F401  R5, re-exported for callers

# GB 2260 province-level codes: the first two digits of every resident ID.
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82 83 91".split()
)


@dataclass(frozen=True)
class ResidentId:
    number: str            # 18 characters, check digit upper-case
    birth_date: datetime.date
    sex: str               # "M" or "F", from the 17th digit (odd: male)


def parse_resident_id(raw, *, today: datetime.date | None = None) -> ResidentId:
    """H2: validate a resident ID (GB 11643) and derive birth date and sex.

    Accepts a lower-case x (stored upper-case) and converts 15-digit legacy numbers to 18 digits
    (century 19, check digit computed). Raises RuleViolation naming what is wrong.
    """
    # str methods rather than stdnum's compact(): this runs once per row of a county roster.
    number = str(raw if raw is not None else "").strip().upper()
    if " " in number or "-" in number:
        number = number.replace(" ", "").replace("-", "")
    if not number:
        raise RuleViolation("required", _("The ID number is missing."))
    if len(number) == 15:
        if not number.isdigit():
            raise RuleViolation("format", _("A 15-digit ID number may contain digits only."))
        body = number[:6] + "19" + number[6:]
        number = body + ric.calc_check_digit(body + "0")
    if len(number) != 18:
        raise RuleViolation("length", _("An ID number has 18 digits (or 15 for the old format); this one has %(n)d.")
                            % {"n": len(number)})
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise RuleViolation("format", _("An ID number is 17 digits followed by a digit or X."))
    if number[:2] not in PROVINCE_CODES:
        raise RuleViolation("region", _("The region code %(code)s is not a valid province.") % {"code": number[:6]})
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise RuleViolation("birth_date", _("The birth date %(date)s in the ID number is not a valid date.")
                            % {"date": number[6:14]}) from None
    today = today or datetime.date.today()
    if birth > today or birth.year < 1870:
        raise RuleViolation("birth_date", _("The birth date %(date)s in the ID number is not possible.")
                            % {"date": birth.isoformat()})
    expected = ric.calc_check_digit(number)
    if number[17] != expected:
        raise RuleViolation("check_digit", _("The check digit is wrong: the last character should be %(digit)s.")
                            % {"digit": expected})
    return ResidentId(number=number, birth_date=birth, sex="M" if int(number[16]) % 2 else "F")


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Full years of age on `day` (a birthday counts on the day itself)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def normalise_phone(raw) -> str:
    """Phones are kept as digits (with an optional leading + or area-code dash)."""
    if raw is None:
        return ""
    text = str(raw).strip()
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    text = text.replace(" ", "")
    if text and not all(c.isdigit() or c in "+-" for c in text):
        raise RuleViolation("phone", _("A phone number may contain digits, + and - only."))
    if text and not 7 <= sum(c.isdigit() for c in text) <= 15:
        raise RuleViolation("phone", _("A phone number has 7 to 15 digits."))
    return text


def parse_yes_no(raw) -> bool:
    """是/否 cells; blank means 否 (SPEC §11)."""
    text = "" if raw is None else str(raw).strip()
    if text in ("", "否", "N", "n", "no", "No", "0", "False", "FALSE"):
        return False
    if text in ("是", "Y", "y", "yes", "Yes", "1", "True", "TRUE"):
        return True
    raise RuleViolation("yes_no", _("Write 是 or 否."))


def parse_land_area(raw) -> Decimal | None:
    """Contracted land in 亩: blank, or a non-negative number with at most 2 decimals."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise RuleViolation("land", _("The land area must be a number of mu.")) from None
    if value < 0 or value >= Decimal("100000"):
        raise RuleViolation("land", _("The land area must be between 0 and 99999.99 mu."))
    return value.quantize(Decimal("0.01"))


def check_one_head(relations: list[str]) -> None:
    """H3: exactly one 户主 per household."""
    heads = sum(1 for r in relations if r == "户主")
    if heads == 0:
        raise RuleViolation("no_head", _("The household has no member whose relation is 户主."))
    if heads > 1:
        raise RuleViolation("many_heads", _("The household has %(n)d members marked 户主; exactly one is allowed.")
                            % {"n": heads})


# --- Who may enter a stage (issue 15): survey entry, the computation, a panel, a board, a credit line ----------
# One answer for every door (page, import, command, job): an archived household none of whose members is on the
# active blacklist (H5, C4). The codes are stored in LimitResult.flags and Decision rows; the words are below.
BLACKLISTED, EXCLUDED, NOT_ARCHIVED = "blacklisted", "excluded", "not_archived"
INELIGIBILITY_CODES = (BLACKLISTED, EXCLUDED, NOT_ARCHIVED)


def stage_ineligibility(*, archive_status: str, blacklisted: bool) -> str | None:
    """Why a household may not enter a credit stage, as a code, or None when it may. The blacklist (C4) is named
    first: it is the strongest reason and an officer must see it even on a household that is also not archived."""
    if blacklisted:
        return BLACKLISTED
    if archive_status == "excluded":
        return EXCLUDED
    if archive_status != "archived":
        return NOT_ARCHIVED
    return None


def ineligibility_text(code: str) -> str:
    """The reason in words (translated) for a code of `stage_ineligibility`."""
    return {
        BLACKLISTED: _("A member of the household is on the blacklist: the household is not eligible for credit."),
        EXCLUDED: _("The household is excluded from the archive (not archived): it is not eligible for credit."),
        NOT_ARCHIVED: _("The household is not archived yet: it is not eligible for credit until it is archived."),
    }.get(code, code)


# PIPL art. 6 (minimum necessary): tellers disburse and take repayments for named borrowers, whose pages they
# open one by one; the whole branch's archive is not needed for that, so the export is not theirs (404).
# Reviewers are villagers and reach no archive page at all.
ARCHIVE_EXPORT_DENIED_ROLES = frozenset({"teller", "reviewer"})
ARCHIVE_EXPORT_PURPOSE_MIN = 4


def archive_export_full(*, is_maker: bool, want_full: bool, purpose: str) -> bool:
    """R5/PIPL: whether an archive export carries whole ID and phone numbers. Only a maker asks for them, and
    only with a purpose of at least ARCHIVE_EXPORT_PURPOSE_MIN characters; anyone else's export is masked.
    Raises RuleViolation (field "purpose") when whole numbers are asked for without a purpose."""
    if not (want_full and is_maker):
        return False
    if len(purpose.strip()) < ARCHIVE_EXPORT_PURPOSE_MIN:
        raise RuleViolation("export_purpose", _("Say what the export with whole ID and phone numbers is for."),
                            field="purpose")
    return True
