"""S2: parse and validate one row of the questionnaire entry grid. Pure functions: no ORM, no request.

Officers type thousands of rows, so the grammar is forgiving where it costs nothing and strict where a
mistake would change a number:
- codes: numbers separated by space, comma (also the full-width ，), period or 、: "1 7", "1,7", "1.7";
- amounts: the one parser of every door (sunshine_credit.lib.money): a plain number is 元 ("83000",
  "83,000"); a number followed by 万, w or W is ×10,000 ("8.3w", "8.3万"); blank means not given;
- yes/no: 1/0, y/n, 是/否 (blank means 否).
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from sunshine_credit.lib.money import AmountError, parse_amount

# S2 code lists: fixed domain data of the paper questionnaire (表一), kept in Chinese.
BUSINESS_CODES = {1: "种植", 2: "养殖", 3: "粮食加工", 4: "饲料加工", 5: "木材加工", 6: "农产品收购储运",
                  7: "商品批零", 8: "货运", 9: "贩卖", 10: "苗圃花卉", 11: "饮服", 12: "装潢", 13: "建筑",
                  14: "矿产", 15: "酿造", 16: "其他"}
WITHHOLD_REASONS = {1: "游手好闲", 2: "欠债较多", 3: "贫困低保户", 4: "五保户", 5: "贷款被诉讼", 6: "坐牢",
                    7: "长期不在家", 8: "信用观念差", 9: "其他：赌博、放高利贷"}

AMOUNT_FIELDS = ("total_assets", "total_liabilities", "net_income", "amount")

_CODE_SPLIT = re.compile(r"[\s,，.。、;；/]+")
YES = {"1", "y", "yes", "是", "有", "t", "true"}
NO = {"", "0", "n", "no", "否", "无", "f", "false"}


class EntryError(ValueError):
    """One cell could not be read; str() is the Chinese (translated) message shown on the row."""


class RowInvalid(Exception):
    """The row breaks S2. `.errors` maps a field name (or "__all__") to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class RowInput:
    """One questionnaire row as typed, converted to values."""

    business_codes: list[int] = field(default_factory=list)
    members_away: bool = False
    total_assets: Decimal | None = None
    total_liabilities: Decimal | None = None
    net_income: Decimal | None = None
    amount: Decimal | None = None
    withhold_reasons: list[int] = field(default_factory=list)

    @property
    def net_assets(self) -> Decimal | None:
        if self.total_assets is None or self.total_liabilities is None:
            return None
        return self.total_assets - self.total_liabilities


def parse_codes(text, *, maximum: int) -> list[int]:
    """ "1 7" / "1,7" / "1.7" → [1, 7] (sorted, without repeats). Raises EntryError."""
    if isinstance(text, (list, tuple)):
        parts = [str(part) for part in text]
    else:
        parts = [part for part in _CODE_SPLIT.split(str(text or "").strip()) if part]
    codes = set()
    for part in parts:
        if not part.isdigit():
            raise EntryError(_("“%(value)s” is not a code: type numbers separated by spaces, e.g. 1 7.")
                             % {"value": part})
        code = int(part)
        if not 1 <= code <= maximum:
            raise EntryError(_("Code %(code)d is not between 1 and %(maximum)d.") % {"code": code, "maximum": maximum})
        codes.add(code)
    return sorted(codes)


def parse_yes_no(text) -> bool:
    """1/0, y/n, 是/否; blank is 否. Raises EntryError."""
    if isinstance(text, bool):
        return text
    value = str(text if text is not None else "").strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise EntryError(_("Type 1 or 0 (y or n, 是 or 否)."))


def parse_row(data: dict) -> RowInput:
    """Read one grid row (a dict of the typed texts) and check S2. Raises RowInvalid with every error."""
    errors: dict[str, str] = {}
    values: dict = {}
    readers = {"business_codes": lambda v: parse_codes(v, maximum=max(BUSINESS_CODES)),
               "withhold_reasons": lambda v: parse_codes(v, maximum=max(WITHHOLD_REASONS)),
               "members_away": parse_yes_no,
               **{name: parse_amount for name in AMOUNT_FIELDS}}
    for name, reader in readers.items():
        try:
            values[name] = reader(data.get(name))
        except (EntryError, AmountError) as exc:
            errors[name] = str(exc)
    if ("amount" not in errors and "withhold_reasons" not in errors
            and values["amount"] is None and not values["withhold_reasons"]):
        errors["amount"] = _("Type the proposed amount or at least one withhold reason.")
    if errors:
        raise RowInvalid(errors)
    return RowInput(**values)
