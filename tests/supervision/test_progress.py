"""V1 over time (issue 17 item 1/2): the ten-day periods (旬), the stage timetable and its page, the nightly village
snapshot, the monthly trend, and the branches' ten-day progress reports (their content, the beat job made once per
period, the on-demand button, the downloads' scope)."""

import datetime
import hashlib
import io
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from sunshine_credit.errors import RuleViolation, Stale
from sunshine_credit.models import Job
from supervision.models import ProgressReport, Stage, StagePlan, VillageDay
from supervision.rules.overview import planned_share
from supervision.rules.progress import (
    SEED_DAYS,
    SEED_TOTAL_DAYS,
    STAGES,
    Period,
    PlanRow,
    check_plan,
    default_plan,
    period_containing,
    period_ending_before,
    recent_periods,
)
from supervision.selectors.progress import monthly_trend, report_figures
from supervision.services import progress as services
from tests.factories import HeadOfficeFactory, StaffFactory
from tests.surveys.factories import CampaignFactory

D = datetime.date


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    """R9's second factor (admins and supervisors) has its own tests; here the pages behind it are tested."""
    settings.OTP_REQUIRED_ROLES = frozenset()


# --- the ten-day periods ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "start", "end"), [
    (D(2026, 3, 1), D(2026, 3, 1), D(2026, 3, 10)),
    (D(2026, 3, 10), D(2026, 3, 1), D(2026, 3, 10)),
    (D(2026, 3, 11), D(2026, 3, 11), D(2026, 3, 20)),
    (D(2026, 3, 20), D(2026, 3, 11), D(2026, 3, 20)),
    (D(2026, 3, 21), D(2026, 3, 21), D(2026, 3, 31)),   # 31-day month: 11 days
    (D(2026, 3, 31), D(2026, 3, 21), D(2026, 3, 31)),
    (D(2026, 4, 30), D(2026, 4, 21), D(2026, 4, 30)),   # 30-day month
    (D(2026, 2, 21), D(2026, 2, 21), D(2026, 2, 28)),   # February: 8 days
    (D(2028, 2, 29), D(2028, 2, 21), D(2028, 2, 29)),   # leap February: 9 days
    (D(2026, 12, 31), D(2026, 12, 21), D(2026, 12, 31)),
])
def test_the_period_containing_a_day(day, start, end):
    assert period_containing(day) == Period(start, end)


@pytest.mark.parametrize(("day", "start", "end"), [
    (D(2026, 3, 11), D(2026, 3, 1), D(2026, 3, 10)),    # reported the day after the 10th
    (D(2026, 3, 10), D(2026, 2, 21), D(2026, 2, 28)),   # the 10th: its period has not ended
    (D(2026, 3, 21), D(2026, 3, 11), D(2026, 3, 20)),
    (D(2026, 3, 20), D(2026, 3, 1), D(2026, 3, 10)),
    (D(2026, 3, 1), D(2026, 2, 21), D(2026, 2, 28)),    # after February's end
    (D(2028, 3, 1), D(2028, 2, 21), D(2028, 2, 29)),
    (D(2026, 4, 1), D(2026, 3, 21), D(2026, 3, 31)),    # after a 31-day month
    (D(2026, 3, 31), D(2026, 3, 11), D(2026, 3, 20)),   # the month's last day: its period has not ended
    (D(2027, 1, 1), D(2026, 12, 21), D(2026, 12, 31)),  # across the year
])
def test_the_period_ending_before_a_day(day, start, end):
    period = period_ending_before(day)
    assert period == Period(start, end)
    assert period.day_before == start - datetime.timedelta(days=1)


def test_recent_periods_run_back_without_gaps():
    periods = recent_periods(D(2026, 3, 11), 4)
    assert [(p.start, p.end) for p in periods] == [
        (D(2026, 3, 1), D(2026, 3, 10)), (D(2026, 2, 21), D(2026, 2, 28)), (D(2026, 2, 11), D(2026, 2, 20)),
        (D(2026, 2, 1), D(2026, 2, 10))]


# --- the timetable rule ------------------------------------------------------------------------------------

def test_the_default_plan_is_seed_000s_timetable():
    rows = default_plan(D(2026, 7, 25))
    assert [(r.stage, r.starts_on, r.ends_on) for r in rows] == [
        ("archived", D(2026, 7, 25), D(2026, 9, 15)), ("surveyed", D(2026, 9, 16), D(2026, 10, 15)),
        ("computed", D(2026, 10, 16), D(2026, 10, 31)), ("appraised", D(2026, 11, 1), D(2026, 11, 10)),
        ("published", D(2026, 11, 11), D(2026, 11, 12)), ("effective", D(2026, 11, 13), D(2026, 11, 15))]
    assert SEED_TOTAL_DAYS == 114 and [s for s, _d in SEED_DAYS] == list(Stage)
    check_plan(rows)  # the offer passes the rule


def plan(*pairs) -> list[PlanRow]:
    return [PlanRow(stage, start, end) for stage, (start, end) in zip(STAGES, pairs, strict=True)]


BASE = [(D(2026, 1, 1), D(2026, 1, 31)), (D(2026, 1, 15), D(2026, 2, 10)), (D(2026, 2, 1), D(2026, 2, 15)),
        (D(2026, 2, 10), D(2026, 2, 20)), (D(2026, 2, 21), D(2026, 2, 21)), (D(2026, 2, 22), D(2026, 2, 28))]


def test_a_plan_with_overlapping_stages_in_order_passes():
    check_plan(plan(*BASE))


def test_a_stage_may_end_on_its_first_day_but_not_before():
    rows = list(BASE)
    rows[4] = (D(2026, 2, 21), D(2026, 2, 21))
    check_plan(plan(*rows))
    rows[4] = (D(2026, 2, 21), D(2026, 2, 20))
    with pytest.raises(RuleViolation) as exc:
        check_plan(plan(*rows))
    assert exc.value.code == "plan_ends_before_start" and exc.value.field == "published.ends_on"


def test_a_stage_may_start_with_the_previous_one_but_not_before():
    rows = list(BASE)
    rows[1] = (D(2026, 1, 1), D(2026, 2, 10))
    check_plan(plan(*rows))
    rows[1] = (D(2025, 12, 31), D(2026, 2, 10))
    with pytest.raises(RuleViolation) as exc:
        check_plan(plan(*rows))
    assert exc.value.code == "plan_starts_before_previous" and exc.value.field == "surveyed.starts_on"


def test_a_stage_may_end_with_the_previous_one_but_not_before():
    rows = list(BASE)
    rows[2] = (D(2026, 2, 1), D(2026, 2, 10))  # computed ends with surveyed
    check_plan(plan(*rows))
    rows[2] = (D(2026, 2, 1), D(2026, 2, 9))
    with pytest.raises(RuleViolation) as exc:
        check_plan(plan(*rows))
    assert exc.value.code == "plan_ends_before_previous" and exc.value.field == "computed.ends_on"


def test_a_stage_ending_before_the_previous_one_starts_is_refused():
    rows = list(BASE)
    rows[3] = (D(2026, 2, 10), D(2026, 1, 20))  # appraised "ends" before computed starts (and before it starts)
    with pytest.raises(RuleViolation):
        check_plan(plan(*rows))


def test_a_plan_needs_the_six_stages_in_order():
    rows = plan(*BASE)
    with pytest.raises(RuleViolation) as exc:
        check_plan([rows[1], rows[0], *rows[2:]])
    assert exc.value.code == "plan_stages"
    with pytest.raises(RuleViolation):
        check_plan(rows[:5])


# --- the timetable page ------------------------------------------------------------------------------------

def plan_post(pairs, stamp="") -> dict:
    body = {"plan-TOTAL_FORMS": "6", "plan-INITIAL_FORMS": "6", "plan-MIN_NUM_FORMS": "6",
            "plan-MAX_NUM_FORMS": "6", "plan-stamp": stamp}
    for i, (start, end) in enumerate(pairs):
        body[f"plan-{i}-starts_on"], body[f"plan-{i}-ends_on"] = start.isoformat(), end.isoformat()
    return body


@pytest.mark.django_db
def test_the_timetable_page_offers_the_seed_plan_then_saves_audited(client, county):
    url = reverse("stage_plan_edit", args=[county.campaign.pk])
    client.force_login(county.ada)
    page = client.get(url)
    assert page.status_code == 200 and b'id="plan-offered"' in page.content
    start = services.default_start(county.campaign)
    assert page.context["formset"].forms[0].initial == {"starts_on": start,
                                                       "ends_on": start + datetime.timedelta(days=52)}

    response = client.post(url, plan_post(BASE))
    assert response.status_code == 302
    with scopes_disabled():
        saved = {p.stage: (p.starts_on, p.ends_on, p.updated_by_id) for p in StagePlan.objects.filter(
            campaign=county.campaign)}
        assert saved == {stage: (*pair, county.ada.pk) for stage, pair in zip(STAGES, BASE, strict=True)}
        assert LogEntry.objects.get_for_model(StagePlan).count() == 6
    page = client.get(url)
    assert b'id="plan-offered"' not in page.content


@pytest.mark.django_db
def test_the_timetable_page_refuses_a_stage_ending_before_the_previous_one_on_its_row(client, county):
    url = reverse("stage_plan_edit", args=[county.campaign.pk])
    client.force_login(county.sue)
    rows = list(BASE)
    rows[2] = (D(2026, 2, 1), D(2026, 2, 9))
    response = client.post(url, plan_post(rows))
    assert response.status_code == 400
    assert response.context["formset"].forms[2].errors["ends_on"]
    rows[0] = (D(2026, 1, 31), D(2026, 1, 1))  # ends before it starts
    response = client.post(url, plan_post(rows))
    assert response.status_code == 400 and response.context["formset"].forms[0].errors["ends_on"]
    with scopes_disabled():
        assert not StagePlan.objects.exists()
    rows = list(BASE)
    rows[2] = (D(2026, 2, 1), D(2026, 2, 10))  # the boundary: ends with the previous one
    assert client.post(url, plan_post(rows)).status_code == 302


@pytest.mark.django_db
def test_a_timetable_changed_meanwhile_is_not_overwritten(county):
    scope = county.scope(county.ada)
    services.stage_plan_save(scope=scope, actor=county.ada, campaign_id=county.campaign.pk, rows=plan(*BASE),
                             stamp="")
    moved = list(BASE)
    moved[5] = (D(2026, 2, 22), D(2026, 3, 5))
    with pytest.raises(Stale):  # read before the first save: its stamp was ""
        services.stage_plan_save(scope=scope, actor=county.sue, campaign_id=county.campaign.pk, rows=plan(*moved),
                                 stamp="")
    with scopes_disabled():
        assert StagePlan.objects.get(campaign=county.campaign, stage="effective").ends_on == D(2026, 2, 28)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["pat", "tina", "tom", "aude"])
def test_only_head_offices_administrator_and_supervisor_set_the_timetable(client, county, who):
    url = reverse("stage_plan_edit", args=[county.campaign.pk])
    client.force_login(county[who])
    assert client.get(url).status_code == 404
    assert client.post(url, plan_post(BASE)).status_code == 404
    with scopes_disabled():
        assert not StagePlan.objects.exists()


@pytest.mark.django_db
def test_another_head_offices_campaign_is_404(client, county):
    with scopes_disabled():
        other = CampaignFactory(head_office=HeadOfficeFactory(code="HQ2", name="别的银行"))
    client.force_login(county.ada)
    url = reverse("stage_plan_edit", args=[other.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, plan_post(BASE)).status_code == 404
    assert client.get(reverse("stage_plan_edit", args=[county.campaign.pk])).status_code == 200


# --- the snapshot -------------------------------------------------------------------------------------------

def day_rows(on):
    with scopes_disabled():
        return {row.village_id: row for row in VillageDay.objects.filter(on=on)}


@pytest.mark.django_db
def test_the_snapshot_writes_one_row_per_village_and_a_rerun_overwrites(county):
    for _ in range(3):
        county.household(county.v_a)
    county.household(county.v_a, archived=False)
    county.household(county.v_b)
    on = D(2026, 12, 6)
    assert services.snapshot_figures(head_office=county.head_office, on=on) == 3
    first = day_rows(on)
    assert set(first) == {county.v_a.pk, county.v_a2.pk, county.v_b.pk}
    assert (first[county.v_a.pk].roster, first[county.v_a.pk].archived) == (4, 3)
    assert (first[county.v_b.pk].roster, first[county.v_a2.pk].roster) == (1, 0)
    assert {row.campaign_id for row in first.values()} == {county.campaign.pk}

    services.snapshot_figures(head_office=county.head_office, on=on)  # the same day again: the same rows
    again = day_rows(on)
    assert {k: v.pk for k, v in again.items()} == {k: v.pk for k, v in first.items()}

    county.household(county.v_a)
    services.snapshot_figures(head_office=county.head_office, on=on)  # overwritten, never duplicated
    with scopes_disabled():
        assert VillageDay.objects.filter(on=on).count() == 3
    assert day_rows(on)[county.v_a.pk].roster == 5
    services.snapshot_figures(head_office=county.head_office, on=on + datetime.timedelta(days=1))
    with scopes_disabled():
        assert VillageDay.objects.count() == 6


@pytest.mark.django_db
def test_the_snapshot_of_a_head_office_writes_only_its_villages(county):
    with scopes_disabled():
        other = HeadOfficeFactory(code="HQ2", name="别的银行")
    assert services.snapshot_figures(head_office=other, on=D(2026, 12, 6)) == 0
    with scopes_disabled():
        assert not VillageDay.objects.exists()


@pytest.mark.django_db
def test_the_beat_snapshot_task_runs_every_head_office(county):
    from supervision.tasks import snapshot_figures

    result = snapshot_figures.delay().get()
    assert result == {county.head_office.code: 3}


# --- the monthly trend -------------------------------------------------------------------------------------

def vday(village, on, **values):
    with scopes_disabled():
        return VillageDay.objects.create(village=village, on=on, **values)


@pytest.mark.django_db
def test_the_trend_adds_up_each_villages_last_snapshot_of_each_month(county, django_assert_num_queries):
    a, a2, b = county.v_a, county.v_a2, county.v_b
    vday(a, D(2026, 10, 5), roster=10, archived=5, precredit=1, outstanding=Decimal(999))  # not the month's last
    vday(a, D(2026, 10, 31), roster=10, archived=8, precredit=4, outstanding=Decimal(200), par30_amount=Decimal(20))
    vday(a2, D(2026, 10, 15), roster=10, archived=10, precredit=6, outstanding=Decimal(50))
    vday(a, D(2026, 11, 30), roster=10, archived=10, precredit=5, outstanding=Decimal(300), par30_amount=Decimal(30))
    vday(b, D(2026, 10, 31), roster=100, archived=0, outstanding=Decimal(10**6))  # branch B: not tina's
    vday(a, D(2026, 7, 31), roster=1, archived=1)  # before the months asked for
    scope = county.scope(county.tina)
    with django_assert_num_queries(1):
        trend = monthly_trend(scope=scope, village_ids=[a.pk, a2.pk, b.pk], months=3, today=D(2026, 12, 6))
    assert trend == {"months": ["2026-10", "2026-11", "2026-12"],
                     "outstanding": [250.0, 300.0, None],
                     "par30": [20 / 250, 30 / 300, None],
                     "archive": [18 / 20, 10 / 10, None],
                     "precredit": [10 / 18, 5 / 10, None]}
    # the head office reads branch B too
    ho = monthly_trend(scope=county.scope(county.sue), village_ids=[a.pk, b.pk], months=3, today=D(2026, 12, 6))
    assert ho["outstanding"][0] == 200.0 + 10**6


@pytest.mark.django_db
def test_the_trend_of_no_village_in_scope_is_empty(county):
    trend = monthly_trend(scope=county.scope(county.bob), village_ids=[county.v_a.pk], months=2,
                          today=D(2026, 12, 6))
    assert trend["months"] == ["2026-11", "2026-12"] and trend["outstanding"] == [None, None]


# --- the ten-day report -------------------------------------------------------------------------------------

PERIOD = Period(D(2026, 11, 11), D(2026, 11, 20))


def small_county(county):
    """Branch A: 东岭村 with snapshots on 11-10 and 11-20, 南坡村 only on 11-20 (its increase unknown); branch B's
    西河村 on both days (never in branch A's report). Timetable: surveys 11-01 … 11-30."""
    c = county.campaign
    vday(county.v_a, D(2026, 11, 10), campaign=c, roster=20, archived=10, precredit=2, surveyed=3, computed=1)
    vday(county.v_a, D(2026, 11, 20), campaign=c, roster=20, archived=16, precredit=5, surveyed=8, computed=4,
         appraised=2)
    vday(county.v_a, D(2026, 11, 15), campaign=c, roster=20, archived=99)  # inside the period: not read
    vday(county.v_a2, D(2026, 11, 20), campaign=c, roster=10, archived=10, precredit=7, surveyed=10)
    vday(county.v_b, D(2026, 11, 10), campaign=c, roster=500, archived=1)
    vday(county.v_b, D(2026, 11, 20), campaign=c, roster=500, archived=400)
    with scopes_disabled():
        for stage, (start, end) in zip(STAGES, BASE, strict=True):
            StagePlan.objects.create(campaign=c, stage=stage, starts_on=start, ends_on=end)
        StagePlan.objects.filter(campaign=c, stage="surveyed").update(starts_on=D(2026, 11, 1),
                                                                      ends_on=D(2026, 11, 30))
        StagePlan.objects.filter(campaign=c, stage="archived").update(starts_on=D(2026, 7, 1),
                                                                      ends_on=D(2026, 11, 30))


@pytest.mark.django_db
def test_the_report_shows_each_village_and_the_branch_with_the_increase_in_the_period(county):
    small_county(county)
    with scopes_disabled():
        figures = report_figures(branch=county.branch_a, campaign=county.campaign, period=PERIOD)
    east, south = figures["villages"]
    assert (east["name"], south["name"]) == ("东岭村", "南坡村")
    assert (east["roster"], east["archived"], east["precredit"]) == (20, 16, 5)
    assert east["archive_coverage"] == 16 / 20 and east["precredit_coverage"] == 5 / 16
    assert east["stages"]["archived"] == {"count": 16, "increase": 6, "base": 20, "actual": 16 / 20}
    assert east["stages"]["surveyed"] == {"count": 8, "increase": 5, "base": 16, "actual": 8 / 16}
    assert east["stages"]["appraised"]["increase"] == 2
    # 南坡村 has no snapshot of the day before the period: its increases are unknown, not its whole count
    assert south["has_before"] is False and south["stages"]["surveyed"] == {
        "count": 10, "increase": None, "base": 10, "actual": 1.0}
    assert figures["missing"] == {"before": ["南坡村"], "end": []}
    total = figures["total"]
    assert (total["roster"], total["archived"], total["stages"]["surveyed"]["count"]) == (30, 26, 18)
    assert total["stages"]["surveyed"]["increase"] == 5  # only 东岭村 has both days
    assert (total["villages"], total["counted_end"], total["counted_both"]) == (2, 2, 1)
    plan_rows = {row["stage"]: row for row in figures["plan"]}
    assert plan_rows["surveyed"]["planned"] == planned_share(D(2026, 11, 1), D(2026, 11, 30), PERIOD.end) == 2 / 3
    assert plan_rows["computed"]["planned"] == 1.0  # its end (2026-02-15) is long past


@pytest.mark.django_db
def test_a_snapshot_of_another_campaign_gives_no_stage_counts(county):
    small_county(county)
    with scopes_disabled():
        other = CampaignFactory(head_office=county.head_office)
        VillageDay.objects.filter(village=county.v_a, on=D(2026, 11, 10)).update(campaign=other)
        figures = report_figures(branch=county.branch_a, campaign=county.campaign, period=PERIOD)
    east = figures["villages"][0]
    assert east["stages"]["surveyed"]["increase"] is None
    assert east["stages"]["archived"]["increase"] == 6  # archiving belongs to no campaign


@pytest.mark.django_db
def test_the_report_files_hold_the_figures_and_their_sha256(county):
    small_county(county)
    with scopes_disabled():
        report = ProgressReport.objects.create(head_office=county.head_office, branch=county.branch_a,
                                               campaign=county.campaign, period_start=PERIOD.start,
                                               period_end=PERIOD.end)
    services.progress_report_render(report=report)
    report.refresh_from_db()
    xlsx, pdf = report.xlsx.read(), report.pdf.read()
    assert pdf.startswith(b"%PDF")
    assert report.xlsx_sha256 == hashlib.sha256(xlsx).hexdigest()
    assert report.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    rows = list(load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True))
    assert rows[1][:7] == ("BRAV01", "东岭村", 20, 16, 80.0, 5, 31.2)  # 5 ÷ 16 = 31.25 %
    assert rows[2][0] == "BRAV02" and rows[2][8] is None  # 南坡村: its archived increase unknown
    assert (rows[3][0], rows[3][2], rows[3][3]) == ("BRA", 30, 26)  # the branch's total row
    text = " ".join(str(cell) for row in rows for cell in row if cell is not None)
    assert "南坡村" in text and "2026-11-10" in text  # the note naming the missing snapshot
    assert report.figures["total"]["roster"] == 30


@pytest.mark.django_db
def test_a_village_name_cannot_start_a_formula_in_the_workbook(county):
    with scopes_disabled():
        county.v_a.name = "=HYPERLINK(\"http://x\")"
        county.v_a.save()
    small_county(county)
    with scopes_disabled():
        figures = report_figures(branch=county.branch_a, campaign=county.campaign, period=PERIOD)
    rows = list(load_workbook(io.BytesIO(services.report_xlsx(figures))).active.iter_rows(values_only=True))
    assert rows[1][1] == "'=HYPERLINK(\"http://x\")"


# --- beat: once per period -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_beat_makes_each_branchs_report_once_per_period(county):
    small_county(county)
    first = services.progress_reports_due(today=D(2026, 11, 21))
    assert (first["period_end"], first["created"], first["rendered"]) == ("2026-11-20", 2, 2)
    with scopes_disabled():
        reports = list(ProgressReport.objects.order_by("branch__code"))
        stamps = [(r.pk, r.generated_at, r.xlsx_sha256, r.pdf.name) for r in reports]
    assert [r.branch_id for r in reports] == [county.branch_a.pk, county.branch_b.pk]
    assert all(r.generated_by_id is None and r.period_start == PERIOD.start for r in reports)

    with CaptureQueriesContext(connection) as queries:
        again = services.progress_reports_due(today=D(2026, 11, 21))  # redelivered, or run twice
    assert not [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert (again["created"], again["rendered"]) == (0, 0)
    with scopes_disabled():
        assert [(r.pk, r.generated_at, r.xlsx_sha256, r.pdf.name)
                for r in ProgressReport.objects.order_by("branch__code")] == stamps


@pytest.mark.django_db
def test_beat_makes_no_report_outside_the_timetable_or_without_one(county):
    assert services.progress_reports_due(today=D(2026, 11, 21))["skipped"] == [county.head_office.code]
    small_county(county)  # the timetable ends on 2026-11-30
    assert services.progress_reports_due(today=D(2026, 12, 11))["created"] == 0  # 12-01 … 12-10: after it
    with scopes_disabled():
        assert not ProgressReport.objects.exists()


@pytest.mark.django_db
def test_the_beat_task_is_thin(county, monkeypatch):
    from supervision import tasks

    monkeypatch.setattr(services, "progress_reports_due", lambda: {"called": True})
    assert tasks.progress_reports.delay().get() == {"called": True}


# --- on demand, the list and the downloads -------------------------------------------------------------------

def made_report(county, branch) -> ProgressReport:
    with scopes_disabled():
        report = ProgressReport.objects.create(head_office=county.head_office, branch=branch,
                                               campaign=county.campaign, period_start=PERIOD.start,
                                               period_end=PERIOD.end)
    return services.progress_report_render(report=report)


@pytest.mark.django_db
def test_a_president_asks_for_their_branchs_report_and_gets_it_once(client, county,
                                                                     django_capture_on_commit_callbacks):
    small_county(county)
    client.force_login(county.pat)
    body = {"branch": county.branch_a.pk, "campaign": county.campaign.pk, "period": "2026-11-20"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("progress_report_generate"), body)
    assert response.status_code == 302
    with scopes_disabled():
        report = ProgressReport.objects.get()
        assert Job.objects.get().status == Job.Status.DONE  # eager: run on commit
    assert report.generated_by == county.pat and report.xlsx and report.pdf and report.figures["villages"]
    assert client.post(reverse("progress_report_generate"), body).status_code == 302  # made already
    with scopes_disabled():
        assert ProgressReport.objects.count() == 1 and Job.objects.count() == 1


@pytest.mark.django_db
def test_a_president_cannot_ask_for_another_branchs_report_nor_an_unended_period(client, county):
    small_county(county)
    client.force_login(county.pat)
    body = {"branch": county.branch_b.pk, "campaign": county.campaign.pk, "period": "2026-11-20"}
    assert client.post(reverse("progress_report_generate"), body).status_code == 400
    scope = county.scope(county.pat)
    with pytest.raises(Exception) as exc:  # the service checks the id itself (STYLE §3.4)
        services.progress_report_request(scope=scope, actor=county.pat, branch_id=county.branch_b.pk,
                                         campaign_id=county.campaign.pk, period_end=D(2026, 11, 20))
    assert "branch" in str(exc.value.errors[0][0])
    with pytest.raises(Exception) as exc:
        services.progress_report_request(scope=scope, actor=county.pat, branch_id=county.branch_a.pk,
                                         campaign_id=county.campaign.pk, period_end=D(2026, 11, 30),
                                         today=D(2026, 11, 30))  # the period ends today
    assert exc.value.errors[0][0] == "period"
    with pytest.raises(Exception) as exc:
        services.progress_report_request(scope=scope, actor=county.pat, branch_id=county.branch_a.pk,
                                         campaign_id=county.campaign.pk, period_end=D(2026, 11, 19),
                                         today=D(2026, 12, 6))  # not a period's end
    assert exc.value.errors[0][0] == "period"
    with scopes_disabled():
        assert not ProgressReport.objects.exists() and not Job.objects.exists()


@pytest.mark.django_db
def test_downloads_are_scoped_to_the_readers_branch(client, county):
    small_county(county)
    report_a = made_report(county, county.branch_a)
    report_b = made_report(county, county.branch_b)
    xlsx_a, pdf_a = reverse("progress_report_xlsx", args=[report_a.pk]), reverse("progress_report_pdf", args=[report_a.pk])

    client.force_login(county.pete)  # president of branch B
    assert client.get(xlsx_a).status_code == 404 and client.get(pdf_a).status_code == 404
    ok = client.get(reverse("progress_report_pdf", args=[report_b.pk]))
    assert ok.status_code == 200 and b"".join(ok.streaming_content) == report_b.pdf.open("rb").read()

    client.force_login(county.pat)
    response = client.get(xlsx_a)
    assert response.status_code == 200
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == report_a.xlsx_sha256
    for who in ("tina", "tom"):
        client.force_login(county[who])
        assert client.get(xlsx_a).status_code == 404
        assert client.get(reverse("progress_report_list")).status_code == 404
        assert client.post(reverse("progress_report_generate"), {"branch": county.branch_a.pk}).status_code == 404
    client.force_login(county.aude)
    assert client.get(pdf_a).status_code == 200


@pytest.mark.django_db
def test_the_list_shows_the_readers_reports_in_a_fixed_number_of_queries(client, county, django_assert_num_queries):
    small_county(county)
    made_report(county, county.branch_a)
    made_report(county, county.branch_b)
    client.force_login(county.pat)
    response = client.get(reverse("progress_report_list"))
    assert response.status_code == 200
    assert [r.branch_id for r in response.context["reports"]] == [county.branch_a.pk]
    assert "王庄支行" not in response.content.decode()
    client.force_login(county.sue)
    client.get(reverse("progress_report_list"))  # warm the session and the user
    with CaptureQueriesContext(connection) as two:
        client.get(reverse("progress_report_list"))
    with scopes_disabled():
        for end in (D(2026, 11, 10), D(2026, 10, 31)):
            ProgressReport.objects.create(head_office=county.head_office, branch=county.branch_a,
                                          campaign=county.campaign, period_start=period_containing(end).start,
                                          period_end=end, generated_by=county.pat)
    with django_assert_num_queries(len(two)):  # none per report: branch, campaign and requester are joined
        response = client.get(reverse("progress_report_list"))
    assert len(response.context["reports"]) == 4


@pytest.mark.django_db
def test_a_head_office_reader_elsewhere_cannot_download(client, county):
    small_county(county)
    report = made_report(county, county.branch_a)
    with scopes_disabled():
        stranger = StaffFactory(head_office=HeadOfficeFactory(code="HQ2", name="别的银行"), branch=None, role="admin").user
    client.force_login(stranger)
    assert client.get(reverse("progress_report_pdf", args=[report.pk])).status_code == 404
    assert report.pk not in [r.pk for r in client.get(reverse("progress_report_list")).context["reports"]]


# --- the batch interface (SPEC §11) -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_commands_print_one_json_object_and_run_once_per_period(county):
    import json

    from django.core.management import call_command

    small_county(county)
    out = io.StringIO()
    call_command("progress_reports", "--json", "--date", "2026-11-21", stdout=out)
    assert json.loads(out.getvalue()) == {"ok": True, "period_end": "2026-11-20", "created": 2, "rendered": 2,
                                          "skipped": []}
    out = io.StringIO()
    call_command("progress_reports", "--json", "--date", "2026-11-21", stdout=out)
    assert json.loads(out.getvalue())["created"] == 0
    out = io.StringIO()
    call_command("snapshot_figures", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"ok": True, "villages": {county.head_office.code: 3}}
    with pytest.raises(SystemExit) as exit_:
        call_command("progress_reports", "--json", "--date", "11/21", stdout=io.StringIO())
    assert exit_.value.code == 2
