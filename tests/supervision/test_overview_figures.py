"""V1: every dashboard figure against a small county computed by hand (supervision.selectors.overview), each
boundary on both sides, the scope of each role (R1), and the query count that does not grow with the county.

东岭村 (branch A, tina's) on TODAY = 2027-09-01:
  L1 10,000 due in 100 days · L2 20,000 31 days overdue · L3 5,000 30 days overdue · L4 10,000 due 60 days ago,
  repaid the day before; each its own archived household with a line of the campaign in effect (4 lines, 200,000);
  plus 2 households on the roster only, 1 archived without a line, 1 archived whose line was revoked.
  → roster 8, archived 6, pre-credit 4 (4/6), line users 3 (L1–L3; L4 repaid) → utilisation 3/4;
    loans 3, outstanding 35,000, overdue 2 / 25,000, PAR30 20,000 / 35,000 (30 days is not > 30);
    repayment (due in the last 12 months and matured): due 35,000, repaid on time 10,000;
    visits this quarter 3 scheduled, 2 done (one of last quarter not counted).
西河村 (branch B, bob's): one loan 8,000 31 days overdue.
"""

import datetime
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone
from django_scopes import scopes_disabled

from appraisal.models import Decision, DecisionStatus
from credit_use.models import LineStatus
from households.models import ArchiveStatus
from post_loan.models import Visit
from publicity.models import Notice, NoticeItem, NoticeKind
from supervision.models import Complaint, Stage, StagePlan
from supervision.rules import overview as rules
from supervision.selectors.overview import overview
from surveys.models import LimitResult, LimitStatus
from tests.appraisal.factories import PanelFactory
from tests.guarantee_groups.factories import give_line
from tests.post_loan.classification_world import loan, repay
from tests.surveys.factories import QuestionnaireFactory, RespondentFactory

D = datetime.date
TODAY = D(2027, 9, 1)
pytestmark = pytest.mark.django_db


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@pytest.fixture
def book(county):
    with scopes_disabled():
        county.l1 = loan(county, due_on=TODAY + days(100), amount=10000)
        county.l2 = loan(county, due_on=TODAY - days(31), amount=20000)
        county.l3 = loan(county, due_on=TODAY - days(30), amount=5000)
        county.l4 = loan(county, due_on=TODAY - days(60), amount=10000)
        repay(county.l4, 10000, TODAY - days(61), user=county.tom)
        county.household(county.v_a, archived=False)
        county.household(county.v_a, archived=False)
        county.plain = county.household(county.v_a)
        county.revoked = county.household(county.v_a)
        give_line(county.revoked, 30000, campaign=county.campaign, status=LineStatus.REVOKED)
        county.lb = loan(county, due_on=TODAY - days(31), amount=8000, village=county.v_b)
        quarter = D(2027, 7, 1)
        for drawdown, visited in ((county.l1, TODAY - days(3)), (county.l2, TODAY), (county.l3, None)):
            Visit.objects.create(head_office=county.head_office, village=county.v_a, household=drawdown.household,
                                 drawdown=drawdown, officer=county.tina, kind=Visit.Kind.SCHEDULED,
                                 period_start=quarter, due_on=D(2027, 9, 30), visited_on=visited)
        Visit.objects.create(head_office=county.head_office, village=county.v_a, household=county.l1.household,
                             drawdown=county.l1, officer=county.tina, kind=Visit.Kind.SCHEDULED,
                             period_start=D(2027, 4, 1), due_on=D(2027, 6, 30), visited_on=D(2027, 6, 1))
    return county


def page(county, user, level="county", pk=None, **kwargs):
    return overview(scope=county.scope(user), level=level, pk=pk, campaign=county.campaign, today=TODAY, **kwargs)


def village_row(result, village):
    return next(row for row in result["rows"] if row.key == village.pk)


def test_village_figures_by_hand(book):
    result = page(book, book.sue, "branch", book.branch_a.pk)
    v = village_row(result, book.v_a)
    assert (v.roster, v.archived, v.precredit) == (8, 6, 4)
    assert v.archive_coverage == pytest.approx(6 / 8)
    assert v.precredit_coverage == pytest.approx(4 / 6)
    assert (v.lines, v.line_amount, v.line_users) == (4, Decimal(200000), 3)
    assert v.utilisation == pytest.approx(3 / 4)
    assert (v.loans, v.borrowers, v.outstanding) == (3, 3, Decimal(35000))
    assert (v.overdue_loans, v.overdue_amount) == (2, Decimal(25000))
    # PAR30: 31 days overdue counts, 30 days does not (both sides of the boundary)
    assert v.par30_amount == Decimal(20000)
    assert v.par30 == pytest.approx(20000 / 35000)
    assert (v.due, v.repaid) == (Decimal(35000), Decimal(10000))
    assert v.repayment_rate == pytest.approx(10000 / 35000)
    assert v.graced_rate is None  # nothing due more than the grace months ago
    assert (v.visits_scheduled, v.visits_done) == (3, 2)
    assert v.visit_rate == pytest.approx(2 / 3)
    assert v.complaints is None  # villages carry no complaints


def test_branch_county_and_officer_add_up(book):
    county = page(book, book.sue)
    a, b = county["rows"]
    assert (a.name, b.name) == ("城关支行", "王庄支行")
    assert (a.villages, a.roster, a.outstanding) == (2, 8, Decimal(35000))  # 南坡村 is empty
    assert (b.loans, b.overdue_amount, b.par30_amount) == (1, Decimal(8000), Decimal(8000))
    total = county["unit"]
    assert (total.roster, total.loans, total.outstanding) == (9, 4, Decimal(43000))
    assert total.par30 == pytest.approx(28000 / 43000)
    officer = page(book, book.sue, "officer", book.tina.pk)["unit"]
    assert (officer.kind, officer.villages, officer.outstanding, officer.visits_done) == (
        "officer", 2, Decimal(35000), 2)


def test_five_category_mix_comes_from_the_last_classification(book):
    from post_loan.services.classification import classify_all

    assert page(book, book.sue)["as_of"] is None  # never classified
    with scopes_disabled():
        classify_all(today=TODAY)
    assert page(book, book.sue)["as_of"] == TODAY
    assert page(book, book.pete, "branch", book.branch_b.pk)["as_of"] == TODAY
    grades = village_row(page(book, book.sue, "branch", book.branch_a.pk), book.v_a).grades
    # L1 normal; L2 and L3 overdue (≤ 90 days) → at least special mention
    assert grades[1] == Decimal(10000)
    assert grades[2] == Decimal(25000)
    assert grades[3] == grades[4] == grades[5] == Decimal(0)


def test_archive_and_precredit_targets_on_both_sides(county, settings):
    with scopes_disabled():
        homes = [county.household(county.v_a) for _ in range(10)]
        for home in homes[:7]:
            give_line(home, 10000, campaign=county.campaign)
    v = village_row(page(county, county.sue, "branch", county.branch_a.pk), county.v_a)
    assert v.precredit_coverage == pytest.approx(0.7) and not v.below_precredit_target  # 7/10 meets 70 %
    settings.PRECREDIT_COVERAGE_TARGET = 0.71
    assert v.below_precredit_target
    assert v.archive_coverage == 1.0 and not v.below_archive_target
    with scopes_disabled():
        county.household(county.v_a, archived=False)
    v = village_row(page(county, county.sue, "branch", county.branch_a.pk), county.v_a)
    assert v.archive_coverage == pytest.approx(10 / 11) and v.below_archive_target  # 90.9 % < 95 %


def stages_world(county):
    """Campaign stages in 东岭村: h1 with the campaign's minimum of questionnaires, h2 one short; h1, h2 computed;
    h1 appraised and granted, h2 appraised and withheld; h1 on a published board and its line in effect."""
    campaign = county.campaign
    with scopes_disabled():
        h1, h2 = county.household(county.v_a), county.household(county.v_a)
        for home, n in ((h1, campaign.min_respondents), (h2, campaign.min_respondents - 1)):
            for _ in range(n):
                QuestionnaireFactory(campaign=campaign, household=home,
                                     respondent=RespondentFactory(village=county.v_a), surveyor=county.tina)
            LimitResult.objects.create(campaign=campaign, household=home, status=LimitStatus.GRANTED,
                                       amount=Decimal(30000), valid_count=n,
                                       computed_at=timezone.now())
        panel = PanelFactory(campaign=campaign, village=county.v_a)
        d1 = Decision.objects.create(campaign=campaign, panel=panel, household=h1, computed_status="granted",
                                     status=DecisionStatus.GRANTED, amount=Decimal(30000))
        Decision.objects.create(campaign=campaign, panel=panel, household=h2, computed_status="withheld",
                                status=DecisionStatus.WITHHELD)
        notice = Notice.objects.create(head_office=county.head_office, village=county.v_a, kind=NoticeKind.PRECREDIT,
                                       campaign=campaign, panel=panel, title="公示", starts_on=TODAY - days(10),
                                       ends_on=TODAY - days(8), public_token="tok-stages",
                                       status=Notice.Status.PUBLISHED, published_by=county.tina)
        NoticeItem.objects.create(notice=notice, line_no=1, household=h1, decision=d1, name="农*", amount=d1.amount)
        give_line(h1, 30000, campaign=campaign)
    return h1, h2


def test_stage_counts_and_their_bases(county):
    stages_world(county)
    unit = page(county, county.sue, "village", county.v_a.pk)["unit"]
    # the minimum of questionnaires counts, one short does not
    assert unit.stages == {"archived": 2, "surveyed": 1, "computed": 2, "appraised": 2, "published": 1,
                           "effective": 1}
    assert unit.granted == 1
    assert unit.stage_share(Stage.SURVEYED) == pytest.approx(1 / 2)      # of the archived
    assert unit.stage_share(Stage.PUBLISHED) == pytest.approx(1.0)        # of those granted
    with scopes_disabled():
        county.household(county.v_a, archived=False)
    unit = page(county, county.sue, "village", county.v_a.pk)["unit"]
    assert unit.stage_share(Stage.ARCHIVED) == pytest.approx(2 / 3)       # of the roster


def test_plan_rows_carry_the_planned_share_and_flag_a_stage_behind(county):
    stages_world(county)
    StagePlan.objects.create(campaign=county.campaign, stage=Stage.SURVEYED, starts_on=TODAY - days(9),
                             ends_on=TODAY)  # ends today: everyone should be surveyed
    StagePlan.objects.create(campaign=county.campaign, stage=Stage.PUBLISHED, starts_on=TODAY + days(1),
                             ends_on=TODAY + days(5))
    plan = {row.stage: row for row in page(county, county.sue, "village", county.v_a.pk)["plan"]}
    assert plan["surveyed"].planned == 1.0 and plan["surveyed"].actual == 0.5 and plan["surveyed"].behind
    assert plan["published"].planned == 0.0 and not plan["published"].behind
    assert plan["computed"].planned is None and not plan["computed"].behind


def test_planned_share_rule_at_its_boundaries():
    start, end = D(2027, 9, 1), D(2027, 9, 10)
    assert rules.planned_share(start, end, start - days(1)) == 0.0
    assert rules.planned_share(start, end, start) == pytest.approx(0.1)
    assert rules.planned_share(start, end, end - days(1)) == pytest.approx(0.9)
    assert rules.planned_share(start, end, end) == 1.0
    assert rules.planned_share(start, end, end + days(1)) == 1.0
    assert rules.planned_share(start, start, start) == 1.0
    assert rules.behind(0.49, 0.5) and not rules.behind(0.5, 0.5) and not rules.behind(None, 1.0)


def test_complaints_are_counted_for_audit_only(book):
    with scopes_disabled():
        Complaint.objects.create(head_office=book.head_office, branch=book.branch_a, officer=book.tina,
                                 reference="TS-000001", kind=Complaint.Kind.COMPLAINT, source=Complaint.Source.COUNTER,
                                 received_on=TODAY - days(20), due_on=TODAY - days(1), status=Complaint.Status.OPEN)
    county = page(book, book.sue)
    assert (county["unit"].complaints, county["unit"].complaints_overdue) == (1, 1)
    assert [row.complaints for row in county["rows"]] == [1, 0]
    assert page(book, book.sue, "officer", book.tina.pk)["unit"].complaints == 1
    # the branch the complaint concerns never sees it (V4), nor its officer
    assert page(book, book.pat, "branch", book.branch_a.pk)["unit"].complaints is None
    assert page(book, book.tina, "officer", book.tina.pk)["unit"].complaints is None


def test_scope_of_each_role(book):
    # a president reads their branch only
    assert [row.name for row in page(book, book.pat)["rows"]] == ["城关支行"]
    with pytest.raises(Http404):
        page(book, book.pat, "branch", book.branch_b.pk)
    with pytest.raises(Http404):
        page(book, book.pat, "village", book.v_b.pk)
    # an officer reads their own page and villages, not a colleague's
    assert page(book, book.tina, "officer", book.tina.pk)["unit"].outstanding == Decimal(35000)
    with pytest.raises(Http404):
        page(book, book.tina, "officer", book.bob.pk)
    with pytest.raises(Http404):
        page(book, book.tina, "village", book.v_b.pk)
    with pytest.raises(Http404):
        page(book, book.pete, "officer", book.tina.pk)
    # tellers read no dashboards
    with pytest.raises(Http404):
        page(book, book.tom)


def test_county_page_queries_do_not_grow_with_the_county(book, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        page(book, book.sue)
    with scopes_disabled():
        for _ in range(5):
            loan(book, due_on=TODAY - days(40), village=book.v_a2)
        book.household(book.v_b, archived=False)
    with CaptureQueriesContext(connection) as second:
        page(book, book.sue)
    assert len(second) == len(first)
    assert len(first) <= 20


def test_archive_status_excluded_is_on_the_roster_but_not_archived(county):
    with scopes_disabled():
        county.household(county.v_a)
        county.household(county.v_a, archive_status=ArchiveStatus.EXCLUDED, exclusion="idle")
    v = page(county, county.sue, "village", county.v_a.pk)["unit"]
    assert (v.roster, v.archived) == (2, 1)


def test_the_repayment_window_is_twelve_months_up_to_today():
    assert rules.repayment_window(D(2027, 9, 1)) == (D(2026, 9, 2), D(2027, 9, 1))
    assert rules.repayment_window(D(2028, 2, 29)) == (D(2027, 3, 1), D(2028, 2, 29))
    assert rules.repayment_window(D(2028, 3, 1)) == (D(2027, 3, 2), D(2028, 3, 1))
