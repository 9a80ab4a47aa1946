"""Campaigns (SPEC §4): the command of §11, who may set them up, method minimums (L4), optimistic
locking (R3), head-office scope (O2) and one query per list."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from surveys.models import Campaign, Method
from surveys.services.campaigns import method_minimum_message
from tests.commands import run_json
from tests.factories import (
    BlacklistEntryFactory,
    HeadOfficeFactory,
    HouseholdFactory,
    StaffFactory,
    VillageFactory,
)
from tests.surveys.campaign_world import zh
from tests.surveys.factories import CampaignFactory, QuestionnaireFactory

pytestmark = pytest.mark.django_db
in_survey = pytest.mark.usefixtures("campaign_stage")  # the campaign's team, households and respondents


def run_command(*args):
    return run_json("create_campaign", *args)  # exactly one JSON object, nothing else


def campaign_codes():
    with scopes_disabled():
        return sorted(Campaign.objects.values_list("code", flat=True))


# --- create_campaign (SPEC §11) ------------------------------------------------------------------

def test_command_creates_a_campaign_with_its_settings(county):
    code, result = run_command("2026-1", "2026年第一批", "--method", "mean", "--min-respondents", "6",
                               "--rounding", "500", "--reference-date", "2026-12-01", "--notice-days", "5",
                               "--ordinal", "2")
    assert code == 0 and result["ok"] is True
    with scopes_disabled():
        campaign = Campaign.objects.get(pk=result["campaign_id"])
    assert (campaign.code, campaign.name, campaign.method, campaign.min_respondents) == ("2026-1", "2026年第一批",
                                                                                          Method.MEAN, 6)
    assert campaign.rounding_unit == Decimal(500) and campaign.reference_date == datetime.date(2026, 12, 1)
    assert (campaign.notice_days, campaign.ordinal) == (5, 2)
    assert campaign.head_office_id == county.head_office.id


def test_command_defaults_to_the_methods_minimum(county):
    code, result = run_command("M", "均值批", "--method", "mean")
    assert code == 0 and result["min_respondents"] == 6 and result["method"] == "mean"
    code, result = run_command("T", "截尾批")
    assert code == 0 and result["min_respondents"] == 5 and result["method"] == "trimmed"


def test_command_refuses_a_duplicate_code_with_exit_1(county):
    assert run_command("DUP", "第一批")[0] == 0
    code, result = run_command("DUP", "又一批")
    assert code == 1 and result["ok"] is False and result["errors"][0]["field"] == "code"
    assert campaign_codes().count("DUP") == 1


def test_command_refuses_mean_with_a_minimum_of_5(county):
    before = campaign_codes()
    code, result = run_command("MEAN5", "均值五人", "--method", "mean", "--min-respondents", "5")
    assert code == 1 and result["ok"] is False
    assert result["message"] == method_minimum_message("mean", 6)
    assert campaign_codes() == before


def test_command_usage_errors_exit_2(county):
    assert run_command("X", "批", "--reference-date", "2026/12/01")[0] == 2
    assert run_command("X", "批", "--rounding", "lots")[0] == 2
    assert "X" not in campaign_codes()


def test_command_needs_the_head_office_when_there_are_several(county):
    with scopes_disabled():
        HeadOfficeFactory(code="HQ2", name="另一家")
    assert run_command("Y", "批")[0] == 2
    code, result = run_command("Y", "批", "--head-office", "HQ2")
    assert code == 0
    with scopes_disabled():
        assert Campaign.objects.get(pk=result["campaign_id"]).head_office.code == "HQ2"


# --- Create and edit pages (admins only) ---------------------------------------------------------

def form_data(**fields):
    data = {"code": "2026-2", "name": "2026年第二批", "ordinal": 2, "method": "trimmed", "min_respondents": 5,
            "rounding_unit": "1000", "income_band_low": "1.1", "income_band_high": "1.5",
            "reference_date": "2026-11-01", "notice_days": 3, "version": ""}
    data.update(fields)
    return data


@in_survey
@pytest.mark.parametrize("role", ["tina", "olga", "pat", "sue", "bob"])
def test_only_administrators_create_campaigns(client, county, role):
    client.force_login(county[role])
    assert client.get("/surveys/campaigns/new/").status_code == 403
    assert client.post("/surveys/campaigns/new/", form_data()).status_code == 403
    assert "2026-2" not in campaign_codes()


@in_survey
def test_administrator_creates_a_campaign_with_its_team(client, county):
    client.force_login(county.ada)
    assert client.get("/surveys/campaigns/new/").status_code == 200
    response = client.post("/surveys/campaigns/new/", form_data(survey_team=[county.olga.pk]))
    assert response.status_code == 302
    with scopes_disabled():
        campaign = Campaign.objects.get(code="2026-2")
        assert list(campaign.survey_team.all()) == [county.olga]
    assert campaign.created_by == county.ada and campaign.version == 1


def test_team_members_must_be_staff_of_the_head_office(client, county):
    with scopes_disabled():
        outsider = StaffFactory(branch=VillageFactory(branch__head_office=HeadOfficeFactory(code="HQ2")).branch).user
    client.force_login(county.ada)
    response = client.post("/surveys/campaigns/new/", form_data(survey_team=[outsider.pk]))
    assert response.status_code == 200 and "2026-2" not in campaign_codes()


def test_form_refuses_a_minimum_below_the_methods(client, county):
    client.force_login(county.ada)
    response = client.post("/surveys/campaigns/new/", form_data(method="mean", min_respondents=5))
    assert response.status_code == 200
    assert zh("The method “%(method)s” needs at least %(n)d respondents; raise the minimum respondents.",
              method=str(Method.MEAN.label), n=6) in response.content.decode()
    assert "2026-2" not in campaign_codes()


def test_form_refuses_a_duplicate_code(client, county):
    client.force_login(county.ada)
    response = client.post("/surveys/campaigns/new/", form_data(code=county.campaign.code))
    assert response.status_code == 200
    assert zh("A campaign with the code %(code)s already exists.",
              code=county.campaign.code) in response.content.decode()


@in_survey
def test_edit_saves_and_bumps_the_version(client, county):
    campaign = county.campaign
    client.force_login(county.ada)
    assert client.get(f"/surveys/campaigns/{campaign.pk}/edit/").status_code == 200
    response = client.post(f"/surveys/campaigns/{campaign.pk}/edit/",
                           form_data(code=campaign.code, name="改名", notice_days=7, version=1,
                                     survey_team=[county.tina.pk, county.olga.pk]))
    assert response.status_code == 302
    with scopes_disabled():
        campaign.refresh_from_db()
        assert campaign.survey_team.count() == 2
    assert (campaign.name, campaign.notice_days, campaign.version) == ("改名", 7, 2)


def test_edit_of_a_stale_version_writes_nothing(client, county):
    campaign = county.campaign
    client.force_login(county.ada)
    # Someone saves first (version 1 -> 2) ...
    assert client.post(f"/surveys/campaigns/{campaign.pk}/edit/",
                       form_data(code=campaign.code, name="先存", version=1)).status_code == 302
    # ... then the form loaded at version 1 comes back.
    response = client.post(f"/surveys/campaigns/{campaign.pk}/edit/",
                           form_data(code=campaign.code, name="后存", notice_days=9, version=1))
    assert response.status_code == 200
    content = response.content.decode()
    assert zh("This campaign was changed by someone else while you were editing it.") in content
    assert 'name="version" value="2"' in content
    with scopes_disabled():
        campaign.refresh_from_db()
    assert (campaign.name, campaign.notice_days, campaign.version) == ("先存", 3, 2)


@pytest.mark.parametrize("role", ["tina", "pat", "sue"])
def test_only_administrators_edit_campaigns(client, county, role):
    campaign = county.campaign
    client.force_login(county[role])
    assert client.get(f"/surveys/campaigns/{campaign.pk}/edit/").status_code == 403
    assert client.post(f"/surveys/campaigns/{campaign.pk}/edit/",
                       form_data(code=campaign.code, name="改名", version=1)).status_code == 403
    with scopes_disabled():
        campaign.refresh_from_db()
    assert campaign.version == 1


# --- Scope (O2/R1) and lists ----------------------------------------------------------------------

@in_survey
def test_campaigns_of_another_head_office_do_not_exist(client, county):
    with scopes_disabled():
        other = CampaignFactory(head_office=HeadOfficeFactory(code="HQ2", name="另一家"), code="OTHER")
    for user in ("tina", "ada"):
        client.force_login(county[user])
        listing = client.get("/surveys/campaigns/").content.decode()
        assert county.campaign.code in listing and "OTHER" not in listing
        assert client.get(f"/surveys/campaigns/{county.campaign.pk}/").status_code == 200
        assert client.get(f"/surveys/campaigns/{other.pk}/").status_code == 404
        assert client.get(f"/surveys/campaigns/{other.pk}/edit/").status_code in (403, 404)
    client.force_login(county.ada)
    assert client.post(f"/surveys/campaigns/{other.pk}/edit/", form_data(code="OTHER", version=1)).status_code == 404


@in_survey
def test_detail_lists_only_the_villages_of_the_users_scope_with_counts(client, county):
    campaign = county.campaign
    with scopes_disabled():
        QuestionnaireFactory(campaign=campaign, household=county.h_a, respondent=county.respondents[0])
    client.force_login(county.tina)
    content = client.get(f"/surveys/campaigns/{campaign.pk}/").content.decode()
    assert county.v_a.name in content and county.v_b.name not in content
    assert f"/surveys/campaigns/{campaign.pk}/villages/{county.v_a.pk}/respondents/" in content
    assert f"?campaign={campaign.pk}&amp;village={county.v_a.pk}" in content  # the entry grid, for makers
    assert reverse("surveys:summary_village", args=(campaign.pk, county.v_a.pk)) in content
    client.force_login(county.bob)
    content = client.get(f"/surveys/campaigns/{campaign.pk}/").content.decode()
    assert county.v_b.name in content and county.v_a.name not in content
    client.force_login(county.sue)
    villages = client.get(f"/surveys/campaigns/{campaign.pk}/").context["villages"]
    counts = {v.pk: (v.household_count, v.respondent_count, v.questionnaire_count) for v, _ in villages}
    assert counts == {county.v_a.pk: (1, 7, 1), county.v_a2.pk: (0, 0, 0), county.v_b.pk: (1, 0, 0)}


@in_survey
def test_detail_counts_only_the_households_that_may_be_surveyed(client, county):
    """Issue 15: a village's count on the campaign page is of the households the entry grid will offer
    (archived, nobody blacklisted); the total is shown beside it when they differ."""
    with scopes_disabled():
        HouseholdFactory(village=county.v_a, archive_status="roster")
        HouseholdFactory(village=county.v_a, archive_status="excluded", exclusion="idle")
        listed = HouseholdFactory(village=county.v_a)
        BlacklistEntryFactory(head_office=county.v_a.branch.head_office,
                              id_number=listed.members.first().id_number)
    client.force_login(county.sue)
    response = client.get(f"/surveys/campaigns/{county.campaign.pk}/")
    counts = {v.pk: (v.eligible_count, v.household_count) for v, _ in response.context["villages"]}
    assert counts[county.v_a.pk] == (1, 4)
    assert counts[county.v_b.pk] == (1, 1)
    assert '<span class="eligible-count">1</span>' in response.content.decode()


@in_survey
def test_list_and_detail_query_counts_do_not_grow_with_rows(client, county):
    client.force_login(county.sue)
    campaign = county.campaign

    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    list_before, detail_before = queries("/surveys/campaigns/"), queries(f"/surveys/campaigns/{campaign.pk}/")
    with scopes_disabled():
        for _ in range(4):
            CampaignFactory(head_office=campaign.head_office).survey_team.add(county.tina)
            village = VillageFactory(branch=county.v_a.branch)
            HouseholdFactory(village=village)
    assert queries("/surveys/campaigns/") == list_before
    assert queries(f"/surveys/campaigns/{campaign.pk}/") == detail_before


@in_survey
def test_nav_links_to_the_campaigns(client, county):
    client.force_login(county.olga)
    assert 'href="/surveys/campaigns/"' in client.get("/surveys/campaigns/").content.decode()


def test_pages_need_a_login(client, county):
    campaign, village = county.campaign, county.v_a
    for url in ("/surveys/campaigns/", "/surveys/campaigns/new/", f"/surveys/campaigns/{campaign.pk}/",
                f"/surveys/campaigns/{campaign.pk}/edit/",
                f"/surveys/campaigns/{campaign.pk}/villages/{village.pk}/respondents/",
                f"/surveys/campaigns/{campaign.pk}/villages/{village.pk}/questionnaires.pdf", "/files/1/",
                "/files/1/open/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
