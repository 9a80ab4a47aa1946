"""Respondents (S1): names only for the survey team and supervisors, tested per role; pools kept by the
village's makers; random draws reproducible from their recorded seed; scope (R1) on every page."""

import pytest
from django.core.exceptions import PermissionDenied
from django_scopes import scopes_disabled

from sunshine_credit.scoping import activate, scope_for_user
from surveys.models import Respondent, RespondentDraw
from surveys.services.campaigns import DrawRefused, default_draw_size, draw_sample, respondent_draw
from tests.surveys.campaign_world import zh
from tests.surveys.factories import CampaignFactory, RespondentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campaign_stage")]


def pool_url(county, village="v_a", campaign=None):
    return f"/surveys/campaigns/{(campaign or county.campaign).pk}/villages/{county[village].pk}/respondents/"


def draw_as(county, user_key, *, size=None, campaign=None, village="v_a"):
    user = county[user_key]
    scope = scope_for_user(user)
    with activate(scope):
        return respondent_draw(scope=scope, actor=user, campaign=campaign or county.campaign,
                               village_id=county[village].pk, size=size)


# --- Who sees names (S1) -------------------------------------------------------------------------

@pytest.mark.parametrize("role, visible", [("tina", True), ("sue", True), ("olga", False), ("pat", False),
                                           ("ada", False)])
def test_names_on_the_pool_page_per_role(client, county, role, visible):
    client.force_login(county[role])
    response = client.get(pool_url(county))
    assert response.status_code == 200
    content = response.content.decode()
    assert "R01" in content and "R07" in content  # codes for everyone
    assert ("评议人1" in content) is visible
    assert ("137****1111" in content) is visible
    assert "13700001111" not in content  # R5: phones masked even for the team


@pytest.mark.parametrize("role, visible", [("tina", True), ("sue", True), ("olga", False), ("pat", False),
                                           ("ada", False)])
def test_names_in_the_draw_list_per_role(client, county, role, visible):
    draw = draw_as(county, "tina", size=6)
    client.force_login(county[role])
    content = client.get(pool_url(county)).content.decode()
    assert draw.draw.seed in content
    with scopes_disabled():
        drawn = list(draw.draw.respondents.order_by("code"))
    assert all(r.code in content for r in drawn)
    assert any(r.name in content for r in drawn) is visible


def test_names_follow_the_campaigns_team_not_the_village(client, county):
    """A pool is per village, but who sees names is decided per campaign."""
    with scopes_disabled():
        other = CampaignFactory(head_office=county.campaign.head_office)
    client.force_login(county.tina)
    assert "评议人1" not in client.get(pool_url(county, campaign=other)).content.decode()
    client.force_login(county.sue)
    assert "评议人1" in client.get(pool_url(county, campaign=other)).content.decode()


# --- Scope (R1) ----------------------------------------------------------------------------------

def test_pool_of_a_village_outside_the_scope_is_404(client, county):
    client.force_login(county.bob)
    assert client.get(pool_url(county, "v_b")).status_code == 200
    assert client.get(pool_url(county, "v_a")).status_code == 404
    assert client.get(pool_url(county, "v_a") + "new/").status_code == 404
    respondent = county.respondents[0]
    assert client.get(pool_url(county, "v_a") + f"{respondent.pk}/edit/").status_code == 404
    assert client.post(pool_url(county, "v_a") + f"{respondent.pk}/edit/",
                       {"code": "X1", "kind": "other", "active": "on"}).status_code == 404
    assert client.post(pool_url(county, "v_a") + "draw/", {"size": 6}).status_code == 404
    with scopes_disabled():
        assert not RespondentDraw.objects.exists()
        assert Respondent.objects.get(pk=respondent.pk).code == "R01"


def test_a_respondent_is_reached_only_through_its_own_village(client, county):
    with scopes_disabled():
        stranger = RespondentFactory(village=county.v_b, code="B1")
    client.force_login(county.tina)
    assert client.get(pool_url(county, "v_a") + f"{county.respondents[0].pk}/edit/").status_code == 200
    assert client.get(pool_url(county, "v_a") + f"{stranger.pk}/edit/").status_code == 404


@pytest.mark.parametrize("role", ["pat", "sue"])
def test_read_only_roles_cannot_keep_the_pool(client, county, role):
    client.force_login(county[role])
    respondent = county.respondents[0]
    assert client.get(pool_url(county) + "new/").status_code == 404
    assert client.get(pool_url(county) + f"{respondent.pk}/edit/").status_code == 404
    assert client.post(pool_url(county) + "draw/", {"size": 6}).status_code == 404
    with scopes_disabled():
        assert not RespondentDraw.objects.exists()


# --- Keeping the pool ----------------------------------------------------------------------------

def test_team_member_adds_a_respondent_with_name(client, county):
    client.force_login(county.tina)
    response = client.post(pool_url(county) + "new/", {"code": "R20", "name": "老支书", "kind": "cadre",
                                                      "phone": "13900002222", "active": "on"})
    assert response.status_code == 302
    with scopes_disabled():
        added = Respondent.objects.get(village=county.v_a, code="R20")
    assert (added.name, added.kind, added.phone, added.active) == ("老支书", "cadre", "13900002222", True)


def test_officer_outside_the_team_keeps_codes_but_never_names(client, county):
    client.force_login(county.olga)
    form_page = client.get(pool_url(county) + f"{county.respondents[0].pk}/edit/").content.decode()
    assert 'name="name"' not in form_page and "评议人1" not in form_page
    client.post(pool_url(county) + "new/", {"code": "R21", "name": "偷填", "kind": "other", "active": "on"})
    response = client.post(pool_url(county) + f"{county.respondents[0].pk}/edit/",
                           {"code": "R01", "name": "改名", "kind": "shopkeeper"})
    assert response.status_code == 302
    with scopes_disabled():
        assert Respondent.objects.get(code="R21").name == ""
        edited = Respondent.objects.get(pk=county.respondents[0].pk)
    assert (edited.name, edited.kind, edited.active) == ("评议人1", "shopkeeper", False)


def test_code_is_unique_in_the_village(client, county):
    client.force_login(county.tina)
    response = client.post(pool_url(county) + "new/", {"code": "R01", "kind": "other", "active": "on"})
    assert response.status_code == 200
    assert zh("The code %(code)s is already in this village's pool.", code="R01") in response.content.decode()
    with scopes_disabled():
        assert Respondent.objects.filter(village=county.v_a, code="R01").count() == 1
        RespondentFactory(village=county.v_b, code="R30")
    # The same code in another village is another respondent.
    assert client.post(pool_url(county) + "new/", {"code": "R30", "kind": "other", "active": "on"}).status_code == 302


# --- Random draws --------------------------------------------------------------------------------

def test_draw_is_reproducible_from_its_seed_and_records_who_drew(county):
    result = draw_as(county, "olga")
    draw = result.draw
    with scopes_disabled():
        draw.refresh_from_db()
        drawn = sorted(draw.respondents.values_list("id", flat=True))
        pool = list(Respondent.objects.filter(village=county.v_a, active=True).values_list("id", flat=True))
    assert draw.drawn_by == county.olga and draw.drawn_at is not None
    assert len(draw.seed) == 16 and int(draw.seed, 16) >= 0
    assert draw.size == default_draw_size(county.campaign) == 6 == len(drawn)
    assert draw_sample(pool, draw.size, draw.seed) == drawn == result.respondent_ids
    assert draw_sample(list(reversed(pool)), draw.size, draw.seed) == drawn  # the pool's order does not matter


def test_same_seed_same_draw_other_seed_usually_other_draw():
    pool = list(range(100, 140))
    assert draw_sample(pool, 6, "00ff00ff00ff00ff") == draw_sample(pool, 6, "00ff00ff00ff00ff")
    assert len({tuple(draw_sample(pool, 6, f"{seed:016x}")) for seed in range(20)}) > 1


def test_draw_takes_active_respondents_only(county):
    with scopes_disabled():
        Respondent.objects.filter(code__in=["R01", "R02"]).update(active=False)
    with pytest.raises(DrawRefused):
        draw_as(county, "tina", size=6)
    drawn = draw_as(county, "tina", size=5).respondent_ids
    with scopes_disabled():
        assert not set(Respondent.objects.filter(active=False).values_list("id", flat=True)) & set(drawn)


def test_draw_refused_when_the_pool_is_too_small(client, county):
    with pytest.raises(DrawRefused):
        draw_as(county, "tina", size=8)
    client.force_login(county.tina)
    response = client.post(pool_url(county) + "draw/", {"size": 8}, follow=True)
    assert zh("The village's pool has %(pool)d active respondents; %(n)d are to be drawn. "
              "Add respondents to the pool first.", pool=7, n=8) in response.content.decode()
    with scopes_disabled():
        assert not RespondentDraw.objects.exists()


def test_draw_below_the_campaigns_minimum_is_refused(client, county):
    with pytest.raises(DrawRefused):
        draw_as(county, "tina", size=4)
    client.force_login(county.tina)
    client.post(pool_url(county) + "draw/", {"size": 4})
    with scopes_disabled():
        assert not RespondentDraw.objects.exists()


def test_draw_from_the_page_records_the_drawer(client, county):
    client.force_login(county.olga)
    response = client.post(pool_url(county) + "draw/", {"size": 7}, follow=True)
    assert response.status_code == 200
    with scopes_disabled():
        draw = RespondentDraw.objects.get()
        assert draw.respondents.count() == 7
    assert (draw.drawn_by, draw.campaign, draw.village) == (county.olga, county.campaign, county.v_a)


def test_draw_refused_for_roles_that_do_not_enter_data(county):
    with pytest.raises(PermissionDenied):
        draw_as(county, "sue")
    with pytest.raises(PermissionDenied):
        draw_as(county, "bob")  # v_a lies outside bob's scope


def test_pool_page_queries_do_not_grow_with_respondents_and_draws(client, county):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(county.tina)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(pool_url(county)).status_code == 200
        return len(ctx.captured_queries)

    draw_as(county, "tina")
    before = queries()
    with scopes_disabled():
        for i in range(10):
            RespondentFactory(village=county.v_a, code=f"N{i:02d}")
    for _ in range(3):
        draw_as(county, "tina", size=8)
    assert queries() == before
