"""P5 rules, without a database: a line's last day, its first day, and which items take effect."""

import datetime

import pytest

from credit_use.rules import lines as rules
from publicity import rules as publicity_rules

D = datetime.date


def test_expiry_is_the_day_before_the_same_date_years_later():
    assert rules.line_expiry(D(2026, 12, 5), 2) == D(2028, 12, 4)
    assert rules.line_expiry(D(2026, 1, 1), 1) == D(2026, 12, 31)
    assert rules.line_expiry(D(2026, 12, 4), 3) == D(2029, 12, 3)


def test_expiry_from_29_february_runs_to_the_day_before_1_march():
    assert rules.line_expiry(D(2028, 2, 29), 1) == D(2029, 2, 28)
    assert rules.line_expiry(D(2028, 2, 29), 4) == D(2032, 2, 28)   # a leap year again: the day before 29 Feb
    assert rules.line_expiry(D(2027, 3, 1), 1) == D(2028, 2, 29)    # into a leap year
    assert rules.line_expiry(D(2027, 2, 28), 1) == D(2028, 2, 27)


def test_expiry_needs_at_least_one_year():
    with pytest.raises(ValueError):
        rules.line_expiry(D(2026, 12, 5), 0)


def test_effective_from_is_the_day_after_the_notice_unless_cleared_later():
    ends = D(2026, 12, 3)
    assert rules.effective_from(ends) == D(2026, 12, 4)
    assert rules.effective_from(ends, None) == D(2026, 12, 4)
    assert rules.effective_from(ends, D(2026, 12, 2)) == D(2026, 12, 4)   # reconsidered during the notice
    assert rules.effective_from(ends, D(2026, 12, 4)) == D(2026, 12, 4)
    assert rules.effective_from(ends, D(2026, 12, 9)) == D(2026, 12, 9)   # reconsidered or approved later
    assert rules.effective_from(D(2026, 12, 31), None) == D(2027, 1, 1)


@pytest.mark.parametrize(("escalation", "outcome"), [
    ("", publicity_rules.TAKES_EFFECT), ("approved", publicity_rules.TAKES_EFFECT),
    ("rejected", publicity_rules.REFUSED), ("pending", publicity_rules.WAITS), ("something new", publicity_rules.WAITS),
])
def test_item_outcome_follows_the_escalation(escalation, outcome):
    assert publicity_rules.item_outcome(escalation) == outcome
