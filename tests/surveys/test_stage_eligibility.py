"""Issue 15, who may enter survey entry and the computation: only archived (建档) households with nobody on the
blacklist (C4). An excluded (不予建档), unarchived or blacklisted household is never 拟授信 through any door — the
reference rule, the set-based statement (SQLite here, PostgreSQL with DATABASE_URL), the job, the command and
the export — and the reason is said in words; it is not in the entry grid, and a saved row or an imported row
naming it is refused."""

import datetime
import json
from decimal import Decimal

import pytest
from django.utils import translation
from django_scopes import scopes_disabled

from households.models import ArchiveStatus, Exclusion, Household
from households.rules import BLACKLISTED, EXCLUDED, NOT_ARCHIVED, ineligibility_text, stage_ineligibility
from households.selectors import households_ineligibility
from sunshine_credit.models import BlacklistEntry
from sunshine_credit.scoping import activate
from surveys import rules
from surveys.exports import limits_export_rows
from surveys.models import LimitResult, Questionnaire
from surveys.services.limits import compute_campaign_limits, limits_compute_run
from tests.commands import run_json
from tests.factories import HouseholdFactory
from tests.surveys.factories import QuestionnaireFactory, RespondentFactory

AMOUNTS = [30000, 50000, 60000, 70000, 90000, 100000]  # trimmed mean 67,500 → 67,000: granted when eligible
KINDS = {"A-OK": None, "A-EXCL": EXCLUDED, "A-ROSTER": NOT_ARCHIVED, "A-BLACK": BLACKLISTED}


@pytest.fixture
def homes(county, unscoped):
    """Four households of 东岭村 (group g1), each answered by the same six respondents with amounts that grant:
    A-OK archived, A-EXCL excluded (idle), A-ROSTER only on the roster, A-BLACK archived but its head is on the
    active blacklist. `county.homes` by code."""
    county.homes = {
        "A-OK": HouseholdFactory(village=county.v_a, group=county.g1, code="A-OK"),
        "A-EXCL": HouseholdFactory(village=county.v_a, group=county.g1, code="A-EXCL",
                                   archive_status=ArchiveStatus.EXCLUDED, exclusion=Exclusion.IDLE),
        "A-ROSTER": HouseholdFactory(village=county.v_a, group=county.g1, code="A-ROSTER",
                                     archive_status=ArchiveStatus.ON_ROSTER),
        "A-BLACK": HouseholdFactory(village=county.v_a, group=county.g1, code="A-BLACK"),
    }
    black = county.homes["A-BLACK"].representative
    county.blacklist = BlacklistEntry.objects.create(head_office=county.head_office, id_number=black.id_number,
                                                     name=black.name, reason="恶意逃废债", source="法院")
    county.respondents = [RespondentFactory(village=county.v_a, code=f"R{i}") for i in range(len(AMOUNTS))]
    for home in county.homes.values():
        for respondent, amount in zip(county.respondents, AMOUNTS, strict=True):
            QuestionnaireFactory(campaign=county.campaign, household=home, respondent=respondent, amount=amount)
    return county


def results(county) -> dict[str, tuple]:
    with scopes_disabled():
        return {r.household.code: (r.status, r.amount, r.flags)
                for r in LimitResult.objects.filter(campaign=county.campaign).select_related("household")}


EXPECTED = {"A-OK": ("granted", Decimal("67000.00"), []), "A-EXCL": ("ineligible", None, [EXCLUDED]),
            "A-ROSTER": ("ineligible", None, [NOT_ARCHIVED]), "A-BLACK": ("ineligible", None, [BLACKLISTED])}


# --- the rule (no database) -------------------------------------------------------------------------------

@pytest.mark.parametrize("status, blacklisted, expected", [
    ("archived", False, None), ("archived", True, BLACKLISTED), ("excluded", False, EXCLUDED),
    ("excluded", True, BLACKLISTED), ("roster", False, NOT_ARCHIVED), ("roster", True, BLACKLISTED),
])
def test_only_an_archived_household_with_nobody_blacklisted_may_enter_a_stage(status, blacklisted, expected):
    assert stage_ineligibility(archive_status=status, blacklisted=blacklisted) == expected


@pytest.mark.parametrize("code", [EXCLUDED, NOT_ARCHIVED, BLACKLISTED])
def test_the_reference_rule_makes_an_ineligible_household_ineligible_before_every_other_rule(code):
    answers = [rules.Answer(i, f"R{i}", Decimal(a)) for i, a in enumerate(AMOUNTS)]
    kwargs = {"settings": rules.Settings(reference_date=datetime.date(2026, 11, 1)),
              "birth_date": datetime.date(1980, 1, 1), "approval_authority": Decimal(10000)}
    eligible = rules.compute_limit(answers, **kwargs)
    assert eligible.status == rules.GRANTED and eligible.amount == Decimal(67000)  # the same answers, eligible
    outcome = rules.compute_limit(answers, ineligible=code, **kwargs)
    assert (outcome.status, outcome.amount, outcome.flags) == (rules.INELIGIBLE, None, [code])
    # Even with too few answers (L1) or a withhold reason (L2): not archived says more than 资料不全 or 待授信.
    assert rules.compute_limit(answers[:1], ineligible=code, **kwargs).status == rules.INELIGIBLE
    withheld = [rules.Answer(9, "R9", None, (2,)), *answers]
    assert rules.compute_limit(withheld, ineligible=code, **kwargs).status == rules.INELIGIBLE
    assert str(ineligibility_text(code)) != code


# --- the computation: SQL (this database's statement) equals the reference -------------------------------------

def reference(county, home) -> rules.Outcome:
    with scopes_disabled():
        answers = [rules.Answer(q.respondent_id, q.respondent.code, q.amount, tuple(q.withhold_reasons), q.net_income)
                   for q in Questionnaire.objects.filter(household=home).select_related("respondent")]
    campaign = county.campaign
    return rules.compute_limit(
        answers, settings=rules.Settings(method=campaign.method, min_respondents=campaign.min_respondents,
                                         rounding_unit=campaign.rounding_unit,
                                         income_band_high=campaign.income_band_high,
                                         reference_date=campaign.reference_date),
        birth_date=home.representative.birth_date, approval_authority=county.branch_a.approval_authority,
        ineligible=households_ineligibility(household_ids=[home.pk]).get(home.pk))


@pytest.mark.django_db
def test_excluded_unarchived_and_blacklisted_households_are_ineligible_in_the_sql_and_the_reference(homes):
    county = homes
    with scopes_disabled():
        compute_campaign_limits(campaign=county.campaign)
    assert results(county) == EXPECTED
    for code, home in county.homes.items():
        outcome = reference(county, home)
        assert (outcome.status, outcome.amount, outcome.flags) == EXPECTED[code], code
    with scopes_disabled():
        assert compute_campaign_limits(campaign=county.campaign) == 0  # L7: a second run changes nothing


@pytest.mark.django_db
def test_archiving_or_lifting_the_blacklist_lets_the_household_be_computed_again(homes):
    county = homes
    with scopes_disabled():
        compute_campaign_limits(campaign=county.campaign)
        Household.objects.filter(code="A-ROSTER").update(archive_status=ArchiveStatus.ARCHIVED)
        BlacklistEntry.objects.filter(pk=county.blacklist.pk).update(active=False)  # an inactive entry blocks nothing
        assert compute_campaign_limits(campaign=county.campaign) == 2
    assert results(county)["A-ROSTER"] == results(county)["A-BLACK"] == ("granted", Decimal("67000.00"), [])
    assert results(county)["A-EXCL"] == EXPECTED["A-EXCL"]


@pytest.mark.django_db
def test_a_blacklist_entry_of_another_head_office_blocks_nothing(homes):
    from tests.factories import HeadOfficeFactory

    county = homes
    with scopes_disabled():
        BlacklistEntry.objects.filter(pk=county.blacklist.pk).update(
            head_office=HeadOfficeFactory(code="HQ2", name="另一家农商行"))
        compute_campaign_limits(campaign=county.campaign)
    assert results(county)["A-BLACK"] == ("granted", Decimal("67000.00"), [])


@pytest.mark.django_db
def test_the_job_and_the_command_never_grant_them(homes):
    county = homes
    scope = county.scope(county.tina)
    with activate(scope):
        result = limits_compute_run(scope=scope, campaign=county.campaign, village=county.v_a)
    assert result["counts"]["granted"] == 1 and result["counts"]["ineligible"] == 3
    assert results(county) == EXPECTED
    with scopes_disabled():
        LimitResult.objects.all().delete()
    code, payload = run_json("compute_limits", county.campaign.code, "--village", county.v_a.code)
    assert code == 0 and payload["counts"] == {"granted": 1, "withheld": 0, "ineligible": 3, "incomplete": 0}
    assert results(county) == EXPECTED


@pytest.mark.django_db
def test_the_export_and_the_summary_say_why_in_words(homes, client):
    county = homes
    with scopes_disabled():
        compute_campaign_limits(campaign=county.campaign)
    scope = county.scope(county.tina)
    with activate(scope):
        rows = {row[0]: row for row in limits_export_rows(scope=scope, campaign=county.campaign)}
    assert rows["A-EXCL"][5:] == ["不符合条件", "不予建档"]
    assert rows["A-ROSTER"][5:] == ["不符合条件", "未建档"]
    assert rows["A-BLACK"][5:] == ["不符合条件", "家庭成员在黑名单上"]
    assert rows["A-OK"][5] == "拟授信"
    client.force_login(county.tina)
    home = county.homes["A-BLACK"]
    html = client.get(f"/surveys/summary/{county.campaign.pk}/households/{home.pk}/").content.decode()
    with translation.override("zh-hans"):
        assert str(ineligibility_text(BLACKLISTED)) in html


# --- survey entry: the grid, a saved row, the import ------------------------------------------------------------

@pytest.mark.django_db
def test_the_entry_grid_lists_only_archived_households_with_nobody_blacklisted(homes, client):
    county = homes
    client.force_login(county.tina)
    url = f"/surveys/entry/{county.campaign.pk}/{county.v_a.pk}/{county.g1.pk}/{county.respondents[0].pk}/"
    html = client.get(url).content.decode()
    assert html.count('class="entry-row"') == 1 and "A-OK" in html
    assert "A-EXCL" not in html and "A-ROSTER" not in html and "A-BLACK" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["A-EXCL", "A-ROSTER", "A-BLACK"])
def test_a_saved_row_for_an_ineligible_household_is_refused_and_nothing_is_written(homes, client, code):
    county = homes
    client.force_login(county.tina)
    with scopes_disabled():
        fresh = RespondentFactory(village=county.v_a, code="R-NEW")
        before = Questionnaire.objects.count()
    url = f"/surveys/entry/{county.campaign.pk}/{county.v_a.pk}/respondents/{fresh.pk}/save/"
    body = {"household": county.homes[code].pk, "version": 0, "business_codes": "1", "members_away": "否",
            "total_assets": "", "total_liabilities": "", "net_income": "", "amount": "5w", "withhold_reasons": ""}
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    with translation.override("zh-hans"):
        assert str(ineligibility_text(KINDS[code])) in json.dumps(response.json(), ensure_ascii=False)
    body["household"] = county.homes["A-OK"].pk  # the boundary: an archived household saves
    assert client.post(url, json.dumps(body), content_type="application/json").status_code == 200
    with scopes_disabled():
        assert Questionnaire.objects.count() == before + 1


@pytest.mark.django_db
def test_an_imported_row_for_an_ineligible_household_is_a_row_error(homes):
    from tests.surveys.test_survey_import import survey_row, validate

    county = homes
    rows = [survey_row(code, "R-IMP", rep=county.homes[code].representative.id_number, amount=50000)
            for code in ("A-OK", "A-EXCL", "A-ROSTER", "A-BLACK")]
    plan = validate(rows, county.tina, county.campaign)
    refused = {error["row"]: error for error in plan.errors}
    assert sorted(refused) == [3, 4, 5] and all(e["column"] == "户号代码" for e in refused.values())
    assert "A-EXCL" in refused[3]["message"] and "A-BLACK" in refused[5]["message"]
