"""Issue 15: a round's households are fixed when the round opens (PanelHousehold): a roster imported, or households
archived, while 东岭村's round is open change no reviewer's grid, booklet, decision or board, and the panel page
lists them as waiting for the next round. Only archived households with nobody blacklisted enter a round, and a
household blacklisted (or excluded) while the round runs is never 拟授信 through the panel."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django_scopes import scopes_disabled

from appraisal.models import Decision, Panel, PanelHousehold
from appraisal.selectors import booklet_households, panel_households, panel_or_404, seat_households
from appraisal.services import decisions as services_decisions
from appraisal.services import panels as services_panels
from appraisal.services.decisions import DecisionRefused
from households.imports import roster_apply
from households.models import ArchiveStatus, Exclusion, Household
from households.rules import BLACKLISTED, EXCLUDED, ineligibility_text
from publicity.selectors import board_rows
from sunshine_credit.lib.excel import open_upload
from sunshine_credit.models import BlacklistEntry
from sunshine_credit.scoping import activate, scope_for_user
from tests.appraisal.factories import make_panel_world
from tests.appraisal.test_decisions import close, enter
from tests.factories import make_id_number
from tests.households.roster_files import roster_bytes, roster_row

pytestmark = pytest.mark.django_db
AMOUNTS = (50000, 60000, 70000, 80000, 90000)  # trimmed mean of the middle three: 70,000


@pytest.fixture
def county(county):
    """东岭村's panel being formed over three archived households A-0001…A-0003."""
    return make_panel_world(county, households=3, status=Panel.Status.FORMING)


def open_round(county):
    with scopes_disabled():
        county.panel.refresh_from_db()
    services_panels.round_open(scope=scope_for_user(county.tina), actor=county.tina, panel_id=county.panel.pk,
                               version=county.panel.version)
    with scopes_disabled():
        county.panel.refresh_from_db()


def import_roster(county, n):
    """n new households of 东岭村 through the roster import (H6), as an officer uploads them."""
    rows = [roster_row(county.branch_a.code, county.v_a.code, f"A-NEW-{i:03d}", f"新户{i}",
                       make_id_number(datetime.date(1970, 1, 1), sequence=500 + i), group=county.g1.name)
            for i in range(n)]
    plan, _ = roster_apply(open_upload(roster_bytes(rows)).rows, scope=scope_for_user(county.tina), actor=county.tina)
    assert plan.ok, plan.errors[:3]


def codes(queryset) -> set[str]:
    with scopes_disabled():
        return set(queryset.values_list("code", flat=True))


def grid_codes(client, county, seat=0) -> set[str]:
    client.force_login(county.reviewers[seat].user)
    rows = client.get(reverse("appraisal:seat_grid", args=[county.panel.pk, county.g1.pk])).context["rows"]
    return {row.code for row in rows}


ROUND = {"A-0001", "A-0002", "A-0003"}


def test_a_roster_imported_during_an_open_round_leaves_the_rounds_households_unchanged(client, county):
    open_round(county)
    before = grid_codes(client, county)
    with scopes_disabled():
        assert codes(panel_households(county.panel)) == ROUND and before == {"A-0001", "A-0003"}  # 1组 of the three
    import_roster(county, 40)
    with scopes_disabled():  # and the officer archives them all while the round is still open
        Household.objects.filter(code__startswith="A-NEW-").update(archive_status=ArchiveStatus.ARCHIVED)
        seat = county.panel.members.get(seat=1)
        assert codes(seat_households(seat)) == ROUND
        assert {row[0] for row in booklet_households(county.panel, seat)} == ROUND
    assert grid_codes(client, county) == before and grid_codes(client, county, seat=4) == before
    # The panel page lists the newcomers as waiting for the next round.
    client.force_login(county.tina)
    html = client.get(reverse("appraisal:panel_detail", args=[county.panel.pk])).content.decode()
    waiting = html.split('id="households-waiting"')[1].split("</details>")[0]
    assert "A-NEW-000" in waiting and "A-NEW-039" in waiting and "A-0001" not in waiting
    # Closing computes decisions for the round's households only, and the board lists only them.
    for i in range(3):
        enter(county, i, AMOUNTS)
    close(county)
    with scopes_disabled():
        assert set(Decision.objects.filter(panel=county.panel).values_list("household__code", flat=True)) == ROUND
        Household.objects.filter(village=county.v_a).update(publicity_consent=True)
        services_decisions.decisions_accept_computed(scope=scope_for_user(county.tina), actor=county.tina,
                                                     panel_id=county.panel.pk)
    with activate(scope_for_user(county.tina)):
        assert {row.code for row in board_rows(campaign_id=county.campaign.pk, village_id=county.v_a.pk)} == ROUND


def test_while_forming_the_panel_shows_who_will_enter_and_nobody_waits(client, county):
    import_roster(county, 2)  # on the roster only: not archived, they do not enter
    client.force_login(county.tina)
    response = client.get(reverse("appraisal:panel_detail", args=[county.panel.pk]))
    assert response.context["round_count"] == 3 and list(response.context["waiting"]) == []
    assert 'id="households-waiting"' not in response.content.decode()


def test_excluded_unarchived_and_blacklisted_households_never_enter_a_round(county):
    with scopes_disabled():
        county.household(county.v_a, code="A-EXCL", archive_status=ArchiveStatus.EXCLUDED, exclusion=Exclusion.IDLE)
        county.household(county.v_a, code="A-ROSTER", archived=False)
        black = county.household(county.v_a, code="A-BLACK")
        BlacklistEntry.objects.create(head_office=county.head_office, id_number=black.representative.id_number,
                                      reason="恶意逃废债")
    open_round(county)
    with scopes_disabled():
        assert codes(panel_households(county.panel)) == ROUND
        assert PanelHousehold.objects.filter(panel=county.panel).count() == 3


@pytest.mark.parametrize("change, code", [("blacklist", BLACKLISTED), ("exclude", EXCLUDED)])
def test_a_household_blacklisted_or_excluded_during_the_round_is_never_proposed(client, county, change, code):
    open_round(county)
    for i in range(3):
        enter(county, i, AMOUNTS)
    home = county.households[1]
    with scopes_disabled():
        if change == "blacklist":
            BlacklistEntry.objects.create(head_office=county.head_office, id_number=home.representative.id_number,
                                          reason="恶意逃废债")
        else:
            Household.objects.filter(pk=home.pk).update(archive_status=ArchiveStatus.EXCLUDED,
                                                        exclusion=Exclusion.VICE)
    close(county)
    with scopes_disabled():
        decisions = {d.household_id: d for d in Decision.objects.filter(panel=county.panel)}
    assert decisions[home.pk].computed_status == "ineligible" and decisions[home.pk].computed_amount is None
    assert decisions[county.households[0].pk].computed_status == "granted"  # the boundary: the others are granted
    assert decisions[county.households[0].pk].computed_amount == Decimal(70000)
    # Nor can the panel decide it granted, even with a written reason.
    scope = scope_for_user(county.tina)
    with pytest.raises(DecisionRefused) as refused:
        services_decisions.decision_set(scope=scope, actor=county.tina, decision_id=decisions[home.pk].pk,
                                        version=decisions[home.pk].version, status="granted",
                                        amount=Decimal(70000), reason="评议小组认为可以授信")
    assert str(refused.value) == str(ineligibility_text(code))
    with scopes_disabled():
        Household.objects.filter(village=county.v_a).update(publicity_consent=True)
    services_decisions.decisions_accept_computed(scope=scope, actor=county.tina, panel_id=county.panel.pk)
    with activate(scope):
        listed = {row.code for row in board_rows(campaign_id=county.campaign.pk, village_id=county.v_a.pk)}
    assert listed == {"A-0001", "A-0003"}


def test_a_household_blacklisted_after_the_decision_never_reaches_the_board(county):
    open_round(county)
    for i in range(3):
        enter(county, i, AMOUNTS)
    close(county)
    scope = scope_for_user(county.tina)
    with scopes_disabled():
        Household.objects.filter(village=county.v_a).update(publicity_consent=True)
    services_decisions.decisions_accept_computed(scope=scope, actor=county.tina, panel_id=county.panel.pk)
    home = county.households[2]
    with scopes_disabled():
        BlacklistEntry.objects.create(head_office=county.head_office, id_number=home.representative.id_number,
                                      reason="恶意逃废债")
    with activate(scope):
        assert {row.code for row in board_rows(campaign_id=county.campaign.pk, village_id=county.v_a.pk)} == {
            "A-0001", "A-0002"}


def test_the_panel_page_says_the_round_is_fixed(client, county):
    open_round(county)
    client.force_login(county.tina)
    with translation.override("en"):
        html = client.get(reverse("appraisal:panel_detail", args=[county.panel.pk]),
                          HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="round-households"' in html
    with activate(scope_for_user(county.tina)):
        assert panel_or_404(scope_for_user(county.tina), county.panel.pk).status == Panel.Status.OPEN
