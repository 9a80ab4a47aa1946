"""R4/R5: one implementation of each mask, for pages, exports, the audit and the application logs.

mask_id and mask_phone mask one value; mask_any picks between them (the audit's diff); mask_text masks
the ID and mobile numbers found inside free text (logs, reasons, notes).
"""

import re

ID_RE = re.compile(r"(?<![\d.])(\d{6})\d{8}(\d{3}[\dXx])(?![\d.])|(?<![\d.])(\d{6})\d{5}(\d{4})(?![\d.])")
PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_id(number: str | None) -> str:
    """R5: first 6 + last 4, e.g. 410902********1234."""
    if not number:
        return ""
    number = str(number)
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone: str | None) -> str:
    """R5: 138****1234."""
    if not phone:
        return ""
    phone = str(phone)
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_any(value: str) -> str:
    """Audit masking (R4): ID-like values as IDs, everything else as phones."""
    value = "" if value in (None, "None") else str(value)
    return mask_id(value) if len(value) >= 15 else mask_phone(value)


def mask_text(text: str) -> str:
    """R4: the ID numbers (18 and 15 digits) and mobile numbers inside free text, masked where they stand."""

    def id_sub(m):
        if m.group(1):
            return f"{m.group(1)}********{m.group(2)}"
        return f"{m.group(3)}*****{m.group(4)}"

    return PHONE_RE.sub(r"\1****\2", ID_RE.sub(id_sub, text))
