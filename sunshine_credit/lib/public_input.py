"""What a member of the public types on a public form (an objector, a complainant): one rule for every form.

- Reference numbers are read out over the phone and copied by hand: a two-letter prefix per kind ("YY" 异议,
  "TS" 投诉) and 10 symbols of an alphabet without 0/O, 1/I/L — about 50 bits from `secrets`, unguessable.
- A telephone number: blank, an 11-digit mainland mobile (138 1234 5678) or a landline with its area code
  (0371-12345678).
"""

import re
import secrets

REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 10
MOBILE_RE = re.compile(r"1[3-9]\d{9}")
LANDLINE_RE = re.compile(r"0\d{2,3}-?\d{7,8}")


def random_code(length: int = REFERENCE_LENGTH) -> str:
    """`length` symbols of REFERENCE_ALPHABET from `secrets`."""
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(length))


def reference_pattern(prefix: str) -> re.Pattern:
    """The shape of a reference number of `prefix` (compare with `fullmatch` after `normalise_reference`)."""
    return re.compile(rf"{prefix}[{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH}}}")


def normalise_reference(raw: str) -> str:
    """What a villager types back: any case, with spaces or dashes."""
    return re.sub(r"[\s\-]+", "", raw or "").upper()


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
