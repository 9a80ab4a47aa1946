"""A3/A5: back-to-back entry, closing the round, the computed result of every household."""

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from appraisal.models import Decision, Panel
from appraisal.services import entry as services_entry
from appraisal.services import panels as services_panels
from appraisal.services.entry import EntryInput, EntryRefused
from sunshine_credit.scoping import scope_for_user
from tests.appraisal.factories import make_panel_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(county):
    """make_panel_world: an open round over three households of 东岭村."""
    return make_panel_world(county)


def enter(county, amounts, ratings=(1, 2, 2, 3, 1), household=0):
    home = county.households[household]
    for reviewer, amount, rating in zip(county.reviewers, amounts, ratings, strict=False):
        values = EntryInput(amount=Decimal(amount), rating=rating) if amount else EntryInput(reasons=[2])
        services_entry.appraisal_save(actor=reviewer.user, panel_id=county.panel.pk, household_id=home.pk,
                                      values=values, version=0)


def close(county):
    panel = county.panel
    with scopes_disabled():
        panel.refresh_from_db()
    return services_panels.round_close(scope=scope_for_user(county.tina), actor=county.tina, panel_id=panel.pk,
                                       version=panel.version)


def test_closing_computes_trimmed_mean_and_median_rating(county):
    enter(county, [30000, 50000, 52000, 55000, 90000], ratings=(1, 2, 2, 3, 1))
    close(county)
    with scopes_disabled():
        decision = Decision.objects.get(household=county.households[0])
        assert county.panel.__class__.objects.get(pk=county.panel.pk).status == Panel.Status.CLOSED
        others = Decision.objects.exclude(pk=decision.pk)
        assert {d.computed_status for d in others} == {"incomplete"}
    # drop 30,000 and 90,000; (50,000 + 52,000 + 55,000) / 3 = 52,333.33 → 52,000
    assert decision.computed_status == "granted"
    assert decision.computed_amount == Decimal("52000")
    assert decision.rating == 2
    assert decision.status == ""  # nothing decided yet


def test_any_withhold_reason_withholds(county):
    enter(county, [30000, 50000, 0, 55000, 90000])
    close(county)
    with scopes_disabled():
        decision = Decision.objects.get(household=county.households[0])
    assert decision.computed_status == "withheld" and decision.reasons == {"2": 1}


def test_no_entry_after_close(county):
    close(county)
    with pytest.raises(EntryRefused):
        enter(county, [30000])
