"""A3/A5: read one back-to-back entry as typed (online grid or paper booklet). Pure functions: no ORM.

The grammar is the questionnaire grid's (surveys.entry): amounts in 元 or 万 ("83000", "8.3w", "8.3万": the one
parser, sunshine_credit.lib.money), codes separated by spaces or commas ("2 8"); a rating is 1–4 or its letters
(1 = AAA, 2 = AA, 3 = A, 4 = B).
"""

from django.utils.translation import gettext as _

from sunshine_credit.lib.money import AmountError, parse_amount
from surveys.entry import EntryError, parse_codes

from .models import Rating
from .services_entry import EntryInput, EntryRefused

RATING_LETTERS = {rating.name: rating.value for rating in Rating}  # {"AAA": 1, "AA": 2, "A": 3, "B": 4}
MAX_REASON = 9


def parse_rating(text) -> int | None:
    """ "1"/"AAA" → 1 … "4"/"B" → 4; blank → None. Raises EntryError."""
    raw = str(text if text is not None else "").strip().upper()
    if raw == "":
        return None
    if raw.endswith(".0"):  # a number cell read from a workbook
        raw = raw[:-2]
    if raw.isdigit() and int(raw) in Rating.values:
        return int(raw)
    if raw in RATING_LETTERS:
        return RATING_LETTERS[raw]
    raise EntryError(_("“%(value)s” is not a rating: type 1 (AAA), 2 (AA), 3 (A) or 4 (B).") % {"value": text})


def parse_entry(data: dict) -> EntryInput:
    """{amount, withhold_reasons, rating} as typed → EntryInput. Raises EntryRefused naming each bad field."""
    errors, values = {}, {}
    readers = {"amount": parse_amount, "withhold_reasons": lambda v: parse_codes(v, maximum=MAX_REASON),
               "rating": parse_rating}
    for name, reader in readers.items():
        try:
            values[name] = reader(data.get(name))
        except (EntryError, AmountError) as exc:
            errors[name] = str(exc)
    if errors:
        raise EntryRefused(errors)
    return EntryInput(amount=values["amount"], reasons=values["withhold_reasons"], rating=values["rating"])


def posted_int(text) -> int:
    """A posted id or version; junk reads as 0 (which matches nothing), never a server error."""
    return int(text) if str(text or "").isdigit() else 0
