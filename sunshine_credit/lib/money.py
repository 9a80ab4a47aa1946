"""Money (SPEC §0): the one amount parser, the one yuan formatter, and the one money form field.

Amounts are stored as Decimal 元 with 2 places. Every door that takes an amount — the survey grid, the
survey and booklet imports, the org import, every money form field — reads it with `parse_amount`, so the
same text means the same number everywhere and a mistake reads the same everywhere:

- a number is 元: ``83000``, ``83,000`` (also the full-width ``83，000``), ``83000元``, ``83,000.5``;
- followed by 万 (or ``w``/``W``, as officers type it) it is ×10,000: ``8.3万``, ``8.3w``, ``8.3 万元``;
- full-width digits and spaces (``８３０００``) read as their ASCII forms; surrounding spaces are ignored;
- a number cell of a spreadsheet (int, float, Decimal) is taken as 元;
- blank is "not given" (None); negative amounts and amounts of 10^12 元 or more are refused.

Rounding: the value (after ×10,000) is rounded half-up (四舍五入) to the fen, 0.01 元. Half-up is the rule
officers and villagers apply by hand and the one the paper forms and the bank's counter use; half-even
(banker's rounding) would make 1.005 元 read as 1.00 and disagree with a hand check. Refusing extra
decimals instead would refuse a spreadsheet's computed cell (=A1/3) over a sub-fen difference that the grid
accepts: one rule for every door. Float cells are read through their shortest repr, so a cell showing 1.005
is 1.005 (→ 1.01), not its binary expansion 1.00499999….
"""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..errors import Refusal

CENT = Decimal("0.01")
LIMIT = Decimal(10) ** 12                  # a Decimal(14, 2) column holds less than this
MAX_AMOUNT = LIMIT - CENT                  # 999,999,999,999.99 元
MAX_TEXT = 40                              # longer text is not an amount anyone typed

_AMOUNT = re.compile(
    r"(?P<sign>[-−])?\s*"
    r"(?P<number>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?|[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
    r"\s*(?P<unit>[万萬wW])?\s*元?")


class AmountError(Refusal, ValueError):
    """An amount could not be taken. `.code` is stable ("format", "negative", "too_large"); str() is the
    translated message every door shows (as a JSON error, an import row's reason, a form error)."""

    def __init__(self, code: str, message: str):
        super().__init__(message, code=code)
        self.message = message


def _unreadable() -> AmountError:
    # The message never repeats the typed value (A3: a booklet's report does not echo the cell).
    return AmountError("format", _("The amount cannot be read: write yuan (30000) or ten-thousands of yuan (3万)."))


def parse_amount(value) -> Decimal | None:
    """An amount in 元, rounded half-up to the fen; None when blank. Raises AmountError."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise _unreadable()
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))  # the cell as shown: 1.005, not 1.00499999…
    elif isinstance(value, Decimal):
        amount = value
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if not text:
            return None
        match = _AMOUNT.fullmatch(text) if len(text) <= MAX_TEXT else None
        if match is None:
            raise _unreadable()
        amount = Decimal(match["number"].replace(",", ""))
        if match["unit"]:
            amount = amount.scaleb(4)  # ×10,000, exactly
        if match["sign"] and amount:
            raise AmountError("negative", _("An amount may not be negative."))
    if not amount.is_finite():
        raise _unreadable()
    if amount < 0:
        raise AmountError("negative", _("An amount may not be negative."))
    if amount < LIMIT:  # (checked first: quantize() of a huge number overflows the context)
        amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if amount >= LIMIT:
        raise AmountError("too_large", _("The amount is too large: at most %(max)s yuan.") % {"max": yuan(MAX_AMOUNT)})
    return abs(amount)  # abs: never "-0.00"


def yuan(amount, *, fen: bool = False) -> str:
    """Thousands separators, the fen only when there are any: 83250 → "83,250"; 83250.5 → "83,250.50".
    `fen=True` always prints them, as a slip or the counter does: "83,250.00". None → "—".

    Boards, sentences and messages print amounts with it (templates use floatformat:"2g", grouped by the
    formats module the same way)."""
    if amount is None:
        return "—"
    value = Decimal(repr(amount)) if isinstance(amount, float) else Decimal(amount)
    value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if not fen and value == value.to_integral_value():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


class AmountField(forms.Field):
    """A money form field: 元 or 万元 as typed, read by `parse_amount` → Decimal, or None when blank (a required
    field then says so). Whether 0 is allowed is the form's or the service's rule.

    It also stands in for a model DecimalField in a ModelForm (Meta.field_classes), ignoring max_digits and
    decimal_places: the parser holds the column's bound and rounds to the fen."""

    widget = forms.TextInput

    def __init__(self, *, max_length: int = 20, max_digits=None, decimal_places=None, **kwargs):
        self.max_length = max_length
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "maxlength": str(self.max_length), "inputmode": "decimal"}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_amount(value)
        except AmountError as exc:
            raise ValidationError(exc.message, code=exc.code) from None


# --- the amount in Chinese capitals (大写金额): the slip, the post-loan letters -----------------------------

CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
CAPITAL_UNITS = ("", "拾", "佰", "仟")
CAPITAL_SECTIONS = ("", "万", "亿", "万亿")


def chinese_capitals(amount: Decimal | int) -> str:
    """12000 → 壹万贰仟元整; 30001 → 叁万零壹元整; 100000 → 壹拾万元整; 1234.05 → 壹仟贰佰叁拾肆元零伍分;
    0.5 → 伍角. Zeros between digits are written once (零), trailing zeros not; 拾 is always preceded by
    its digit (壹拾), as on bank vouchers (《支付结算办法》 附一)."""
    amount = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if amount < 0:
        raise ValueError("negative amount")
    cents = int(amount * 100)
    whole, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if whole >= 10 ** 16:
        raise ValueError("amount too large")
    text = _capital_whole(whole)
    if whole == 0 and (jiao or fen):
        text = ""
    else:
        text += "元"
    if jiao == 0 and fen == 0:
        return text + "整"
    if jiao:
        text += CAPITAL_DIGITS[jiao] + "角"
    elif whole:
        text += "零"
    if fen:
        text += CAPITAL_DIGITS[fen] + "分"
    return text


def _capital_whole(whole: int) -> str:
    if whole == 0:
        return "零"
    digits = str(whole)
    out, zero_pending, section_has_digit = [], False, False
    for index, char in enumerate(digits):
        position = len(digits) - 1 - index
        digit = int(char)
        if digit == 0:
            zero_pending = bool(out)
        else:
            if zero_pending:
                out.append("零")
                zero_pending = False
            out.append(CAPITAL_DIGITS[digit] + CAPITAL_UNITS[position % 4])
            section_has_digit = True
        if position % 4 == 0:
            if section_has_digit and position:
                out.append(CAPITAL_SECTIONS[position // 4])
            section_has_digit = False
    return "".join(out)
