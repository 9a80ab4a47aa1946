"""A telephone number typed by a member of the public (an objector, a complainant): blank, an 11-digit mainland
mobile (138 1234 5678) or a landline with its area code (0371-12345678). One rule for every public form."""

import re

MOBILE_RE = re.compile(r"1[3-9]\d{9}")
LANDLINE_RE = re.compile(r"0\d{2,3}-?\d{7,8}")


def normalise_phone(raw: str) -> str:
    """The number without spaces (a mobile without dashes too); "" when blank. ValueError when it is neither a
    mobile nor a landline: each form answers with its own refusal."""
    text = re.sub(r"\s+", "", raw or "")
    if not text:
        return ""
    if MOBILE_RE.fullmatch(text.replace("-", "")):
        return text.replace("-", "")
    if LANDLINE_RE.fullmatch(text):
        return text
    raise ValueError(text)
