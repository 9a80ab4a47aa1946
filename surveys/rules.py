"""Questionnaire data (S2) and pre-credit limit rules (SPEC §4, L1–L6): pure functions on plain values, no ORM,
no request.

`compute_limit` is the reference computation. `surveys.services.limits` does the same set-based in SQL for a
whole campaign; the property test in tests/surveys/test_compute.py holds the two equal.

Exactness: every sum is taken in integer cents, so the floor to the rounding unit never suffers
from binary fractions (83,000.00 must never become 82,999.9999 and round down to 82,000).
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from households.rules import age_on
from sunshine_credit.errors import Refusal

MIN_AGE, MAX_AGE = 20, 60          # L3, inclusive
OVER_INCOME = "over_income"        # L5 warning
NEEDS_ESCALATION = "needs_escalation"  # L6 flag

GRANTED, WITHHELD, INELIGIBLE, INCOMPLETE = "granted", "withheld", "ineligible", "incomplete"  # LimitStatus values
TRIMMED, MEAN = "trimmed", "mean"  # Method values

CENT = Decimal("0.01")
MEAN_PLACES = Decimal("0.0001")

# S2 code lists: fixed domain data of the paper questionnaire (表一), kept in Chinese.
BUSINESS_CODES = {1: "种植", 2: "养殖", 3: "粮食加工", 4: "饲料加工", 5: "木材加工", 6: "农产品收购储运",
                  7: "商品批零", 8: "货运", 9: "贩卖", 10: "苗圃花卉", 11: "饮服", 12: "装潢", 13: "建筑",
                  14: "矿产", 15: "酿造", 16: "其他"}
WITHHOLD_REASONS = {1: "游手好闲", 2: "欠债较多", 3: "贫困低保户", 4: "五保户", 5: "贷款被诉讼", 6: "坐牢",
                    7: "长期不在家", 8: "信用观念差", 9: "其他：赌博、放高利贷"}


# --- One questionnaire row (S2) ------------------------------------------------------------------------

class RowInvalid(Refusal):
    """The row breaks S2; nothing was written. `.errors` maps a field name (or "__all__") to its message: the
    shape the entry grid receives as JSON (`messages` reads it like any refusal's)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors

    @property
    def messages(self) -> list[str]:
        return [str(message) for message in self.errors.values()]


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


# --- Pre-credit limits (SPEC §4) -----------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One questionnaire of a household: who answered, the amount proposed, the withhold reasons."""

    respondent_id: int
    respondent_code: str
    amount: Decimal | None
    reasons: tuple = ()
    net_income: Decimal | None = None

    @property
    def valid(self) -> bool:
        """A questionnaire counts when it proposes an amount or gives at least one withhold reason."""
        return self.amount is not None or bool(self.reasons)


@dataclass(frozen=True)
class Settings:
    """The campaign's settings that the rules read (SPEC §4)."""

    method: str = TRIMMED
    min_respondents: int = 5
    rounding_unit: Decimal = Decimal(1000)
    income_band_high: Decimal = Decimal("1.5")
    reference_date: datetime.date = datetime.date(2026, 1, 1)


@dataclass
class Outcome:
    status: str
    valid_count: int = 0
    amount: Decimal | None = None
    mean: Decimal | None = None                 # before rounding, 4 places (half up)
    dropped_high: int | None = None             # respondent id
    dropped_low: int | None = None              # respondent id
    reasons: dict = field(default_factory=dict)  # {"2": 3}: reason code → respondents who gave it
    warnings: list = field(default_factory=list)
    flags: list = field(default_factory=list)
    representative_age: int | None = None
    income_median: Decimal | None = None        # 2 places (half up)
    inputs: list = field(default_factory=list)  # [[respondent id, amount in cents or None]] by amount, then code


def cents(value: Decimal) -> int:
    return int((Decimal(value) * 100).to_integral_value(rounding=ROUND_HALF_UP))


def minimum_respondents(method: str, min_respondents: int) -> int:
    """L1's threshold. The trimmed mean needs at least three amounts to keep one after dropping two."""
    return max(int(min_respondents), 3 if method == TRIMMED else 1)


def trim(answers: list[Answer]) -> tuple[Answer, Answer, list[Answer]]:
    """L4 `trimmed`: drop exactly one lowest and one highest amount.

    Ties are broken by respondent code (then id), so the result never depends on entry order: the
    lowest-coded of the tied lowest is dropped as low, the highest-coded of the tied highest as high.
    With all amounts equal, these are therefore always two different respondents.
    """
    ordered = sorted(answers, key=lambda a: (a.amount, a.respondent_code, a.respondent_id))
    return ordered[0], ordered[-1], ordered[1:-1]


def _median_cents(values: list[int]) -> tuple[int, int] | None:
    """(sum of the middle value(s), how many): the exact median is sum / count."""
    if not values:
        return None
    values = sorted(values)
    n = len(values)
    middle = {(n + 1) // 2 - 1, (n + 2) // 2 - 1}
    return sum(values[i] for i in middle), len(middle)


def compute_limit(answers: list[Answer], *, settings: Settings, birth_date: datetime.date | None,
                  approval_authority: Decimal, ineligible: str | None = None) -> Outcome:
    """L1–L6 for one household. `birth_date` is the credit representative's (None: no representative).

    `ineligible`: the code of households.rules.stage_ineligibility (not archived, excluded, blacklisted) when
    the household may not enter the stage: it is `ineligible` before any other rule, whatever the answers say,
    with the code as its flag (the reason in words is households.rules.ineligibility_text)."""
    valid = sorted((a for a in answers if a.valid), key=lambda a: (a.respondent_code, a.respondent_id))
    reasons: dict[str, int] = {}
    for answer in valid:
        for code in sorted({str(c) for c in answer.reasons}):
            reasons[code] = reasons.get(code, 0) + 1
    median = _median_cents([cents(a.net_income) for a in valid if a.net_income is not None])
    age = age_on(birth_date, settings.reference_date) if birth_date is not None else None
    outcome = Outcome(
        status=GRANTED, valid_count=len(valid), reasons=dict(sorted(reasons.items())), representative_age=age,
        income_median=(Decimal(median[0]) / median[1] / 100).quantize(CENT, ROUND_HALF_UP) if median else None,
        # The inputs in the order the trimmed mean reads them: by amount (blank first), then code.
        inputs=[[a.respondent_id, None if a.amount is None else cents(a.amount)]
                for a in sorted(valid, key=lambda a: (a.amount is not None, a.amount or 0, a.respondent_code,
                                                      a.respondent_id))],
    )
    if ineligible is not None:                                                            # H5, C4
        outcome.status, outcome.flags = INELIGIBLE, [ineligible]
        return outcome
    if len(valid) < minimum_respondents(settings.method, settings.min_respondents):     # L1
        outcome.status = INCOMPLETE
        return outcome
    if reasons:                                                                           # L2: any reason wins
        outcome.status = WITHHELD
        return outcome
    if age is None or not MIN_AGE <= age <= MAX_AGE:                                      # L3
        outcome.status = INELIGIBLE
        return outcome
    kept = valid                                                                          # L4
    if settings.method == TRIMMED:
        low, high, kept = trim(valid)
        outcome.dropped_low, outcome.dropped_high = low.respondent_id, high.respondent_id
    total, count = sum(cents(a.amount) for a in kept), len(kept)
    unit = cents(settings.rounding_unit)
    amount_cents = total // (count * unit) * unit
    outcome.mean = (Decimal(total) / count / 100).quantize(MEAN_PLACES, ROUND_HALF_UP)
    outcome.amount = (Decimal(amount_cents) / 100).quantize(CENT)
    # L5: compare against the exact median (sum/count), not the rounded one shown.
    if median and amount_cents * median[1] * 100 > cents(settings.income_band_high) * median[0]:
        outcome.warnings.append(OVER_INCOME)
    if outcome.amount > Decimal(approval_authority):                                      # L6
        outcome.flags.append(NEEDS_ESCALATION)
    return outcome
