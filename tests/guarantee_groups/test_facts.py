"""guarantee_groups.facts: the two facts of credit use that groups need, provided by credit_use (registered in its
AppConfig.ready) so that groups never import credit_use. A fact without a provider is a configuration error,
never "no lines"."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from guarantee_groups import facts


def test_credit_use_provides_every_fact():
    for fact in facts.FACTS:
        assert callable(facts._provider(fact))


def test_a_fact_without_a_provider_is_a_configuration_error(monkeypatch):
    monkeypatch.setattr(facts, "_providers", {})
    with pytest.raises(ImproperlyConfigured, match="credit_use"):
        facts.effective_lines([1, 2])
    with pytest.raises(ImproperlyConfigured, match="credit_use"):
        facts.open_drawdown_guaranteed_by(1)


def test_only_known_facts_are_registered():
    with pytest.raises(ValueError):
        facts.register("household_income", lambda *args: None)


def test_the_provider_gets_integer_ids_and_today(monkeypatch):
    asked = []

    def provide(household_ids, today):
        asked.append((household_ids, today))
        return {7: facts.LineFact(pk=70, household_id=7, amount=Decimal(30000))}

    monkeypatch.setattr(facts, "_providers", {facts.EFFECTIVE_LINES: provide})
    day = datetime.date(2026, 12, 5)
    assert facts.effective_lines({"7"}, today=day)[7].amount == Decimal(30000)
    assert asked == [([7], day)]
