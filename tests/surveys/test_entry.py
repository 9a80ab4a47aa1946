"""S2 questionnaire entry: row grammar (codes, 万/w amounts, yes/no), the grid, saving a row as an upsert
with optimistic locking (R3), validation, scope (R1: read-only roles and other branches get 404) and
respondents' names only for the survey team (S1)."""

import datetime
import json
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import translation
from django.utils.translation import gettext
from django_scopes import scopes_disabled

from sunshine_credit.lib.money import AmountError, parse_amount
from sunshine_credit.scoping import activate, scope_for_user
from surveys.forms import EntryError, parse_codes, parse_row, parse_yes_no
from surveys.models import Questionnaire, RespondentDraw
from surveys.rules import RowInput, RowInvalid
from surveys.selectors import entry_respondents
from tests.factories import HouseholdFactory, MemberFactory, staff_for
from tests.surveys.factories import CampaignFactory, QuestionnaireFactory, RespondentFactory


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return gettext(msgid)


# --- Row grammar (pure: no database) ------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("1 7", [1, 7]), ("1,7", [1, 7]), ("1.7", [1, 7]), ("1，7", [1, 7]), ("7、1", [1, 7]), ("  16  ", [16]),
    ("1  7 7", [1, 7]), ("", []), (None, []),
])
def test_codes_accept_space_comma_and_period(text, expected):
    assert parse_codes(text, maximum=16) == expected


@pytest.mark.parametrize("text, maximum", [("17", 16), ("0", 16), ("10", 9), ("1 a", 16), ("-1", 16)])
def test_codes_outside_their_list_are_refused(text, maximum):
    with pytest.raises(EntryError):
        parse_codes(text, maximum=maximum)


@pytest.mark.parametrize("text, expected", [
    ("83000", "83000.00"), ("83,000", "83000.00"), ("83,000.5", "83000.50"), ("8.3w", "83000.00"),
    ("8.3W", "83000.00"), ("8.3万", "83000.00"), ("8.3 万", "83000.00"), ("8.3万元", "83000.00"), ("3万", "30000.00"),
    ("0", "0.00"), ("12.345", "12.35"), (".5w", "5000.00"), ("83000元", "83000.00"),
])
def test_amounts_in_yuan_or_ten_thousands(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "  ", None])
def test_a_blank_amount_is_not_given(text):
    assert parse_amount(text) is None


@pytest.mark.parametrize("text", ["-5", "-1w", "abc", "8.3k", "8,3w", "1e5", "9999999999w"])
def test_bad_amounts_are_refused(text):
    with pytest.raises(AmountError):
        parse_amount(text)


@pytest.mark.parametrize("text, expected", [("1", True), ("y", True), ("Y", True), ("是", True), ("0", False),
                                            ("n", False), ("否", False), ("", False), (None, False)])
def test_yes_no(text, expected):
    assert parse_yes_no(text) is expected


def test_a_row_reads_every_cell():
    row = parse_row({"business_codes": "1 7", "members_away": "y", "total_assets": "20w",
                     "total_liabilities": "2w", "net_income": "8w", "amount": "8.3w", "withhold_reasons": ""})
    assert row == RowInput(business_codes=[1, 7], members_away=True, total_assets=Decimal("200000.00"),
                           total_liabilities=Decimal("20000.00"), net_income=Decimal("80000.00"),
                           amount=Decimal("83000.00"), withhold_reasons=[])
    assert row.net_assets == Decimal("180000.00")


def test_a_row_needs_an_amount_or_a_withhold_reason():
    with pytest.raises(RowInvalid) as exc:
        parse_row({"business_codes": "1"})
    assert exc.value.errors == {"amount": zh("Type the proposed amount or at least one withhold reason.")}
    assert parse_row({"withhold_reasons": "2 8"}).withhold_reasons == [2, 8]


def test_a_row_reports_every_bad_cell():
    with pytest.raises(RowInvalid) as exc:
        parse_row({"business_codes": "17", "amount": "-3", "withhold_reasons": "10", "members_away": "maybe"})
    assert set(exc.value.errors) == {"business_codes", "amount", "withhold_reasons", "members_away"}


# --- The screens ---------------------------------------------------------------------------------------

@pytest.fixture
def to_survey(county, unscoped):
    """In 东岭村, group g1: households h1 (李大山 and his spouse 王秀英) and h2; respondents r1, r2 in 东岭村 and
    r_b in 西河村; tina on the campaign's survey team, olga (another officer of 东岭村) not on it."""
    county.g_a = county.g1
    county.h1 = HouseholdFactory(village=county.v_a, group=county.g1, code="A-0001", head__name="李大山")
    county.spouse = MemberFactory(household=county.h1, name="王秀英", relation="配偶")
    county.h2 = HouseholdFactory(village=county.v_a, group=county.g1, code="A-0002", head__name="陈二")
    county.r1 = RespondentFactory(village=county.v_a, code="R01", name="老支书周明")
    county.r2 = RespondentFactory(village=county.v_a, code="R02", name="店主吴芳")
    county.r_b = RespondentFactory(village=county.v_b, code="R01", name="西河评")
    county.campaign.survey_team.add(county.tina)
    county.olga = staff_for(county.v_a).user
    return county


in_survey = pytest.mark.usefixtures("to_survey")


def grid_url(w, respondent=None):
    r = respondent or w["r1"]
    return f"/surveys/entry/{w['campaign'].pk}/{w['v_a'].pk}/{w['g_a'].pk}/{r.pk}/"


def save_url(w, respondent=None, village=None):
    r = respondent or w["r1"]
    return f"/surveys/entry/{w['campaign'].pk}/{(village or w['v_a']).pk}/respondents/{r.pk}/save/"


def post_row(client, url, **data):
    body = {"household": None, "version": 0, "business_codes": "1 7", "members_away": "否",
            "total_assets": "20w", "total_liabilities": "2w", "net_income": "8w", "amount": "8.3w",
            "withhold_reasons": ""} | data
    return client.post(url, json.dumps(body), content_type="application/json")


def questionnaires():
    with scopes_disabled():
        return list(Questionnaire.objects.order_by("id").select_related("respondent", "representative"))


@pytest.mark.django_db
@in_survey
@pytest.mark.parametrize("who, status", [("tina", 200), ("olga", 200), ("pat", 404), ("bob", 404)])
def test_the_grid_is_for_makers_of_the_village_only(client, county, who, status):
    client.force_login(county[who])
    assert client.get(grid_url(county)).status_code == status
    response = post_row(client, save_url(county), household=county.h1.pk)
    assert response.status_code == status
    assert len(questionnaires()) == (1 if status == 200 else 0)


@pytest.mark.django_db
@in_survey
def test_start_page_leads_to_the_grid_and_read_only_roles_get_404(client, county):
    client.force_login(county.pat)
    assert client.get("/surveys/entry/").status_code == 404
    client.force_login(county.tina)
    assert client.get("/surveys/entry/").status_code == 200
    query = f"campaign={county.campaign.pk}&village={county.v_a.pk}"
    assert "R02" in client.get(f"/surveys/entry/?{query}").content.decode()
    response = client.get(f"/surveys/entry/?{query}&group={county.g_a.pk}&respondent={county.r1.pk}")
    assert response.status_code == 302 and response["Location"] == grid_url(county)
    # Another branch's village, even named in the query, is 404.
    assert client.get(f"/surveys/entry/?campaign={county.campaign.pk}&village={county.v_b.pk}").status_code == 404


@pytest.mark.django_db
@in_survey
def test_other_branch_respondent_or_household_is_404(client, county):
    client.force_login(county.tina)
    with scopes_disabled():
        h_b = HouseholdFactory(village=county.v_b)
    assert client.get(grid_url(county, county.r_b)).status_code == 404
    assert post_row(client, save_url(county, county.r_b), household=county.h1.pk).status_code == 404
    assert post_row(client, save_url(county), household=h_b.pk).status_code == 404
    assert post_row(client, save_url(county, county.r_b, village=county.v_b), household=h_b.pk).status_code == 404
    assert questionnaires() == []


@pytest.mark.django_db
@in_survey
def test_grid_has_one_row_per_household_of_the_group(client, county):
    client.force_login(county.tina)
    with scopes_disabled():
        HouseholdFactory(village=county.v_a, code="A-OTHER-GROUP")
    html = client.get(grid_url(county)).content.decode()
    assert html.count('class="entry-row"') == 2
    assert "A-0001" in html and "A-0002" in html and "A-OTHER-GROUP" not in html
    assert "李大山" in html and "王秀英" in html      # head, and the members to choose a representative
    assert "js/survey_grid.js" in html and "<script>" not in html  # CSP: no inline script
    assert 'name="csrfmiddlewaretoken"' in html


@pytest.mark.django_db
@in_survey
def test_respondent_names_only_for_the_survey_team(client, county):
    for who, shown in (("tina", True), ("olga", False)):
        client.force_login(county[who])
        grid = client.get(grid_url(county)).content.decode()
        start = client.get(f"/surveys/entry/?campaign={county.campaign.pk}&village={county.v_a.pk}").content.decode()
        assert "R01" in grid and "R02" in start
        assert ("老支书周明" in grid) is shown
        assert ("老支书周明" in start) is shown and ("店主吴芳" in start) is shown


@pytest.mark.django_db
@in_survey
def test_saving_a_row_creates_the_questionnaire_with_surveyor_and_date_from_the_login(client, county):
    client.force_login(county.tina)
    today = datetime.date(2026, 11, 20)
    with mock.patch("surveys.services.entry.timezone.localdate", return_value=today):
        response = post_row(client, save_url(county), household=county.h1.pk, members_away="y",
                            surveyor="someone else", surveyed_on="2020-01-01")
    assert response.status_code == 200
    data = response.json()
    assert data["version"] == 1 and data["net_assets"] == "180000.00"
    [q] = questionnaires()
    assert (q.campaign_id, q.household_id, q.respondent_id) == (county.campaign.pk, county.h1.pk, county.r1.pk)
    assert q.business_codes == [1, 7] and q.members_away is True and q.withhold_reasons == []
    assert (q.total_assets, q.total_liabilities, q.net_income, q.amount) == (
        Decimal(200000), Decimal(20000), Decimal(80000), Decimal(83000))
    assert q.surveyor == county.tina and q.surveyed_on == today
    assert q.representative == county.h1.representative      # the household's representative by default


@pytest.mark.django_db
@in_survey
def test_survey_date_is_today_in_shanghai(client, county, settings):
    client.force_login(county.tina)
    assert settings.TIME_ZONE == "Asia/Shanghai"
    from django.utils import timezone
    post_row(client, save_url(county), household=county.h1.pk)
    assert questionnaires()[0].surveyed_on == timezone.localdate()


@pytest.mark.django_db
@in_survey
def test_saving_again_updates_the_same_questionnaire(client, county):
    client.force_login(county.tina)
    post_row(client, save_url(county), household=county.h1.pk)
    response = post_row(client, save_url(county), household=county.h1.pk, version=1, amount="",
                        withhold_reasons="2,8", representative=county.spouse.pk)
    assert response.status_code == 200 and response.json()["version"] == 2
    [q] = questionnaires()
    assert q.amount is None and q.withhold_reasons == [2, 8] and q.version == 2
    assert q.representative == county.spouse
    # The grid shows the saved row.
    html = client.get(grid_url(county)).content.decode()
    assert 'data-version="2"' in html and 'value="2 8"' in html


@pytest.mark.django_db
@in_survey
def test_a_stale_row_is_refused_and_nothing_is_written(client, county):
    with scopes_disabled():
        QuestionnaireFactory(campaign=county.campaign, household=county.h1, respondent=county.r1,
                             amount=50000, version=3, surveyor=county.olga)
    client.force_login(county.tina)
    response = post_row(client, save_url(county), household=county.h1.pk, version=2, amount="9w")
    assert response.status_code == 409
    message = zh("This questionnaire was changed by someone else. Reload the page to see the saved values.")
    assert response.json()["errors"]["__all__"] == message
    # A row the grid showed as new, saved meanwhile by someone else, is stale too.
    assert post_row(client, save_url(county), household=county.h1.pk, version=0).status_code == 409
    [q] = questionnaires()
    assert q.amount == 50000 and q.version == 3 and q.surveyor == county.olga


@pytest.mark.django_db
@in_survey
def test_validation_errors_come_back_per_cell_and_nothing_is_written(client, county):
    client.force_login(county.tina)
    response = post_row(client, save_url(county), household=county.h1.pk, business_codes="1 17", amount="-1",
                        withhold_reasons="")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"business_codes", "amount"}
    with translation.override("zh-hans"):
        assert errors["business_codes"] == gettext("Code %(code)d is not between 1 and %(maximum)d.") % {
            "code": 17, "maximum": 16}
    response = post_row(client, save_url(county), household=county.h1.pk, amount="", withhold_reasons="")
    assert response.json()["errors"] == {"amount": zh("Type the proposed amount or at least one withhold reason.")}
    response = post_row(client, save_url(county), household=county.h1.pk, withhold_reasons="10")
    assert set(response.json()["errors"]) == {"withhold_reasons"}
    # A representative from another household is refused.
    response = post_row(client, save_url(county), household=county.h1.pk, representative=county.h2.representative_id)
    assert response.status_code == 400 and "representative" in response.json()["errors"]
    assert client.post(save_url(county), "not json", content_type="application/json").status_code == 400
    assert questionnaires() == []


@pytest.mark.django_db
@in_survey
def test_the_save_needs_the_csrf_token(county):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(county.tina)
    assert post_row(client, save_url(county), household=county.h1.pk).status_code == 403
    page = client.get(grid_url(county))
    token = page.context["csrf_token"]
    response = client.post(save_url(county), json.dumps({"household": county.h1.pk, "amount": "5w"}),
                           content_type="application/json", HTTP_X_CSRFTOKEN=str(token))
    assert response.status_code == 200


@pytest.mark.django_db
@in_survey
def test_grid_query_count_does_not_grow_with_households(client, county, django_assert_max_num_queries):
    client.force_login(county.tina)
    with scopes_disabled():
        for n in range(20):
            h = HouseholdFactory(village=county.v_a, group=county.g_a, code=f"A-1{n:03d}")
            QuestionnaireFactory(campaign=county.campaign, household=h, respondent=county.r1)
    with django_assert_max_num_queries(16):
        assert client.get(grid_url(county)).status_code == 200


# --- issue 15 item 6: the grid tells why a save failed, so every refusal answers JSON with its status and code ---

@pytest.mark.django_db
@in_survey
def test_each_refusal_answers_json_with_its_own_status_and_code(client, county):
    client.force_login(county.tina)
    invalid = post_row(client, save_url(county), household=county.h1.pk, amount="-1")
    assert (invalid.status_code, invalid.json()["code"], set(invalid.json()["errors"])) == (400, "invalid", {"amount"})
    assert post_row(client, save_url(county), household=county.h1.pk).status_code == 200
    stale = post_row(client, save_url(county), household=county.h1.pk, version=0)
    assert (stale.status_code, stale.json()["code"]) == (409, "stale")
    # Outside the scope (西河村's respondent): JSON too, not an HTML page the grid would misread.
    gone = post_row(client, save_url(county, respondent=county.r_b), household=county.h1.pk)
    assert (gone.status_code, gone["Content-Type"], gone.json()["code"]) == (404, "application/json", "not_found")
    assert questionnaires()[0].version == 1


@pytest.mark.django_db
@in_survey
def test_a_logged_out_save_answers_401_json_not_the_login_page(client, county):
    response = post_row(client, save_url(county), household=county.h1.pk)
    assert response.status_code == 401 and response.json()["code"] == "logged_out"
    assert "Location" not in response
    assert client.get(grid_url(county)).status_code == 302                 # the page itself still goes to login
    assert questionnaires() == []


@pytest.mark.django_db
@in_survey
def test_a_stale_csrf_token_answers_json_for_the_grid_and_the_html_page_for_a_form(county):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(county.tina)
    response = post_row(client, save_url(county), household=county.h1.pk)
    assert response.status_code == 403 and response.json()["code"] == "csrf"
    form = client.post(f"/surveys/campaigns/{county.campaign.pk}/", {"x": "1"})
    assert form.status_code == 403 and not form["Content-Type"].startswith("application/json")
    assert questionnaires() == []


# --- issue 18: the grid's cost per request (its rows read in three queries, each cell formatted once) ----------------

def _several_saved_rows(county, n=6):
    """n more households of the group, each with a spouse and a questionnaire of r1 (8 rows in all)."""
    with scopes_disabled():
        for i in range(n):
            home = HouseholdFactory(village=county.v_a, group=county.g_a, code=f"A-2{i:03d}")
            MemberFactory(household=home, name=f"配偶{i}", relation="配偶")
            QuestionnaireFactory(campaign=county.campaign, household=home, respondent=county.r1,
                                 total_assets=Decimal("90000"), total_liabilities=Decimal("20000"))


@pytest.mark.django_db
@in_survey
def test_the_grid_page_costs_the_same_queries_for_any_number_of_rows(client, county, django_assert_num_queries):
    """The page's 11 queries: 3 of every request (session, user with profile, scope), the village, campaign, group,
    respondents (the latest draw's, else the pool: one), the survey team, and the rows in three (households, members,
    questionnaires). A query per row, member or questionnaire (an N+1) fails this."""
    client.force_login(county.tina)
    _several_saved_rows(county)
    with django_assert_num_queries(11):
        html = client.get(grid_url(county)).content.decode()
    assert html.count('class="entry-row"') == 8 and html.count('data-state="saved"') == 6


@pytest.mark.django_db
@in_survey
def test_the_grid_shows_each_saved_cell_as_typed(client, county):
    """The cells as the grid always showed them (issue 18 formats them in the selector, not per cell): amounts grouped
    with the fen only when there are any, blank when not given, net assets derived, codes space-separated, members
    away as 是/否, the questionnaire's representative chosen (else the household's), names escaped."""
    with scopes_disabled():
        other = MemberFactory(household=county.h2, name="<b>陈三</b>", relation="子")
        QuestionnaireFactory(campaign=county.campaign, household=county.h1, respondent=county.r1,
                             representative=county.spouse, business_codes=[1, 7], members_away=True,
                             total_assets=Decimal("200000"), total_liabilities=Decimal("20000.50"),
                             net_income=Decimal("83250.5"), amount=Decimal("1234567.89"), withhold_reasons=[], version=3)
    client.force_login(county.tina)
    html = client.get(grid_url(county)).content.decode()
    first, second = html.split('class="entry-row"')[1:3]
    assert 'data-version="3"' in first and 'data-version="0"' in second
    for value in ('value="1 7"', 'value="是"', 'value="200,000"', 'value="20,000.50"', 'value="83,250.50"',
                  'value="1,234,567.89"', '>179,999.50</td>', 'data-state="saved"'):
        assert value in first, value
    assert f'<option value="{county.spouse.pk}" selected>2 王秀英</option>' in first
    assert f'<option value="{county.h1.representative_id}">1 李大山</option>' in first
    assert f'<option value="{county.h2.representative_id}" selected>1 陈二</option>' in second
    assert f'<option value="{other.pk}">2 &lt;b&gt;陈三&lt;/b&gt;</option>' in second
    assert 'value="否"' in second and 'value=""' in second and 'data-state="saved"' not in second


@pytest.mark.django_db
@in_survey
def test_a_row_save_costs_no_query_twice(client, county, django_assert_num_queries):
    """The save reads the household once (its eligibility with it) and checks the village from the scope (it read
    both twice: 18 queries): 3 of every request, campaign, household, respondent, representative, the locked row, the
    write (the audit's read of the old row and its entry, the update) and 2 savepoint pairs (the service's, nested
    in the test's transaction, and the write's)."""
    client.force_login(county.tina)
    assert post_row(client, save_url(county), household=county.h1.pk).status_code == 200
    with django_assert_num_queries(15):
        response = post_row(client, save_url(county), household=county.h1.pk, version=1, amount="9w")
    assert response.status_code == 200 and response.json()["version"] == 2


@pytest.mark.django_db
@in_survey
def test_the_respondents_are_the_latest_draws_else_the_active_pool(county):
    """S1 (read in one query since issue 18): without a draw, the village's active respondents; with draws, those of
    the campaign's latest draw for the village, even one made inactive since; another campaign's or village's draw
    changes nothing."""
    def codes():
        with activate(scope_for_user(county.tina)):
            return [r.code for r in entry_respondents(campaign=county.campaign, village=county.v_a)]

    def draw(campaign, village, respondents, minutes):
        made = RespondentDraw.objects.create(campaign=campaign, village=village, seed="s", size=len(respondents),
                                             drawn_by=county.tina)
        made.respondents.set(respondents)
        RespondentDraw.objects.filter(pk=made.pk).update(drawn_at=made.drawn_at + datetime.timedelta(minutes=minutes))

    with scopes_disabled():
        retired = RespondentFactory(village=county.v_a, code="R09", active=False)
    assert codes() == ["R01", "R02"]
    with scopes_disabled():
        draw(county.campaign, county.v_a, [county.r2, retired], minutes=1)
        draw(county.campaign, county.v_a, [county.r1], minutes=0)                       # an earlier draw
        draw(CampaignFactory(head_office=county.campaign.head_office), county.v_a, [county.r1], minutes=5)
        draw(county.campaign, county.v_b, [county.r_b], minutes=9)                      # another village's
    assert codes() == ["R02", "R09"]
