"""L7: the set-based SQL computation equals the reference rules, is idempotent and keeps to its scope."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.http import Http404
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from households.models import Household
from sunshine_credit.models import Job, Role
from sunshine_credit.scoping import activate, scope_for_user
from surveys import rules
from surveys.models import LimitResult, LimitStatus, Method, Questionnaire
from surveys.services.limits import compute_campaign_limits, limits_compute, limits_compute_run
from tests.factories import BranchFactory, HouseholdFactory, UserFactory, VillageFactory, make_id_number, staff_for
from tests.surveys.factories import CampaignFactory, QuestionnaireFactory, RespondentFactory

REF = datetime.date(2026, 11, 1)
BIRTHS = [datetime.date(2006, 11, 1), datetime.date(1965, 11, 2), datetime.date(2006, 11, 2),
          datetime.date(1965, 11, 1), datetime.date(1980, 2, 29), datetime.date(1990, 7, 1), None]
FIELDS = ["status", "amount", "valid_count", "mean", "dropped_high_id", "dropped_low_id", "reasons", "warnings",
          "flags", "representative_age", "income_median", "inputs"]

money = st.integers(min_value=0, max_value=30_000_000).map(lambda c: Decimal(c) / 100)
answer = st.fixed_dictionaries({
    "amount": st.one_of(st.none(), money, money, money, st.sampled_from([Decimal(50000), Decimal(80000)])),
    "reasons": st.one_of(st.just([]), st.just([]), st.just([]), st.lists(st.integers(1, 9), max_size=3)),
    "income": st.one_of(st.none(), st.integers(0, 20_000_000).map(lambda c: Decimal(c) / 100)),
})
household = st.fixed_dictionaries({
    "answers": st.lists(answer, min_size=0, max_size=8),
    "birth": st.sampled_from(BIRTHS),
})
campaign_settings = st.fixed_dictionaries({
    "method": st.sampled_from([Method.TRIMMED, Method.MEAN]),
    "min_respondents": st.integers(1, 6),
    "rounding_unit": st.sampled_from([Decimal(1000), Decimal(100), Decimal(500), Decimal("0.01")]),
    "income_band_high": st.sampled_from([Decimal("1.5"), Decimal("1.1"), Decimal(2)]),
    "authority": st.sampled_from([Decimal(0), Decimal(50000), Decimal(300000)]),
})
# Codes whose byte order differs from creation order, so ties are broken by code, not by id.
CODES = ["R07", "R02", "Q9", "R10", "A1", "R01", "b2", "R05"]


def build(spec, households):
    """Data of one example: a campaign, a village and its households (under scopes_disabled)."""
    village = VillageFactory(branch=BranchFactory(approval_authority=spec["authority"]))
    campaign = CampaignFactory(method=spec["method"], min_respondents=spec["min_respondents"],
                               rounding_unit=spec["rounding_unit"], income_band_high=spec["income_band_high"],
                               reference_date=REF)
    respondents = [RespondentFactory(village=village, code=code) for code in CODES]
    surveyor = UserFactory()
    made = []
    for h in households:
        birth = h["birth"] or datetime.date(1980, 1, 1)
        item = HouseholdFactory(village=village, head__id_number=make_id_number(birth))
        if h["birth"] is None:
            Household.objects.filter(pk=item.pk).update(representative=None)
        for respondent, a in zip(respondents, h["answers"], strict=False):  # answers ≤ respondents
            Questionnaire.objects.create(campaign=campaign, household=item, respondent=respondent,
                                         amount=a["amount"], withhold_reasons=a["reasons"], net_income=a["income"],
                                         surveyor=surveyor, surveyed_on=REF)
        made.append(item)
    return campaign, made


def reference(campaign, household) -> dict:
    household = Household.objects.select_related("representative", "village__branch").get(pk=household.pk)
    answers = [rules.Answer(q.respondent_id, q.respondent.code, q.amount, tuple(q.withhold_reasons), q.net_income)
               for q in Questionnaire.objects.filter(campaign=campaign, household=household).select_related("respondent")]
    outcome = rules.compute_limit(
        answers, settings=rules.Settings(method=campaign.method, min_respondents=campaign.min_respondents,
                                         rounding_unit=campaign.rounding_unit,
                                         income_band_high=campaign.income_band_high,
                                         reference_date=campaign.reference_date),
        birth_date=household.representative.birth_date if household.representative else None,
        approval_authority=household.village.branch.approval_authority)
    return {"status": outcome.status, "amount": outcome.amount, "valid_count": outcome.valid_count,
            "mean": outcome.mean, "dropped_high_id": outcome.dropped_high, "dropped_low_id": outcome.dropped_low,
            "reasons": outcome.reasons, "warnings": outcome.warnings, "flags": outcome.flags,
            "representative_age": outcome.representative_age, "income_median": outcome.income_median,
            "inputs": outcome.inputs}


def stored(campaign, household) -> dict:
    row = LimitResult.objects.get(campaign=campaign, household=household)
    return {f: getattr(row, f) for f in FIELDS}


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(spec=campaign_settings, households=st.lists(household, min_size=1, max_size=4))
def test_sql_equals_the_reference(spec, households):
    # Each example in its own savepoint, rolled back: examples neither see nor break one another.
    with scopes_disabled(), transaction.atomic():
        _check_example(spec, households)
        transaction.set_rollback(True)


def _check_example(spec, households):
    campaign, made = build(spec, households)
    compute_campaign_limits(campaign=campaign)
    for item in made:
        assert stored(campaign, item) == reference(campaign, item)
    before = list(LimitResult.objects.filter(campaign=campaign).order_by("household_id").values())
    assert compute_campaign_limits(campaign=campaign) == 0      # a second run writes nothing
    assert list(LimitResult.objects.filter(campaign=campaign).order_by("household_id").values()) == before


# The edges of L3 and L5, deterministic (the property test above may or may not draw them). These run on the
# database of the session: SQLite by default, PostgreSQL with DATABASE_URL (each vendor has its own statement).
STANDARD = {"method": Method.TRIMMED, "min_respondents": 4, "rounding_unit": Decimal(1000),
            "income_band_high": Decimal("1.5"), "authority": Decimal(300000)}


@pytest.mark.django_db
def test_sql_age_edges_on_the_reference_date():
    """L3: 20 and 60 inclusive, in full years on the reference date (2026-11-01)."""
    edges = [(datetime.date(2006, 11, 1), 20, LimitStatus.GRANTED),     # turns 20 on the reference date
             (datetime.date(2006, 11, 2), 19, LimitStatus.INELIGIBLE),  # turns 20 the day after
             (datetime.date(1966, 11, 1), 60, LimitStatus.GRANTED),     # turns 60 on it
             (datetime.date(1965, 11, 2), 60, LimitStatus.GRANTED),     # turns 61 the day after
             (datetime.date(1965, 11, 1), 61, LimitStatus.INELIGIBLE)]  # turned 61 on it
    answers = [{"amount": Decimal(a), "reasons": [], "income": None} for a in (50000, 60000, 70000, 80000, 90000)]
    with scopes_disabled():
        campaign, made = build(STANDARD, [{"answers": answers, "birth": birth} for birth, _, _ in edges])
        compute_campaign_limits(campaign=campaign)
        for item, (birth, age, status) in zip(made, edges, strict=True):
            row = stored(campaign, item)
            assert (row["representative_age"], row["status"]) == (age, status), birth
            assert row["amount"] == (Decimal("70000.00") if status == LimitStatus.GRANTED else None)
            assert row == reference(campaign, item)


@pytest.mark.django_db
@pytest.mark.parametrize("amounts, incomes, unit, warned", [
    ((30000,) * 5, (20000,) * 5, 1000, False),                        # 30,000 = 1.5 × 20,000: no warning
    ((31000,) * 5, (20000,) * 5, 1000, True),                         # the next rounding step
    (("30000.01",) * 5, (20000,) * 5, "0.01", True),                  # one cent above
    ((30000,) * 5, ("20000.01",) * 5, 1000, False),                   # 1.5 × 20,000.01 = 30,000.015
    ((30000,) * 5, ("19999.99",) * 5, 1000, True),                    # 1.5 × 19,999.99 = 29,999.985
    # an even count: the exact median 19,999.995 (stored rounded, 20,000.00) gives 29,999.9925 < 30,000
    ((30000,) * 4, ("19999.99", "19999.99", "20000.00", "20000.00"), 1000, True),
])
def test_sql_over_income_at_exactly_the_upper_multiple(amounts, incomes, unit, warned):
    """L5: the warning is for an amount above 1.5 × the median income, compared exactly."""
    answers = [{"amount": Decimal(str(a)), "reasons": [], "income": Decimal(str(v))}
               for a, v in zip(amounts, incomes, strict=True)]
    with scopes_disabled():
        campaign, (item,) = build({**STANDARD, "rounding_unit": Decimal(str(unit))},
                                  [{"answers": answers, "birth": datetime.date(1980, 1, 1)}])
        compute_campaign_limits(campaign=campaign)
        row = stored(campaign, item)
        assert row["status"] == LimitStatus.GRANTED and row["amount"] == Decimal(str(amounts[0]))
        assert row["warnings"] == (["over_income"] if warned else [])
        assert row == reference(campaign, item)


def _answers(campaign, household, amounts, reasons=None):
    reasons = reasons or {}
    for i, amount in enumerate(amounts):
        QuestionnaireFactory(campaign=campaign, household=household, amount=amount,
                             withhold_reasons=reasons.get(i, []),
                             respondent=RespondentFactory(village=household.village, code=f"{household.code}-{i}"))


@pytest.fixture
def answered(county, unscoped):
    """Six questionnaires for one household in each of the county's villages (东岭村 and 南坡村 of branch A,
    西河村 of branch B), `county.homes` by village id; one more household in 东岭村 without any."""
    county.homes = {}
    for village in (county.v_a, county.v_a2, county.v_b):
        home = HouseholdFactory(village=village)
        _answers(county.campaign, home, [30000, 50000, 60000, 70000, 90000, 100000])
        county.homes[village.pk] = home
    HouseholdFactory(village=county.v_a)  # no questionnaire at all
    return county


@pytest.mark.django_db
@pytest.mark.usefixtures("answered")
def test_every_household_gets_a_row_and_rounding_is_exact(county):
    campaign = county.campaign
    with scopes_disabled():
        home = HouseholdFactory(village=county.v_a)
        _answers(campaign, home, [0, Decimal("83999.99"), Decimal("83999.99"), Decimal("83999.99"), 1000000])
        compute_campaign_limits(campaign=campaign)
        results = {r.household_id: r for r in LimitResult.objects.filter(campaign=campaign)}
    assert len(results) == 5
    assert results[home.pk].amount == Decimal("83000.00") and results[home.pk].mean == Decimal("83999.9900")
    empty = [r for r in results.values() if r.valid_count == 0]
    assert len(empty) == 1 and empty[0].status == LimitStatus.INCOMPLETE and empty[0].inputs == []
    granted = results[county.homes[county.v_a.pk].pk]
    assert granted.status == LimitStatus.GRANTED and granted.amount == Decimal("67000.00")
    assert [amount for _, amount in granted.inputs] == [3_000_000, 5_000_000, 6_000_000, 7_000_000, 9_000_000,
                                                        10_000_000]


@pytest.mark.django_db
@pytest.mark.usefixtures("answered")
def test_second_run_changes_nothing(county):
    campaign = county.campaign
    with scopes_disabled():
        compute_campaign_limits(campaign=campaign, now=datetime.datetime(2026, 11, 2, tzinfo=datetime.UTC))
        before = list(LimitResult.objects.order_by("id").values())
        assert compute_campaign_limits(campaign=campaign) == 0
        assert list(LimitResult.objects.order_by("id").values()) == before  # computed_at included
        # A changed answer rewrites that household only.
        home = county.homes[county.v_b.pk]
        Questionnaire.objects.filter(household=home).update(withhold_reasons=[2])
        assert compute_campaign_limits(campaign=campaign) == 1
        assert LimitResult.objects.get(household=home).reasons == {"2": 6}


@pytest.mark.django_db
@pytest.mark.usefixtures("answered")
def test_restricted_to_a_village_or_a_branch(county):
    admin = county.ada
    with scopes_disabled():
        scope = county.scope(admin)
    with activate(scope):
        result = limits_compute_run(scope=scope, campaign=county.campaign, village=county.v_a2)
        assert result["villages"] == 1 and result["counts"]["granted"] == 1
        assert set(LimitResult.objects.values_list("household__village_id", flat=True)) == {county.v_a2.pk}
        result = limits_compute_run(scope=scope, campaign=county.campaign, branch=county.branch_a)
        assert result["counts"] == {"granted": 2, "withheld": 0, "ineligible": 0, "incomplete": 1}
        assert set(LimitResult.objects.values_list("household__village_id", flat=True)) == {county.v_a.pk,
                                                                                             county.v_a2.pk}


@pytest.mark.django_db
@pytest.mark.usefixtures("answered")
def test_branch_a_job_never_writes_branch_b(county, django_capture_on_commit_callbacks):
    officer = county.tina  # 东岭村 and 南坡村
    with scopes_disabled():
        scope = county.scope(officer)
    with activate(scope):
        with django_capture_on_commit_callbacks(execute=True):
            job = limits_compute(scope=scope, actor=officer, campaign=county.campaign)
        with pytest.raises(Http404):  # branch B is outside the scope
            limits_compute(scope=scope, actor=officer, campaign=county.campaign, village=county.v_b)
        with pytest.raises(Http404):
            limits_compute(scope=scope, actor=officer, campaign=county.campaign, branch=county.branch_b)
    with scopes_disabled():
        job.refresh_from_db()
        assert job.status == Job.Status.DONE and job.progress == 100 and job.task_name == "surveys.compute_limits"
        villages = set(LimitResult.objects.values_list("household__village_id", flat=True))
    assert villages == {county.v_a.pk, county.v_a2.pk}


@pytest.mark.django_db
@pytest.mark.usefixtures("answered")
def test_job_reports_progress_per_chunk(county, django_capture_on_commit_callbacks, monkeypatch):
    from sunshine_credit import jobs

    admin = county.ada
    seen = []
    real = jobs.job_progress
    monkeypatch.setattr(jobs, "job_progress", lambda job_id, percent: (seen.append(percent), real(job_id, percent)))
    with scopes_disabled():
        scope = county.scope(admin)
    with activate(scope), django_capture_on_commit_callbacks(execute=True):
        job = limits_compute(scope=scope, actor=admin, campaign=county.campaign)
    with scopes_disabled():
        job.refresh_from_db()
        assert job.status == Job.Status.DONE and job.error == ""
        assert LimitResult.objects.filter(campaign=county.campaign).count() == 4
    assert seen == [33, 66, 99]  # three villages, one chunk each; 100 is set when the job finishes


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel chunks run on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_parallel_chunks_on_postgresql_equal_the_reference(settings):
    """Outside a transaction the chunks run on two connections at once; the rows are the reference's."""
    settings.LIMITS_COMPUTE_WORKERS = 2
    spec = {"method": Method.TRIMMED, "min_respondents": 5, "rounding_unit": Decimal(1000),
            "income_band_high": Decimal("1.5"), "authority": Decimal(300000)}
    amounts = [Decimal(a) for a in (30000, 50000, 60000, 70000, 90000, 100000)]
    households = [{"answers": [{"amount": a + 1000 * i, "reasons": [], "income": Decimal(60000)} for a in amounts],
                   "birth": datetime.date(1980, 1, 1)} for i in range(4)]
    with scopes_disabled():
        campaign, made = build(spec, households[:2])
        more = [HouseholdFactory(village=VillageFactory(branch=made[0].village.branch)) for _ in range(3)]
        for item in more:
            _answers(campaign, item, amounts)
        admin = staff_for(made[0].village, role=Role.ADMIN)
        scope = scope_for_user(admin.user)
    seen = []
    with activate(scope):
        result = limits_compute_run(scope=scope, campaign=campaign, progress=seen.append)
    assert result["villages"] == 4 and result["written"] == 5 and seen == [25, 50, 75, 100]
    with scopes_disabled():
        for item in made + more:
            assert stored(campaign, item) == reference(campaign, item)
    with activate(scope):
        assert limits_compute_run(scope=scope, campaign=campaign)["written"] == 0
