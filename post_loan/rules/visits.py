"""C1 visits as plain values: the calendar quarter a date falls in (the schedule's period), and whether a visit
recorded on a day counts as done for its quarter. No database."""

import base64
import binascii
import datetime
import io

from django.utils.translation import gettext as _
from PIL import Image

from sunshine_credit.errors import RuleViolation


def quarter_start(day: datetime.date) -> datetime.date:
    """The first day of `day`'s calendar quarter (1 January, 1 April, 1 July, 1 October)."""
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_end(day: datetime.date) -> datetime.date:
    """The last day of `day`'s calendar quarter (31 March, 30 June, 30 September, 31 December)."""
    start = quarter_start(day)
    if start.month == 10:
        return datetime.date(start.year, 12, 31)
    return datetime.date(start.year, start.month + 3, 1) - datetime.timedelta(days=1)


def quarter_label(day: datetime.date) -> str:
    """"2026Q2": how the quarter chooser names a quarter (also its query value)."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def parse_quarter(value: str | None, *, default: datetime.date) -> datetime.date:
    """The first day of the quarter named "2026Q2"; `default`'s quarter when the value is missing or unreadable."""
    try:
        year, number = str(value or "").upper().split("Q")
        year, number = int(year), int(number)
        if not (2000 <= year <= 2100 and 1 <= number <= 4):
            raise ValueError
    except ValueError:
        return quarter_start(default)
    return datetime.date(year, 3 * (number - 1) + 1, 1)


def recent_quarters(today: datetime.date, count: int = 8) -> list[datetime.date]:
    """The first days of the last `count` quarters, the current one first (the chooser's options)."""
    starts, start = [], quarter_start(today)
    for _i in range(count):
        starts.append(start)
        start = quarter_start(start - datetime.timedelta(days=1))
    return starts


# --- signatures (R6: what a phone sends is checked before anything is stored; scans: rules.scans) ---------------

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DATA_URL_PREFIX = "data:image/png;base64,"


def signature_png(data_url: str, *, label: str, max_bytes: int) -> bytes:
    """The PNG bytes of a signature drawn on the screen and posted as a data URL. Strict: the PNG data-URL prefix,
    base64 without stray characters (binascii's validate), the PNG signature bytes, at most `max_bytes`, and a
    picture Pillow can read of a sane size. Raises RuleViolation naming `label` (the field's name) in the message.
    """
    def refuse(message):
        raise RuleViolation("R6", message % {"field": label})

    value = (data_url or "").strip()
    if not value.startswith(DATA_URL_PREFIX):
        refuse(_("%(field)s: the signature is not a PNG picture. Sign again on the screen."))
    encoded = value[len(DATA_URL_PREFIX):]
    if len(encoded) > (max_bytes * 4) // 3 + 4:
        refuse(_("%(field)s: the signature picture is too large."))
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        refuse(_("%(field)s: the signature could not be read. Sign again on the screen."))
    if not data.startswith(PNG_MAGIC):
        refuse(_("%(field)s: the signature is not a PNG picture. Sign again on the screen."))
    if len(data) > max_bytes:
        refuse(_("%(field)s: the signature picture is too large."))
    if not picture_readable(data):
        refuse(_("%(field)s: the signature could not be read. Sign again on the screen."))
    return data


def picture_readable(data: bytes, *, max_side: int = 6000) -> bool:
    """Pillow reads the picture's header and verifies its structure (no decompression of a bomb: the size is
    checked first)."""
    try:
        with Image.open(io.BytesIO(data)) as picture:
            if max(picture.size) > max_side:
                return False
            picture.verify()
    except Exception:  # noqa: BLE001 — any failure to parse means "not a picture"
        return False
    return True

