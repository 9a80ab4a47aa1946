"""Issue 15 item 4: each role's home page opens with its task list; every count links to a list of exactly those
items, and another branch's items are not counted (R1)."""

import datetime
import re

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from appraisal.models import GapEdit, Panel
from credit_use.models import Drawdown
from households.models import Household
from post_loan.models import CollectionCase, Letter, ReminderCall, Visit
from publicity.models import ItemStatus, Notice, NoticeItem, NoticeKind
from sunshine_credit.models import Approval
from supervision.models import Complaint
from tests.supervision.worlds import make_task_world, village_tasks
from tests.surveys.factories import QuestionnaireFactory

D = datetime.date

TASK = re.compile(r'<li class="col task[^"]*" data-task="([a-z_]+)">(.*?)</li>', re.S)
HREF = re.compile(r'href="([^"]+)"')
COUNT = re.compile(r'task-count">(\d+)<')
TABLES = ("panel-table", "board-table", "drawdown-table", "inbox-pending", "campaign-villages", "breach-table",
          "letter-table", "case-table", "finding-list", "complaint-table")
LISTS = {"visit-list": "visit-row", "reminder-list": "reminder-row"}  # phone lists: one item per row

EXPECTED = {
    "tina": {"entry": 1, "close": 1, "gaps": 1, "reconsider": 1, "publish": 1, "check": 1,
             "visits_overdue": 1, "visits_due": 1, "calls": 1, "undelivered": 1, "limitation": 1},
    "bob": {"entry": 1, "close": 1, "gaps": 1, "reconsider": 1, "publish": 1, "check": 1,
            "visits_overdue": 1, "visits_due": 1, "calls": 1, "undelivered": 1, "limitation": 1},
    "pat": {"approvals": 1},
    "tom": {"disburse": 1, "interest": 1},
    "tess": {"disburse": 1, "interest": 1},
    # head office: both branches'
    "sue": {"escalations": 2, "overrides": 2, "breaches": 2, "complaints_overdue": 2, "limitation": 2},
    "ada": {"approvals": 4},  # the escalations and overrides; the branch president decides drawdowns
}


def tasks_of(html: str) -> dict[str, tuple[int, str]]:
    """data-task → (count, href or "") of the home page's task list."""
    found = {}
    for key, body in TASK.findall(html):
        href = HREF.search(body)
        found[key] = (int(COUNT.search(body).group(1)), href.group(1).replace("&amp;", "&") if href else "")
    return found


def listed_rows(html: str) -> int:
    """The rows of the list page's table (its empty-list row, spanning every column, is not a row)."""
    for container, item in LISTS.items():
        if f'id="{container}"' in html:
            return len(re.findall(rf'class="[^"]*\b{item}\b', html))
    for table in TABLES:
        match = re.search(rf'id="{table}".*?<tbody>(.*?)</tbody>', html, re.S)
        if match:
            rows = re.findall(r"<tr\b.*?</tr>", match.group(1), re.S)
            return sum(1 for row in rows if "colspan" not in row)
    raise AssertionError("no list table on the page")


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_each_count_links_to_a_list_of_as_many_rows(client, county, who):
    make_task_world(county)
    county.login(client, county[who])
    tasks = tasks_of(client.get("/").content.decode())
    assert {key: count for key, (count, _href) in tasks.items()} == EXPECTED[who]
    for key, (count, href) in tasks.items():
        assert href, key
        page = client.get(href)
        assert page.status_code == 200, (key, href)
        assert listed_rows(page.content.decode()) == count, (key, href)


def test_another_branchs_items_are_not_listed_behind_the_counts(client, county):
    make_task_world(county)
    county.login(client, county.tina)
    for _count, href in tasks_of(client.get("/").content.decode()).values():
        html = client.get(href).content.decode()
        assert county.v_b.name not in html and "BRBV01" not in html, href


def test_tasks_with_nothing_waiting_are_muted_and_link_nowhere(client, county):
    county.login(client, county.tina)
    html = client.get("/").content.decode()
    tasks = tasks_of(html)
    assert set(tasks) == set(EXPECTED["tina"])
    assert all(tasks[key] == (0, "") for key in tasks)
    assert html.count("task-empty") == len(tasks) and "?todo=" not in html


def test_the_auditor_has_the_review_findings_tasks(client, county):
    """Issue 17 item 3 (V2): the auditor, who had no task list, now has the democratic reviews' findings (their
    counts against the listed rows: tests/supervision/test_reviews.py)."""
    make_task_world(county)
    county.login(client, county.aude)
    tasks = tasks_of(client.get("/").content.decode())
    assert {"findings_overdue", "findings_open"} <= set(tasks)


@pytest.mark.parametrize("who, queries", [("tina", 25), ("pat", 12), ("tom", 14), ("sue", 21), ("ada", 15)])
def test_the_home_page_counts_in_a_fixed_number_of_queries(client, county, django_assert_num_queries, who, queries):
    """A few aggregate queries per role, never one per item: twice the items in branch A cost no query more."""
    make_task_world(county)
    county.login(client, county[who])
    client.get("/")  # the session
    with django_assert_num_queries(queries):
        assert client.get("/").status_code == 200
    before = tasks_of(client.get("/").content.decode())
    with scopes_disabled():
        village_tasks(county, county.v_a2, county.tina, county.branch_a)
    with django_assert_num_queries(queries):
        after = tasks_of(client.get("/").content.decode())
    assert after != before and all(after[key][0] >= before[key][0] for key in before)


@pytest.mark.parametrize("url", ["/appraisal/?todo=nonsense", "/appraisal/?campaign=abc", "/lines/drawdowns/?todo=x",
                                 "/publicity/?todo=x", "/approvals/?kind=nonsense"])
def test_an_unknown_filter_shows_the_whole_list(client, county, url):
    make_task_world(county)
    county.login(client, county.ada)
    page = client.get(url)
    assert page.status_code == 200
    assert listed_rows(page.content.decode()) > 1


def counts(client) -> dict[str, int]:
    return {key: count for key, (count, _href) in tasks_of(client.get("/").content.decode()).items()}


def test_an_item_dealt_with_leaves_the_count(client, county):
    """The other side of each task: done, its item is no longer counted (and the task links nowhere)."""
    make_task_world(county)
    with scopes_disabled():
        home = Household.objects.get(code="BRAV01-H1")
        minimum = county.campaign.min_respondents
        for _ in range(minimum - 1):
            QuestionnaireFactory(campaign=county.campaign, household=home, surveyor=county.tina)
    county.login(client, county.tina)
    assert counts(client)["entry"] == 1  # one questionnaire short of eligible households × the minimum (L1)
    with scopes_disabled():
        QuestionnaireFactory(campaign=county.campaign, household=home, surveyor=county.tina)
        GapEdit.objects.filter(household=home).update(status=GapEdit.Status.CONFIRMED)
        Panel.objects.filter(village=county.v_a, status=Panel.Status.OPEN).update(status=Panel.Status.CLOSED)
        NoticeItem.objects.filter(household=home).update(status=ItemStatus.EFFECTIVE)
        Notice.objects.create(head_office=county.head_office, village=county.v_a, kind=NoticeKind.PRECREDIT,
                              campaign=county.second, title="第二批", starts_on=D(2026, 12, 1), ends_on=D(2026, 12, 3),
                              public_token="second-board", status=Notice.Status.PUBLISHED, published_by=county.tina)
        Drawdown.objects.filter(village=county.v_a, status=Drawdown.Status.DISBURSED).update(
            post_loan_checked_on=D(2026, 12, 1), interest_paid_until=D(2099, 1, 1))
        Drawdown.objects.filter(village=county.v_a, status=Drawdown.Status.APPROVED).update(
            status=Drawdown.Status.DISBURSED)
        Approval.objects.filter(village=county.v_a).update(status=Approval.Status.APPROVED, decided_by=county.sue,
                                                          decided_at=timezone.now())
        # issue 16: the visits made, the letter's receipt signed, the case closed, the maturing loan called about
        Visit.objects.filter(village=county.v_a).update(visited_on=timezone.localdate())
        Letter.objects.filter(village=county.v_a).update(receipt_signed=True, delivered_on=timezone.localdate())
        CollectionCase.objects.filter(village=county.v_a).update(status=CollectionCase.Status.CLOSED)
        # V4: audit handled the complaint about branch A's officer
        Complaint.objects.filter(branch=county.branch_a).update(status=Complaint.Status.HANDLED)
        for loan in Drawdown.objects.filter(village=county.v_a, status=Drawdown.Status.DISBURSED):
            ReminderCall.objects.create(drawdown=loan, called_on=timezone.localdate(), called_by=county.tina,
                                        outcome=ReminderCall.Outcome.REACHED)
    assert counts(client) == dict.fromkeys(EXPECTED["tina"], 0)
    county.login(client, county.tom)
    # the drawdown just disbursed: checked, but its first quarter's interest may fall due this month
    assert counts(client)["disburse"] == 0
    county.login(client, county.pat)
    assert counts(client) == {"approvals": 0}
    county.login(client, county.sue)
    # branch B's; a late decision stays
    assert counts(client) == {"escalations": 1, "overrides": 1, "breaches": 2, "complaints_overdue": 1,
                              "limitation": 1}


@pytest.mark.parametrize(("above", "rows"), [(3, True), (2, False)])  # the county has 3 villages
def test_a_head_offices_home_page_lists_branch_totals_and_links_them(client, county, settings, above, rows):
    """Issue 18: over more villages than LIST_CHOOSE_AREA_ABOVE the home page's coverage shows branch totals, each
    a link to its dashboard, instead of a row per village of the county."""
    settings.LIST_CHOOSE_AREA_ABOVE = above
    county.login(client, county.sue)
    html = client.get("/").content.decode()
    assert (f'id="village-{county.v_a.code}"' in html) is rows
    assert (f'href="/overview/branches/{county.branch_a.pk}/"' in html) is not rows
    assert "coverage-total" in html


def test_the_branch_totals_from_the_kept_figures_equal_those_counted_from_the_villages(county, settings):
    from households.models import ArchiveStatus
    from supervision.selectors.dashboard import dashboard

    with scopes_disabled():
        for village, archived, roster, excluded in ((county.v_a, 3, 2, 1), (county.v_a2, 1, 0, 0), (county.v_b, 2, 1, 0)):
            for _ in range(archived):
                county.household(village)
            for _ in range(roster):
                county.household(village, archived=False)
            for _ in range(excluded):
                county.household(village, archive_status=ArchiveStatus.EXCLUDED, exclusion="idle")
    from sunshine_credit.scoping import activate

    scope = county.scope(county.sue)
    with activate(scope):
        settings.LIST_CHOOSE_AREA_ABOVE = 3
        counted = dashboard(scope=scope)["branches"]
        settings.LIST_CHOOSE_AREA_ABOVE = 2
        kept = dashboard(scope=scope)["branches"]
    assert kept == counted
    assert [(b["roster"], b["archived"], b["excluded"], b["villages"]) for b in kept] == [(7, 4, 1, 2), (3, 2, 0, 1)]
