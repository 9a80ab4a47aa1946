"""P1/P2: a board lists the panel's granted households with recorded consent, by group, masked names."""

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from appraisal.models import Decision
from publicity.selectors import board_rows
from sunshine_credit.scoping import activate, scope_for_user
from tests.appraisal.factories import make_panel_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(county):
    """Five households of 东岭村 before its panel (make_panel_world), decided granted / granted / withheld / granted /
    removed; A-0004 without consent."""
    make_panel_world(county, households=5)
    panel = county.panel
    statuses = ["granted", "granted", "withheld", "granted", "removed"]
    with scopes_disabled():
        for i, (home, status) in enumerate(zip(county.households, statuses, strict=True)):
            home.publicity_consent = i != 3  # A-0004 has not consented
            home.save()
            Decision.objects.create(campaign=county.campaign, panel=panel, household=home, computed_status=status,
                                    status=status, amount=Decimal(50000 + i * 1000) if status == "granted" else None)
    return county


def test_board_lists_granted_households_with_consent_by_group(county):
    with activate(scope_for_user(county.tina)):
        rows = board_rows(campaign_id=county.campaign.pk, village_id=county.v_a.pk)
    # A-0001 (1组) and A-0002 (2组) granted with consent; A-0003 withheld, A-0004 no consent, A-0005 removed.
    assert [(r.group, r.code, r.name, r.amount) for r in rows] == [
        ("1组", "A-0001", "农*1", Decimal("50000.00")), ("2组", "A-0002", "农*2", Decimal("51000.00"))]


def test_board_shows_full_names_when_the_branch_chooses(county):
    with activate(scope_for_user(county.tina)):
        rows = board_rows(campaign_id=county.campaign.pk, village_id=county.v_a.pk, full_names=True)
    assert [r.name for r in rows] == ["农户1", "农户2"]


def test_board_rows_read_only_what_a_board_may_show(county):
    with activate(scope_for_user(county.tina)):
        rows = board_rows(campaign_id=county.campaign.pk, village_id=county.v_a.pk)
    assert all(set(vars(r)) == {"group", "code", "name", "amount", "household_id", "decision_id"} for r in rows)


def test_board_rows_are_empty_outside_the_scope(county):
    with activate(scope_for_user(county.bob)):
        assert board_rows(campaign_id=county.campaign.pk, village_id=county.v_a.pk) == []
