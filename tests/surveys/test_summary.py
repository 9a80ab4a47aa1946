"""S3 summary pages: each respondent's amount under their code, the dropped highest and lowest, the mean,
the rounded result, status, reasons with counts, warnings and flags in plain sentences; names only for
the survey team (S1); 404 outside the scope (R1); no N+1 on the village page."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext, ngettext
from django_scopes import scopes_disabled

from sunshine_credit.lib.money import yuan
from surveys.models import LimitResult
from surveys.selectors import explain_result
from tests.factories import HouseholdFactory, staff_for
from tests.surveys.factories import QuestionnaireFactory, RespondentFactory

AMOUNTS = {"R01": 80000, "R02": 85000, "R03": 90000, "R04": 83000, "R05": 40000, "R06": 85000}


def zh(msgid, params: dict | None = None) -> str:
    """The Chinese text a user sees; `msgid` may be (singular, plural, n) for a plural message."""
    with translation.override("zh-hans"):
        text = ngettext(*msgid) if isinstance(msgid, tuple) else gettext(msgid)
    return text % params if params else text


def result_for(campaign, household, **fields) -> LimitResult:
    defaults = {"status": "granted", "valid_count": 0, "computed_at": timezone.now()}
    return LimitResult.objects.create(campaign=campaign, household=household, **(defaults | fields))


@pytest.fixture
def surveyed(county, unscoped):
    """In 东岭村 (branch A, authority 300,000), group g1: household h (6 questionnaires) and h2 (withheld by
    three respondents); tina on the survey team, olga (another officer of 东岭村) not on it."""
    county.h = HouseholdFactory(village=county.v_a, group=county.g1, code="A-0001", head__name="李大山")
    county.h2 = HouseholdFactory(village=county.v_a, group=county.g1, code="A-0002", head__name="陈二")
    county.respondents = {code: RespondentFactory(village=county.v_a, code=code, name=f"评议人{code}")
                          for code in AMOUNTS}
    for code, amount in AMOUNTS.items():
        QuestionnaireFactory(campaign=county.campaign, household=county.h, respondent=county.respondents[code],
                             amount=amount, net_income=50000)
        QuestionnaireFactory(campaign=county.campaign, household=county.h2, respondent=county.respondents[code],
                             amount=30000,
                             withhold_reasons=[2, 8] if code in ("R01", "R02") else ([2] if code == "R03" else []))
    county.campaign.survey_team.add(county.tina)
    county.olga = staff_for(county.v_a).user
    return county


in_survey = pytest.mark.usefixtures("surveyed")


def computed(county):
    """Results as the computation would store them (the summary only reads them)."""
    r = county.respondents
    with scopes_disabled():
        result_for(county.campaign, county.h, valid_count=6, mean=Decimal(83250), amount=Decimal(83000),
                   dropped_high=r["R03"], dropped_low=r["R05"], warnings=["over_income"], flags=[],
                   income_median=Decimal(50000), representative_age=46,
                   inputs=[[r[c].pk, a * 100] for c, a in sorted(AMOUNTS.items(), key=lambda item: item[1])])
        result_for(county.campaign, county.h2, status="withheld", valid_count=6, amount=None,
                   reasons={"2": 3, "8": 2})


def household_url(county, household=None):
    return f"/surveys/summary/{county.campaign.pk}/households/{(household or county.h).pk}/"


def village_url(county, village=None):
    return f"/surveys/summary/{county.campaign.pk}/villages/{(village or county.v_a).pk}/"


@pytest.mark.django_db
@in_survey
def test_household_summary_explains_the_trimmed_mean(client, county):
    computed(county)
    client.force_login(county.olga)
    html = client.get(household_url(county)).content.decode()
    sentence = zh("%(valid)d valid questionnaires; dropping the highest, %(high_code)s %(high)s yuan, and the "
                  "lowest, %(low_code)s %(low)s yuan, the other %(rest)d average %(mean)s yuan, rounded "
                  "down to a multiple of %(unit)s yuan: %(amount)s yuan.",
                  {"valid": 6, "high_code": "R03", "high": "90,000", "low_code": "R05", "low": "40,000", "rest": 4,
                   "mean": "83,250", "unit": "1,000", "amount": "83,000"})
    assert escape(sentence) in html
    assert zh("Proposed for credit") in html and "83,000.00" in html
    # Each respondent's amount under their code, the dropped ones marked.
    for code in AMOUNTS:
        assert code in html
    assert "90,000.00" in html and "40,000.00" in html
    assert html.count(zh("dropped as highest")) == 1 and html.count(zh("dropped as lowest")) == 1
    warning = zh("Warning: %(amount)s yuan is more than %(multiple)s times the household's net income "
                 "(%(income)s yuan, the median of the respondents' estimates), that is more than %(limit)s "
                 "yuan. Check it; this does not block the credit.",
                 {"amount": "83,000", "multiple": "1.5", "income": "50,000", "limit": "75,000"})
    assert escape(warning) in html


@pytest.mark.django_db
@in_survey
def test_withheld_household_lists_reasons_with_counts(client, county):
    computed(county)
    client.force_login(county.olga)
    html = client.get(household_url(county, county.h2)).content.decode()
    with translation.override("zh-hans"):
        reasons = "; ".join([ngettext("%(reason)s (%(n)d respondent)", "%(reason)s (%(n)d respondents)", 3)
                             % {"reason": "欠债较多", "n": 3},
                             ngettext("%(reason)s (%(n)d respondent)", "%(reason)s (%(n)d respondents)", 2)
                             % {"reason": "信用观念差", "n": 2}])
    assert escape(zh("Respondents gave withhold reasons: %(reasons)s. Any withhold reason holds the household "
                     "back: it is withheld and no amount is computed.", {"reasons": reasons})) in html
    assert zh("Withheld") in html


@pytest.mark.parametrize("status, fields, msgid, params", [
    ("incomplete", {"valid_count": 4}, ("Only %(valid)d valid questionnaire, fewer than the %(minimum)d this "
     "campaign requires: the data are incomplete and no amount is computed.", "Only %(valid)d valid "
     "questionnaires, fewer than the %(minimum)d this campaign requires: the data are incomplete and no amount "
     "is computed.", 4), {"valid": 4, "minimum": 5}),
    ("ineligible", {"representative_age": 61}, ("The credit representative is %(age)d years old on the reference "
     "date %(date)s, outside 20 to 60: the household is not eligible."), {"age": 61, "date": datetime.date(2026, 11, 1)}),
    ("granted", {"method": "mean", "valid_count": 6, "mean": Decimal("83250.5"), "amount": Decimal(83000)},
     ("%(valid)d valid questionnaires average %(mean)s yuan, rounded down to a multiple of %(unit)s yuan: "
     "%(amount)s yuan."), {"valid": 6, "mean": "83,250.50", "unit": "1,000", "amount": "83,000"}),
    ("granted", {"valid_count": 6, "mean": 1, "amount": Decimal(400000), "flags": ["needs_escalation"]},
     ("The amount is above the branch's approval authority of %(authority)s yuan: it takes effect only after "
     "approval by the level above."), {"authority": "300,000"}),
])
def test_explanations_per_status(status, fields, msgid, params):
    args = {"status": status, "valid_count": 6, "mean": None, "amount": None, "dropped_high": None,
            "dropped_low": None, "reasons": {}, "warnings": [], "flags": [], "method": "trimmed", "minimum": 5,
            "rounding_unit": Decimal(1000), "reference_date": datetime.date(2026, 11, 1),
            "representative_age": None, "income_median": None, "income_band_high": Decimal("1.5"),
            "authority": Decimal(300000)} | fields
    assert zh(msgid, params) in explain_result(**args)


def test_yuan_reads_aloud():
    assert yuan(Decimal("83250.0000")) == "83,250"
    assert yuan(Decimal("83250.5")) == "83,250.50"
    assert yuan(None) == "—"


@pytest.mark.django_db
@in_survey
@pytest.mark.parametrize("who, shown", [("tina", True), ("sue", True), ("olga", False), ("pat", False)])
def test_names_only_for_the_survey_team_and_supervisors(client, county, who, shown):
    computed(county)
    client.force_login(county[who])
    response = client.get(household_url(county))
    html = response.content.decode()
    assert "R03" in html
    assert ("评议人R03" in html) is shown
    assert "no-store" in response["Cache-Control"]  # R5


@pytest.mark.django_db
@in_survey
def test_not_computed_yet_says_so_and_shows_the_questionnaires(client, county):
    client.force_login(county.olga)
    html = client.get(household_url(county)).content.decode()
    assert escape(zh("The pre-credit limit of this household has not been computed yet. The questionnaires "
                     "entered so far are below.")) in html
    assert "R01" in html and "85,000.00" in html
    html = client.get(village_url(county)).content.decode()
    assert 'id="not-computed"' in html and zh("Not computed yet") in html


@pytest.mark.django_db
@in_survey
def test_stale_result_is_pointed_out(client, county):
    computed(county)
    with scopes_disabled():
        LimitResult.objects.filter(household=county.h).update(computed_at=timezone.now() - datetime.timedelta(days=1))
    client.force_login(county.olga)
    assert 'id="stale"' in client.get(household_url(county)).content.decode()


@pytest.mark.django_db
@in_survey
def test_village_summary_lists_households_with_status_counts(client, county):
    computed(county)
    client.force_login(county.pat)
    response = client.get(village_url(county))
    assert response.status_code == 200
    rows = {row.code: row for row in response.context["rows"]}
    assert rows["A-0001"].status == "granted" and rows["A-0001"].amount == Decimal(83000)
    assert rows["A-0001"].valid_count == 6 and rows["A-0001"].questionnaire_count == 6
    assert rows["A-0002"].status == "withheld"
    counts = {code: n for code, _label, n in response.context["status_counts"]}
    assert counts == {"granted": 1, "withheld": 1, "ineligible": 0, "incomplete": 0, "not_computed": 0}
    html = response.content.decode()
    assert "83,000.00" in html and zh("Above the income band") in html
    assert "评议人" not in html


@pytest.mark.django_db
@in_survey
@pytest.mark.parametrize("who", ["bob"])
def test_outside_the_scope_is_404(client, county, who):
    computed(county)
    client.force_login(county[who])
    assert client.get(household_url(county)).status_code == 404
    assert client.get(village_url(county)).status_code == 404
    start = f"/surveys/summary/?campaign={county.campaign.pk}&village={county.v_a.pk}"
    assert client.get(start).status_code == 404
    # Bob's own village answers.
    assert client.get(village_url(county, county.v_b)).status_code == 200


@pytest.mark.django_db
@in_survey
def test_start_page_redirects_to_the_village(client, county):
    client.force_login(county.olga)
    assert client.get("/surveys/summary/").status_code == 200
    response = client.get(f"/surveys/summary/?campaign={county.campaign.pk}&village={county.v_a.pk}")
    assert response.status_code == 302 and response["Location"] == village_url(county)


@pytest.mark.django_db
@in_survey
def test_village_summary_query_count_is_constant(client, county, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    computed(county)
    client.force_login(county.olga)
    client.get(village_url(county))  # warm up (session, content types)
    with CaptureQueriesContext(connection) as two_households:
        client.get(village_url(county))
    with scopes_disabled():
        group = county.h.group
        for n in range(30):
            h = HouseholdFactory(village=county.v_a, group=group, code=f"A-1{n:03d}")
            QuestionnaireFactory(campaign=county.campaign, household=h, respondent=county.respondents["R01"])
            result_for(county.campaign, h, status="incomplete", valid_count=1, flags=["needs_escalation"])
    with django_assert_num_queries(len(two_households)):
        response = client.get(village_url(county))
    assert len(response.context["rows"]) == 32
    assert len(two_households) <= 8
