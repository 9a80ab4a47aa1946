"""L1–L6 rules, without a database."""

import datetime
import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from surveys.rules import (
    GRANTED,
    INCOMPLETE,
    INELIGIBLE,
    MEAN,
    NEEDS_ESCALATION,
    OVER_INCOME,
    TRIMMED,
    WITHHELD,
    Answer,
    Settings,
    compute_limit,
)

REF = datetime.date(2026, 11, 1)
ADULT = datetime.date(1980, 5, 17)
AUTHORITY = Decimal(300000)


def answers(*amounts, reasons=None, income=None):
    reasons = reasons or {}
    return [Answer(respondent_id=i + 1, respondent_code=f"R{i + 1:02d}",
                   amount=None if a is None else Decimal(str(a)), reasons=tuple(reasons.get(i, ())),
                   net_income=None if income is None else Decimal(str(income)))
            for i, a in enumerate(amounts)]


def run(items, *, method=TRIMMED, minimum=5, birth=ADULT, authority=AUTHORITY, unit="1000", high="1.5"):
    return compute_limit(items, settings=Settings(method=method, min_respondents=minimum,
                                                  rounding_unit=Decimal(unit), income_band_high=Decimal(high),
                                                  reference_date=REF),
                         birth_date=birth, approval_authority=authority)


# L3: the age edges of the issue, on reference date 2026-11-01.
@pytest.mark.parametrize("birth, age, eligible", [
    (datetime.date(2006, 11, 1), 20, True),    # turns 20 on the reference date
    (datetime.date(1966, 11, 1), 60, True),    # turns 60 on it
    (datetime.date(1965, 11, 2), 60, True),    # turns 61 the day after it (still 60)
    (datetime.date(2006, 11, 2), 19, False),   # turns 20 the day after it (still 19)
    (datetime.date(1965, 11, 1), 61, False),   # turned 61 on it
])
def test_age_edges(birth, age, eligible):
    result = run(answers(50000, 60000, 70000, 80000, 90000), birth=birth)
    assert result.representative_age == age
    assert result.status == (GRANTED if eligible else INELIGIBLE)
    assert (result.amount is not None) == eligible


def test_no_representative_is_ineligible():
    result = run(answers(50000, 60000, 70000, 80000, 90000), birth=None)
    assert result.status == INELIGIBLE and result.representative_age is None and result.amount is None


def test_trimmed_drops_one_highest_and_one_lowest():
    result = run(answers(30000, 50000, 60000, 70000, 90000, 100000))
    assert result.status == GRANTED
    assert result.dropped_low == 1 and result.dropped_high == 6
    assert result.mean == Decimal("67500.0000") and result.amount == Decimal("67000.00")


def test_ties_drop_exactly_one_of_each():
    # Two lowest at 30,000 and two highest at 90,000: only one of each goes.
    result = run(answers(90000, 30000, 30000, 90000, 60000, 60000))
    assert result.dropped_low == 2          # the lower code of the tied lowest
    assert result.dropped_high == 4         # the higher code of the tied highest
    # Dropping both tied values (TRIM of all ties) would leave 60,000 + 60,000; one of each leaves 30,000 and 90,000.
    result = run(answers(90000, 30000, 30000, 90000, 61000, 62000))
    assert result.mean == Decimal("60750.0000")  # (30000 + 90000 + 61000 + 62000) / 4, not 61500
    assert result.amount == Decimal("60000.00")


def test_all_equal_drops_two_different_respondents():
    result = run(answers(50000, 50000, 50000, 50000, 50000))
    assert result.dropped_low != result.dropped_high
    assert result.amount == Decimal("50000.00")


def test_mean_keeps_every_amount():
    items = answers(30000, 50000, 60000, 70000, 90000, 100000)
    trimmed, mean = run(items), run(items, method=MEAN, minimum=6)
    assert trimmed.amount == Decimal("67000.00")
    assert mean.mean == Decimal("66666.6667") and mean.amount == Decimal("66000.00")
    assert mean.dropped_low is None and mean.dropped_high is None


def test_rounds_down():
    result = run(answers(0, 83999.99, 83999.99, 83999.99, 1000000))
    assert result.mean == Decimal("83999.9900") and result.amount == Decimal("83000.00")
    assert run(answers(0, 83000, 83000, 83000, 1000000)).amount == Decimal("83000.00")  # exact stays
    assert run(answers(0, 83999.99, 83999.99, 83999.99, 1000000), unit="100").amount == Decimal("83900.00")


def test_any_withhold_reason_wins_over_any_amount():
    result = run(answers(100000, 100000, 100000, 100000, 100000, 100000, reasons={3: ["2", "8"], 5: ["2"]}))
    assert result.status == WITHHELD and result.amount is None
    assert result.reasons == {"2": 2, "8": 1}


def test_reason_alone_makes_a_questionnaire_valid():
    result = run(answers(100000, 100000, 100000, 100000, None, reasons={4: [1]}))
    assert result.valid_count == 5 and result.status == WITHHELD and result.reasons == {"1": 1}


def test_below_minimum_is_incomplete():
    result = run(answers(50000, 60000, 70000, 80000, None))  # the blank one does not count
    assert result.status == INCOMPLETE and result.valid_count == 4 and result.amount is None
    assert run(answers(50000, 60000, 70000, 80000, 90000), minimum=6).status == INCOMPLETE


def test_incomplete_comes_before_withheld():
    assert run(answers(50000, None, reasons={1: ["2"]})).status == INCOMPLETE


def test_over_income_warning():
    items = answers(50000, 60000, 70000, 80000, 90000, income=40000)   # 1.5 × 40,000 = 60,000 < 70,000
    result = run(items)
    assert result.status == GRANTED and result.warnings == [OVER_INCOME] and result.income_median == Decimal("40000.00")
    assert run(answers(50000, 60000, 70000, 80000, 90000, income=50000)).warnings == []  # 75,000 ≥ 70,000
    assert run(answers(50000, 60000, 70000, 80000, 90000)).warnings == []  # no estimate, no warning


# L5 at the edge: the warning is for an amount *above* 1.5 × the median, so exactly 1.5 × gives none.
@pytest.mark.parametrize("amounts, incomes, unit, warned", [
    ((30000,) * 5, (20000,) * 5, "1000", False),                       # 30,000 = 1.5 × 20,000
    ((31000,) * 5, (20000,) * 5, "1000", True),                        # the next rounding step
    (("30000.01",) * 5, (20000,) * 5, "0.01", True),                   # one cent above
    ((30000,) * 5, ("20000.01",) * 5, "1000", False),                  # 1.5 × 20,000.01 = 30,000.015
    ((30000,) * 5, ("19999.99",) * 5, "1000", True),                   # 1.5 × 19,999.99 = 29,999.985
    # an even count: the exact median 19,999.995 (shown rounded, 20,000.00) gives 29,999.9925 < 30,000
    ((30000,) * 4, ("19999.99", "19999.99", "20000.00", "20000.00"), "1000", True),
])
def test_over_income_at_exactly_the_upper_multiple(amounts, incomes, unit, warned):
    items = [Answer(i, f"R{i:02d}", Decimal(str(a)), (), Decimal(str(v)))
             for i, (a, v) in enumerate(zip(amounts, incomes, strict=True), 1)]
    result = run(items, minimum=4, unit=unit)
    assert result.status == GRANTED and result.amount == Decimal(str(amounts[0]))
    assert result.warnings == ([OVER_INCOME] if warned else [])


def test_income_median_of_an_even_count():
    items = [Answer(i, f"R{i}", Decimal(70000), (), Decimal(v)) for i, v in enumerate([10, 40000, 50000, 90000], 1)]
    result = run(items, minimum=4)
    assert result.income_median == Decimal("45000.00")
    assert result.warnings == [OVER_INCOME]  # 70,000 > 1.5 × 45,000 = 67,500


def test_needs_escalation_flag():
    assert run(answers(50000, 60000, 70000, 80000, 90000), authority=Decimal(69999)).flags == [NEEDS_ESCALATION]
    assert run(answers(50000, 60000, 70000, 80000, 90000), authority=Decimal(70000)).flags == []


def test_inputs_are_the_valid_questionnaires():
    result = run(answers(50000, 60000, None, 80000, 90000, 70000))
    # [respondent id, amount in cents], in the order the trimmed mean reads them: by amount
    assert result.inputs == [[1, 5_000_000], [2, 6_000_000], [6, 7_000_000], [4, 8_000_000], [5, 9_000_000]]


def excel_trimmean(values, percent):
    """Excel's TRIMMEAN: drop floor(n × percent / 2) values from each end, mean of the rest."""
    values = sorted(values)
    k = math.floor(len(values) * percent / 2)
    kept = values[k:len(values) - k]
    return sum(kept) / len(kept)


def excel_floor(value, significance):
    return math.floor(value / significance) * significance


@hsettings(max_examples=200)
@given(st.lists(st.integers(min_value=0, max_value=50_000_000), min_size=5, max_size=12))
def test_equals_the_spreadsheet(cents):
    """FLOOR(TRIMMEAN(range, 2/COUNT(range)), 1000), computed exactly (fractions) on amounts with cents."""
    result = run(answers(*(Decimal(c) / 100 for c in cents)))
    expected = excel_floor(excel_trimmean([Fraction(c, 100) for c in cents], Fraction(2, len(cents))), 1000)
    assert result.amount == Decimal(int(expected))
