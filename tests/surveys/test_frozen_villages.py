"""Issue 15: recomputing a campaign never changes a village whose board is published or whose credit lines took
effect — those results are frozen — and the job page, the command and the run's result say which villages were
skipped and why. Checked on the set-based statement itself (SQLite here; PostgreSQL with DATABASE_URL), on the
Python orchestration (the job's run, in chunks or whole) and on the command."""

import datetime
import secrets
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import gettext
from django_scopes import scopes_disabled

from credit_use.models import CreditLine
from publicity.models import Notice, NoticeKind
from sunshine_credit.scoping import activate
from surveys.frozen import frozen_villages
from surveys.models import LimitResult, Questionnaire
from surveys.services.limits import compute_campaign_limits, limits_compute, limits_compute_run
from tests.commands import run_json
from tests.factories import HouseholdFactory
from tests.surveys.factories import QuestionnaireFactory, RespondentFactory

AMOUNTS = [30000, 50000, 60000, 70000, 90000, 100000]
GRANTED = ("granted", Decimal("67000.00"))


@pytest.fixture
def computed(county, unscoped):
    """A granted household in each of 东岭村 (v_a), 南坡村 (v_a2) and 西河村 (v_b), computed once; `county.homes` by
    village id."""
    county.homes = {}
    for village in (county.v_a, county.v_a2, county.v_b):
        home = HouseholdFactory(village=village)
        for i, amount in enumerate(AMOUNTS):
            QuestionnaireFactory(campaign=county.campaign, household=home, amount=amount,
                                 respondent=RespondentFactory(village=village, code=f"R{i}"))
        county.homes[village.pk] = home
    compute_campaign_limits(campaign=county.campaign)
    return county


def publish_board(county, village, status=Notice.Status.PUBLISHED):
    with scopes_disabled():
        return Notice.objects.create(
            head_office=county.head_office, village=village, kind=NoticeKind.PRECREDIT, campaign=county.campaign,
            title="拟第一批授信公示", starts_on=timezone.localdate(), ends_on=timezone.localdate(),
            public_token=secrets.token_urlsafe(16), status=status, published_by=county.tina)


def lines_took_effect(county, village):
    today = timezone.localdate()
    with scopes_disabled():
        return CreditLine.objects.create(head_office=county.head_office, village=village,
                                         household=county.homes[village.pk], campaign=county.campaign,
                                         amount=Decimal(67000), effective_on=today,
                                         expires_on=today + datetime.timedelta(days=365))


def everyone_withholds(county):
    """Every answer changes: a recomputation would make every household 待授信."""
    with scopes_disabled():
        Questionnaire.objects.filter(campaign=county.campaign).update(withhold_reasons=[2])


def statuses(county) -> dict[int, tuple]:
    with scopes_disabled():
        return {r.household.village_id: (r.status, r.amount)
                for r in LimitResult.objects.filter(campaign=county.campaign).select_related("household")}


@pytest.mark.django_db
def test_the_sql_path_skips_a_published_village_and_one_whose_lines_took_effect(computed):
    county = computed
    publish_board(county, county.v_a)
    lines_took_effect(county, county.v_b)
    everyone_withholds(county)
    with scopes_disabled():
        assert compute_campaign_limits(campaign=county.campaign) == 1                           # whole head office
        assert compute_campaign_limits(campaign=county.campaign, village_ids=[county.v_a.pk]) == 0  # named
    assert statuses(county) == {county.v_a.pk: GRANTED, county.v_a2.pk: ("withheld", None), county.v_b.pk: GRANTED}


@pytest.mark.django_db
def test_a_board_whose_printing_failed_freezes_nothing(computed):
    county = computed
    publish_board(county, county.v_a, status=Notice.Status.FAILED)
    assert frozen_villages(campaign=county.campaign) == {}
    publish_board(county, county.v_a2, status=Notice.Status.RENDERING)  # being printed for publication: frozen
    assert set(frozen_villages(campaign=county.campaign)) == {county.v_a2.pk}
    everyone_withholds(county)
    with scopes_disabled():
        compute_campaign_limits(campaign=county.campaign)
    assert statuses(county)[county.v_a.pk] == ("withheld", None) and statuses(county)[county.v_a2.pk] == GRANTED


@pytest.mark.django_db
@pytest.mark.parametrize("chunked", [False, True])
def test_the_python_path_skips_frozen_villages_and_says_which_and_why(computed, chunked):
    county = computed
    publish_board(county, county.v_a)
    lines_took_effect(county, county.v_b)
    everyone_withholds(county)
    scope = county.scope(county.ada)
    with activate(scope):
        result = limits_compute_run(scope=scope, campaign=county.campaign,
                                    progress=(lambda percent: None) if chunked else None)
    assert result["villages"] == 1 and result["written"] == 1
    assert [(row["code"], row["reason"]) for row in result["skipped"]] == [
        (county.v_a.code, gettext("its pre-credit board is published")),
        (county.v_b.code, gettext("its credit lines took effect"))]
    assert statuses(county) == {county.v_a.pk: GRANTED, county.v_a2.pk: ("withheld", None), county.v_b.pk: GRANTED}


@pytest.mark.django_db
def test_the_command_names_the_skipped_villages(computed):
    county = computed
    publish_board(county, county.v_a)
    everyone_withholds(county)
    code, result = run_json("compute_limits", county.campaign.code)
    assert code == 0 and result["villages"] == 2
    assert [row["code"] for row in result["skipped"]] == [county.v_a.code]
    code, one = run_json("compute_limits", county.campaign.code, "--village", county.v_a.code)
    assert code == 0 and one["villages"] == 0 and one["written"] == 0 and len(one["skipped"]) == 1
    assert statuses(county)[county.v_a.pk] == GRANTED


@pytest.mark.django_db
def test_the_job_page_says_which_villages_were_skipped_and_why(computed, client, django_capture_on_commit_callbacks):
    county = computed
    publish_board(county, county.v_a)
    everyone_withholds(county)
    client.force_login(county.tina)  # 东岭村 and 南坡村
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/surveys/campaigns/{county.campaign.pk}/compute/", {"confirmed": "1"})
    html = client.get(response["Location"]).content.decode()
    skipped = html.split('id="job-skipped"')[1].split("</div>")[0]
    assert county.v_a.name in skipped and county.v_a2.name not in skipped
    assert statuses(county)[county.v_a.pk] == GRANTED and statuses(county)[county.v_a2.pk] == ("withheld", None)


@pytest.mark.django_db
def test_without_a_frozen_village_the_job_page_lists_none(computed, client, django_capture_on_commit_callbacks):
    county = computed
    client.force_login(county.tina)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/surveys/campaigns/{county.campaign.pk}/compute/", {"confirmed": "1"})
    assert 'id="job-skipped"' not in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_a_job_never_reports_a_village_outside_its_scope(computed):
    county = computed
    lines_took_effect(county, county.v_b)  # branch B
    scope = county.scope(county.tina)
    with activate(scope):
        result = limits_compute_run(scope=scope, campaign=county.campaign)
        job = limits_compute(scope=scope, actor=county.tina, campaign=county.campaign)
    assert result["skipped"] == [] and job.kwargs["campaign_id"] == county.campaign.pk


@pytest.mark.django_db
def test_the_confirmation_page_names_the_villages_it_will_skip(computed, client):
    """Issue 15 item 5: before computing, the confirmation page counts the villages it computes and names the
    frozen ones; nothing is written until confirmed."""
    county = computed
    publish_board(county, county.v_a)
    everyone_withholds(county)
    client.force_login(county.tina)  # 东岭村 (frozen) and 南坡村
    html = client.post(f"/surveys/campaigns/{county.campaign.pk}/compute/").content.decode()
    summary = html.split('id="confirm-summary"')[1].split("</div>")[0]
    from households.models import Household
    from tests.surveys.campaign_world import zh
    with scopes_disabled():
        households = Household.objects.filter(village=county.v_a2).count()
    assert zh("The system will compute the pre-credit limits of %(households)d households in %(villages)d "
              "villages; their earlier results are replaced.", households=households, villages=1) in summary
    assert county.v_a.name in summary
    assert statuses(county)[county.v_a2.pk] != ("withheld", None)  # not recomputed yet
