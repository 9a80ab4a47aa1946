"""V1 pages: the dashboards head office → branch → village → officer. Who reads which level (R1), the drill-down
links, the campaign chooser, the .xlsx export, the query count on the county page, and — the point of the page —
every figure links to a list of exactly the rows it counts (the lists' ?branch= / ?village= / ?officer= filters,
which answer 404 for another branch's ids).

The county (tests/county.py) gets, in 东岭村 (branch A, tina's): 2 households on the roster only, an archived one
without a line, 3 loans (one 40 days overdue, one 10 days overdue, one current) each with its household and line,
and the items of every task (tests/supervision/worlds.py: a breached time limit, visits, a complaint …) in
东岭村 and 西河村 (branch B, bob's).
"""

import datetime
import io
import json
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from post_loan.services.classification import classify_all
from sunshine_credit.models import Role
from tests.factories import HeadOfficeFactory, StaffFactory, VillageFactory
from tests.guarantee_groups.factories import give_line
from tests.post_loan.classification_world import loan
from tests.supervision.worlds import make_task_world
from tests.surveys.factories import CampaignFactory

pytestmark = pytest.mark.django_db

HEAD_OFFICE = ("ada", "sue", "aude")
FIGURE = re.compile(r'<a [^>]*data-figure="([a-z0-9_]+)"[^>]*href="([^"]+)"[^>]*>([^<]*)</a>'
                    r'|<a [^>]*href="([^"]+)"[^>]*data-figure="([a-z0-9_]+)"[^>]*>([^<]*)</a>')


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    """R9's second factor is another test module's subject; here head office signs in with the password."""
    settings.OTP_REQUIRED_ROLES = frozenset()


@pytest.fixture
def world(county):
    today = timezone.localdate()
    make_task_world(county)
    with scopes_disabled():
        county.household(county.v_a, archived=False)
        county.household(county.v_a, archived=False)
        county.household(county.v_a)
        give_line(county.household(county.v_a), 30000, campaign=county.campaign)  # a line, no loan
        county.late40 = loan(county, due_on=today - datetime.timedelta(days=40), amount=20000)
        county.late10 = loan(county, due_on=today - datetime.timedelta(days=10), amount=5000)
        county.current = loan(county, due_on=today + datetime.timedelta(days=90), amount=10000)
        loan(county, due_on=today - datetime.timedelta(days=50), amount=7000, village=county.v_b)
    classify_all(today=today)
    return county


def get(client, county, user, url):
    county.login(client, user)
    return client.get(url)


def figures(html: str, container: str) -> dict[str, tuple[str, str]]:
    """data-figure → (href, text) of the links inside the element with id `container` (the first of each)."""
    start = html.index(f'id="{container}"') if container else 0
    found = {}
    for match in FIGURE.finditer(html, start):
        key, href, text = (match.group(1), match.group(2), match.group(3)) if match.group(1) else \
            (match.group(5), match.group(4), match.group(6))
        found.setdefault(key, (href.replace("&amp;", "&"), text.strip()))
    return found


def card_figures(html: str) -> dict[str, tuple[str, str]]:
    body = html[html.index('id="overview-cards"'):html.index('id="overview-plan"')]
    return figures(body, "overview-cards")


def table_rows(html: str, table_id: str) -> list[str]:
    match = re.search(rf'id="{table_id}".*?<tbody>(.*?)</tbody>', html, re.S)
    assert match, table_id
    return [row for row in re.findall(r"<tr\b.*?</tr>", match.group(1), re.S) if "colspan" not in row]


LIST_TABLES = ("household-table", "line-table", "drawdown-table", "breach-table", "appraised-table",
               "published-table")


def listed(html: str) -> int:
    for table in LIST_TABLES:
        if f'id="{table}"' in html:
            return len(table_rows(html, table))
    raise AssertionError("no list table on the page")


# --- who reads which level ------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", HEAD_OFFICE)
def test_head_office_reads_every_level(client, world, who):
    user = world[who]
    county_page = get(client, world, user, reverse("overview"))
    assert county_page.status_code == 200
    html = county_page.content.decode()
    rows = table_rows(html, "child-table")
    assert len(rows) == 2 and "城关支行" in rows[0] and "王庄支行" in rows[1]
    for url in (reverse("overview_branch", args=[world.branch_b.pk]), reverse("overview_village", args=[world.v_b.pk]),
                reverse("overview_officer", args=[world.bob.pk]), reverse("overview_officer", args=[world.tina.pk])):
        assert client.get(url).status_code == 200, url


def test_president_reads_only_their_branch(client, world):
    response = get(client, world, world.pat, reverse("overview") + f"?campaign={world.campaign.pk}")
    assert response.status_code == 302
    assert response["Location"] == reverse("overview_branch", args=[world.branch_a.pk]) + f"?campaign={world.campaign.pk}"
    assert client.get(reverse("overview_branch", args=[world.branch_a.pk])).status_code == 200
    assert client.get(reverse("overview_village", args=[world.v_a.pk])).status_code == 200
    assert client.get(reverse("overview_officer", args=[world.tina.pk])).status_code == 200
    for url in (reverse("overview_branch", args=[world.branch_b.pk]), reverse("overview_village", args=[world.v_b.pk]),
                reverse("overview_officer", args=[world.bob.pk]), reverse("overview_export"),
                reverse("overview_branch_export", args=[world.branch_b.pk])):
        assert client.get(url).status_code == 404, url


def test_officer_reads_their_own_page_and_villages_only(client, world):
    response = get(client, world, world.tina, reverse("overview"))
    assert response.status_code == 302 and response["Location"] == reverse("overview_officer", args=[world.tina.pk])
    own = client.get(response["Location"])
    assert own.status_code == 200
    names = [re.search(r'class="drill">([^<]+)<', row).group(1) for row in table_rows(own.content.decode(),
                                                                                        "child-table")]
    assert names == ["东岭村", "南坡村"]
    assert client.get(reverse("overview_village", args=[world.v_a.pk])).status_code == 200
    for url in (reverse("overview_officer", args=[world.bob.pk]), reverse("overview_village", args=[world.v_b.pk]),
                reverse("overview_branch", args=[world.branch_a.pk]), reverse("overview_branch_export",
                                                                              args=[world.branch_a.pk]),
                reverse("overview_officer_export", args=[world.bob.pk])):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("who", ["tom", "tess"])
def test_tellers_get_404_everywhere(client, world, who):
    county = world
    county.login(client, county[who])
    for url in (reverse("overview"), reverse("overview_export"), reverse("overview_branch", args=[county.branch_a.pk]),
                reverse("overview_village", args=[county.v_a.pk]), reverse("overview_officer", args=[county.tina.pk]),
                reverse("overview_village_export", args=[county.v_a.pk])):
        assert client.get(url).status_code == 404, url
    assert 'id="nav-overview"' not in client.get("/").content.decode()


def test_nav_and_home_page_link_to_the_dashboards(client, world):
    for who in ("sue", "pat", "tina"):
        html = get(client, world, world[who], "/").content.decode()
        assert 'id="nav-overview"' in html and 'id="overview-link"' in html, who


# --- drilling down --------------------------------------------------------------------------------------------

def test_each_row_name_links_one_level_down(client, world):
    campaign = f"?campaign={world.campaign.pk}"
    html = get(client, world, world.sue, reverse("overview") + campaign).content.decode()
    assert f'href="{reverse("overview_branch", args=[world.branch_a.pk])}{campaign}" class="drill"' in html
    branch = client.get(reverse("overview_branch", args=[world.branch_a.pk]) + campaign).content.decode()
    for village in (world.v_a, world.v_a2):
        assert f'href="{reverse("overview_village", args=[village.pk])}{campaign}" class="drill"' in branch
    assert f'href="{reverse("overview_officer", args=[world.tina.pk])}{campaign}" class="drill"' in branch
    assert re.search(r'<ol class="breadcrumb[^>]*>.*总行|<ol class="breadcrumb[^>]*>.*Head office', branch, re.S)
    village = client.get(reverse("overview_village", args=[world.v_a.pk])).content.decode()
    crumbs = re.search(r'id="overview-breadcrumbs">(.*?)</ol>', village, re.S).group(1)
    assert reverse("overview") in crumbs and reverse("overview_branch", args=[world.branch_a.pk]) in crumbs
    assert len(table_rows(village, "officer-table")) == 1  # tina, 包片


def test_campaign_chooser(client, world):
    url = reverse("overview_branch", args=[world.branch_a.pk])
    html = get(client, world, world.sue, f"{url}?campaign={world.second.pk}").content.decode()
    assert f'<option value="{world.second.pk}" selected>' in html
    assert f'?campaign={world.second.pk}" class="drill"' in html
    with scopes_disabled():
        foreign = CampaignFactory(head_office=HeadOfficeFactory(code="HQ2", name="另一家"))  # another head office's
    assert client.get(f"{url}?campaign={foreign.pk}").status_code == 404


def test_chart_data_and_containers(client, world):
    url = reverse("overview_branch", args=[world.branch_a.pk]) + f"?campaign={world.campaign.pk}"
    html = get(client, world, world.sue, url).content.decode()
    for chart in ("coverage", "stages", "grades", "trend"):
        assert f'data-chart="{chart}"' in html
    assert html.count('class="chart-table"') == 4
    data = json.loads(re.search(r'<script id="overview-data" type="application/json">(.*?)</script>', html,
                                re.S).group(1))
    assert data["targets"] == {"archive": 0.95, "precredit": 0.70}
    assert data["coverage"]["labels"] == ["东岭村", "南坡村"]
    assert data["coverage"]["links"][0] == reverse("overview_village", args=[world.v_a.pk]) + \
        f"?campaign={world.campaign.pk}"
    assert len(data["stages"]["labels"]) == len(data["stages"]["actual"]) == len(data["stages"]["planned"]) == 6
    assert sum(data["grades"]["amounts"]) == 20000 + 5000 + 10000 + 2 * 10000  # worlds.py's two owed drawdowns
    assert set(data["trend"]) == {"months", "outstanding", "par30", "archive", "precredit"}
    assert len(data["trend"]["months"]) == 12 and data["trend"]["months"][-1] == f"{timezone.localdate():%Y-%m}"


# --- every figure is a link to exactly its rows ---------------------------------------------------------------

COUNTED = ("roster", "archived", "precredit", "lines", "line_users", "loans", "overdue_loans", "breaches")
STAGE_COUNTED = ("stage_appraised", "stage_published")


@pytest.mark.parametrize("level, who", [("village", "tina"), ("village", "sue"), ("officer", "pat"),
                                        ("branch", "pat"), ("county", "sue")])
def test_each_count_links_to_a_list_of_as_many_rows(client, world, level, who):
    url = {"village": reverse("overview_village", args=[world.v_a.pk]),
           "officer": reverse("overview_officer", args=[world.tina.pk]),
           "branch": reverse("overview_branch", args=[world.branch_a.pk]), "county": reverse("overview")}[level]
    html = get(client, world, world[who], url).content.decode()
    cards = card_figures(html)
    checked = 0
    for key in COUNTED:
        href, text = cards[key]
        count = int(text.replace(",", ""))
        page = client.get(href)
        assert page.status_code == 200, (key, href)
        assert listed(page.content.decode()) == count, (key, href, count)
        checked += count
    assert checked > 10  # the world is not empty: the equalities above compare real rows
    plan = figures(html, "plan-table")  # the campaign's stages with a list of their own (the latest: worlds.py's third)
    for key in STAGE_COUNTED:
        href, text = plan[key]
        page = client.get(href)
        assert page.status_code == 200 and listed(page.content.decode()) == int(text) > 0, (key, href, text)


def test_village_figures_are_those_of_the_world(client, world):
    html = get(client, world, world.tina, reverse("overview_village", args=[world.v_a.pk])).content.decode()
    cards = {key: text for key, (_href, text) in card_figures(html).items()}
    # worlds.py: one archived household with two drawdowns owed (10,000 each, one maturing this month) and a line;
    # here: 2 on the roster, 1 archived without a line, 1 with a line and no loan, 3 loans each with its household
    # and line
    assert (cards["roster"], cards["archived"], cards["precredit"], cards["lines"]) == ("8", "6", "5", "5")
    assert (cards["line_users"], cards["utilisation"]) == ("4", "80.0%")
    assert (cards["loans"], cards["overdue_loans"], cards["breaches"]) == ("5", "2", "1")
    assert cards["par30"] == "36.4%"  # 20,000 of 55,000


def test_child_table_links_filter_to_each_row(client, world):
    """On the branch page, each village row's figures open lists filtered to that village."""
    html = get(client, world, world.pat, reverse("overview_branch", args=[world.branch_a.pk])).content.decode()
    rows = table_rows(html, "child-table")
    for row, village in zip(rows, (world.v_a, world.v_a2), strict=True):
        links = figures(row, "")
        archived_href, archived = links["archived"]
        assert parse_qs(urlsplit(archived_href).query) == {"archive": ["archived"], "village": [str(village.pk)]}
        assert listed(client.get(archived_href).content.decode()) == int(archived)
        lines_href, lines = links["lines"]
        assert listed(client.get(lines_href).content.decode()) == int(lines)
    village = get(client, world, world.pat, reverse("overview_village", args=[world.v_a.pk])).content.decode()
    grade_href, amount = figures(village, "grade-table")["grade_1"]
    assert grade_href == reverse("post_loan:classification_village", args=[world.v_a.pk]) + "?grade=1"
    rows = table_rows(client.get(grade_href).content.decode(), "grade-table")
    # the current loan and worlds.py's two drawdowns not yet due: 30,000 normal; the overdue ones are not listed
    assert amount == "30,000.00" and len(rows) == 3 and all('class="grade-1"' in row for row in rows)


def test_grade_and_rate_links(client, world):
    html = get(client, world, world.sue, reverse("overview_branch", args=[world.branch_b.pk])).content.decode()
    grades = figures(html, "grade-table")
    assert grades["grade_1"][0] == reverse("post_loan:classification_report") + f"?branch={world.branch_b.pk}"
    report = client.get(grades["grade_1"][0]).content.decode()
    assert "西河村" in report and "东岭村" not in report
    cards = card_figures(html)
    for key in ("repayment_rate", "visit_rate", "complaints"):
        page = client.get(cards[key][0])
        assert page.status_code == 200, key
        assert "东岭村" not in page.content.decode() and world.tina.first_name not in page.content.decode(), key
    complaints = client.get(cards["complaints"][0]).content.decode()
    assert len(table_rows(complaints, "complaint-table")) == int(cards["complaints"][1]) == 1


def test_complaints_only_for_head_office_audit(client, world):
    sue = get(client, world, world.sue, reverse("overview_branch", args=[world.branch_a.pk])).content.decode()
    assert 'data-figure="complaints"' in sue
    pat = get(client, world, world.pat, reverse("overview_branch", args=[world.branch_a.pk])).content.decode()
    assert 'data-figure="complaints"' not in pat


# --- the lists' area filters keep the scope (R1) ---------------------------------------------------------------

def test_lists_refuse_another_branchs_area(client, world):
    world.login(client, world.pat)
    other = {"branch": world.branch_b.pk, "village": world.v_b.pk, "officer": world.bob.pk}
    lists = [reverse("credit_use:drawdown_list"), reverse("credit_use:time_limit_breaches"),
             reverse("post_loan:visit_list"), reverse("post_loan:visit_rate"), reverse("post_loan:repayment_rate")]
    for url in lists:
        for key, pk in other.items():
            assert client.get(f"{url}?{key}={pk}").status_code == 404, (url, key)
        assert client.get(f"{url}?branch=x").status_code == 404, url
        assert client.get(f"{url}?officer=99999999999999999999").status_code == 404, url
    for url in (reverse("households:household_list"), reverse("credit_use:line_list"),
                reverse("post_loan:classification_report")):
        for key in ("branch", "officer"):
            assert client.get(f"{url}?{key}={other[key]}").status_code == 404, (url, key)
    world.login(client, world.tina)  # an officer: only their own officer filter
    assert client.get(reverse("credit_use:drawdown_list") + f"?officer={world.tina.pk}").status_code == 200
    with scopes_disabled():
        colleague = StaffFactory(head_office=world.head_office, role=Role.OFFICER, branch=world.branch_a,
                                 villages=[world.v_a2], user__username="carl").user
    assert client.get(reverse("credit_use:drawdown_list") + f"?officer={colleague.pk}").status_code == 404


def test_household_list_archive_filter(client, world):
    world.login(client, world.tina)
    url = reverse("households:household_list") + f"?village={world.v_a.pk}"
    assert listed(client.get(url).content.decode()) == 8
    assert listed(client.get(url + "&archive=roster").content.decode()) == 2
    assert listed(client.get(url + "&archive=junk").content.decode()) == 8  # ignored; the village still holds


def test_area_filter_narrows_a_list_and_keeps_it_in_the_pager(client, world):
    world.login(client, world.sue)
    html = client.get(reverse("credit_use:drawdown_list") + f"?village={world.v_b.pk}&book=owed").content.decode()
    assert 'id="area-filter"' in html and "西河村" in html
    assert "东岭村" not in html.split('id="drawdown-table"')[1]
    assert f'<input type="hidden" name="village" value="{world.v_b.pk}">' in html


# --- export and queries ---------------------------------------------------------------------------------------

def test_export_has_the_tables_rows_as_numbers(client, world):
    response = get(client, world, world.sue, reverse("overview_branch_export", args=[world.branch_a.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    names = [row[2] for row in rows[1:]]
    assert names == ["城关支行", "东岭村", "南坡村", "Tina"]
    header = list(rows[0])
    roster, outstanding = header.index("名册户数") if "名册户数" in header else 4, 4 + 11
    assert isinstance(rows[2][roster], int) and rows[2][roster] == 8
    assert isinstance(rows[2][outstanding], int | float) and Decimal(str(rows[2][outstanding])) == Decimal(55000)


def test_county_export_for_head_office(client, world):
    response = get(client, world, world.aude, reverse("overview_export"))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [row[2] for row in rows[1:]] == ["合计", "城关支行", "王庄支行"]
    assert rows[0][-1] and rows[1][-3] == 2  # complaints: audit's


def test_county_page_queries_do_not_grow(client, world):
    world.login(client, world.sue)
    url = reverse("overview")
    client.get(url)  # warm caches (sessions, content types)
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    today = timezone.localdate()
    with scopes_disabled():
        extra = VillageFactory(branch=world.branch_b, code="BRBV09", name="北山村")
        for _ in range(4):
            world.household(extra, archived=False)
            loan(world, due_on=today - datetime.timedelta(days=45), village=extra, officer=world.bob)
    classify_all(today=today)
    with CaptureQueriesContext(connection) as second:
        assert client.get(url).status_code == 200
    assert len(second) == len(first), [q["sql"][:120] for q in second.captured_queries]


def test_an_officer_sees_only_their_own_row_among_a_villages_officers(client, world):
    with scopes_disabled():
        colleague = StaffFactory(head_office=world.head_office, role=Role.OFFICER, branch=world.branch_a,
                                 villages=[world.v_a], user__username="carl", user__first_name="Carl").user
    url = reverse("overview_village", args=[world.v_a.pk])
    rows = table_rows(get(client, world, world.sue, url).content.decode(), "officer-table")
    assert len(rows) == 2 and any("Carl" in row for row in rows)
    rows = table_rows(get(client, world, world.tina, url).content.decode(), "officer-table")
    assert len(rows) == 1 and "Tina" in rows[0]
    assert client.get(reverse("overview_officer", args=[colleague.pk])).status_code == 404


def test_a_stage_behind_its_plan_is_flagged(client, world):
    from supervision.models import Stage, StagePlan

    today = timezone.localdate()
    with scopes_disabled():
        StagePlan.objects.create(campaign=world.campaign, stage=Stage.SURVEYED,
                                 starts_on=today - datetime.timedelta(days=20), ends_on=today - datetime.timedelta(days=1))
        StagePlan.objects.create(campaign=world.campaign, stage=Stage.COMPUTED,
                                 starts_on=today + datetime.timedelta(days=1), ends_on=today + datetime.timedelta(days=9))
    url = reverse("overview_village", args=[world.v_a.pk]) + f"?campaign={world.campaign.pk}"
    html = get(client, world, world.tina, url).content.decode()
    rows = {re.search(r'data-stage="(\w+)"', row).group(1): row for row in table_rows(html, "plan-table")}
    assert "behind" in rows["surveyed"] and "100.0%" in rows["surveyed"]  # planned all by yesterday, none surveyed
    assert "behind" not in rows["computed"] and "0.0%" in rows["computed"]  # not started yet: nothing planned
    assert "behind" not in rows["appraised"]  # no timetable


# --- the campaign stages 评议完成 and 公示: each figure opens exactly its households ---------------------------------

def stage_world(county):
    """The third campaign (worlds.py: 东岭村 and 西河村 each with one household granted, on its village's published
    board) gets, in 东岭村, one more granted and published (G2), one withheld (W: appraised, never on a board), one
    whose panel has not decided yet (U), one decided and published in the second campaign only (S), and a published
    board of another kind (a revocation notice) listing U; in 南坡村 one granted (P) whose board is still being
    printed. Returns the household codes by letter."""
    from appraisal.models import Decision, Panel
    from publicity.models import Notice, NoticeItem, NoticeKind
    from tests.appraisal.factories import PanelFactory

    def notice(village, campaign, panel, status=Notice.Status.PUBLISHED, kind=NoticeKind.PRECREDIT):
        return Notice.objects.create(
            head_office=county.head_office, village=village, kind=kind, campaign=campaign, panel=panel,
            title=f"{campaign.name} {kind}", starts_on=today, ends_on=today + datetime.timedelta(days=5),
            public_token=f"tok-{village.code}-{campaign.pk}-{kind}", status=status, published_by=county.tina)

    def decided(household, campaign, panel, status="granted", board=None, line_no=1):
        decision = Decision.objects.create(campaign=campaign, panel=panel, household=household,
                                           computed_status="granted", status=status,
                                           amount=Decimal(30000) if status == "granted" else None)
        if board is not None:
            NoticeItem.objects.create(notice=board, line_no=line_no, household=household, decision=decision,
                                      name="农*", amount=Decimal(30000))
        return decision

    today = timezone.localdate()
    with scopes_disabled():
        third, second = county.third, county.second
        panel = Panel.objects.get(campaign=third, village=county.v_a)
        board = Notice.objects.get(campaign=third, village=county.v_a, kind=NoticeKind.PRECREDIT)
        codes = {letter: county.household(county.v_a, code=f"STAGE-{letter}").code for letter in ("G2", "W", "U", "S")}
        decided(_household(codes["G2"]), third, panel, board=board, line_no=2)
        decided(_household(codes["W"]), third, panel, status="withheld")
        undecided = decided(_household(codes["U"]), third, panel, status="")
        revocation = notice(county.v_a, third, None, kind=NoticeKind.REVOCATION)
        NoticeItem.objects.create(notice=revocation, line_no=1, household=undecided.household, decision=undecided,
                                  name="农*", amount=Decimal(1))
        second_panel = Panel.objects.get(campaign=second, village=county.v_a)
        decided(_household(codes["S"]), second, second_panel, board=notice(county.v_a, second, second_panel))
        codes["P"] = county.household(county.v_a2, code="STAGE-P").code
        panel_a2 = PanelFactory(campaign=third, village=county.v_a2, status=Panel.Status.SIGNED)
        decided(_household(codes["P"]), third, panel_a2,
                board=notice(county.v_a2, third, panel_a2, status=Notice.Status.RENDERING))
    codes["H1"], codes["B1"] = f"{county.v_a.code}-H1", f"{county.v_b.code}-H1"  # worlds.py's, granted, published
    return codes


def _household(code):
    from households.models import Household

    return Household.objects.get(code=code)


# level → (page, who may read it), the households appraised and those published (letters of stage_world)
STAGE_LEVELS = {
    "village": ({"H1", "G2", "W"}, {"H1", "G2"}),
    "officer": ({"H1", "G2", "W", "P"}, {"H1", "G2"}),
    "branch": ({"H1", "G2", "W", "P"}, {"H1", "G2"}),
    "county": ({"H1", "G2", "W", "P", "B1"}, {"H1", "G2", "B1"}),
}


def stage_page(world, level: str) -> str:
    return {"village": reverse("overview_village", args=[world.v_a.pk]),
            "officer": reverse("overview_officer", args=[world.tina.pk]),
            "branch": reverse("overview_branch", args=[world.branch_a.pk]),
            "county": reverse("overview")}[level] + f"?campaign={world.third.pk}"


@pytest.mark.parametrize("level, who", [("village", "tina"), ("village", "pat"), ("village", "sue"),
                                        ("officer", "tina"), ("officer", "pat"), ("officer", "sue"),
                                        ("branch", "pat"), ("branch", "aude"), ("county", "sue")])
def test_the_appraised_and_published_stages_open_exactly_their_households(client, world, level, who):
    codes = stage_world(world)
    html = get(client, world, world[who], stage_page(world, level)).content.decode()
    plan = figures(html, "plan-table")
    for stage, letters in zip(("appraised", "published"), STAGE_LEVELS[level], strict=True):
        href, text = plan[f"stage_{stage}"]
        assert int(text) == len(letters), (stage, text, letters)
        response = client.get(href)
        assert response.status_code == 200, (stage, href)
        assert "no-store" in response["Cache-Control"]
        body = response.content.decode()
        assert listed(body) == int(text), (stage, href)
        rows = "".join(table_rows(body, f"{stage}-table"))
        shown = {letter for letter, code in codes.items() if code in rows}
        assert shown == letters, (stage, shown, letters)  # just inside listed, just outside (U, S, P unpublished) not


def test_the_stage_lists_mask_id_numbers_and_show_no_phone(client, world):
    from households.models import Member
    from sunshine_credit.lib.masking import mask_id

    codes = stage_world(world)
    with scopes_disabled():
        head = Member.objects.get(household__code=codes["W"], relation="户主")
    world.login(client, world.sue)
    body = client.get(reverse("appraisal:appraised_list", args=[world.third.pk])
                      + f"?village={world.v_a.pk}").content.decode()
    assert head.name in body and mask_id(head.id_number) in body and head.id_number not in body
    published = client.get(reverse("publicity:published_list", args=[world.third.pk])).content.decode()
    for page in (body, published):
        assert "13812345678" not in page  # the households' phone (tests/factories.py)
    assert head.id_number[:6] not in published  # the published list shows what the board showed: no ID at all


@pytest.mark.parametrize("name", ["appraisal:appraised_list", "publicity:published_list"])
def test_the_stage_lists_are_cards_on_a_phone(client, world, name):
    """A president reads these lists on a phone: each row is a card (static/css/app.css .table-cards), so every cell
    carries its column's name, in the column's order."""
    stage_world(world)
    world.login(client, world.sue)
    body = client.get(reverse(name, args=[world.third.pk])).content.decode()
    table = body.split("<table", 1)[1].split("</table>", 1)[0]
    assert "table-cards" in table.split(">", 1)[0]
    headers = re.findall(r"<th[^>]*>(.*?)</th>", table)
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], flags=re.S)
    assert rows and len(headers) == 7
    for row in rows:
        assert re.findall(r'<td[^>]*data-label="([^"]*)"', row) == headers, row


@pytest.mark.parametrize("name", ["appraisal:appraised_list", "publicity:published_list"])
def test_the_stage_lists_keep_the_scope(client, world, name):
    stage_world(world)
    url = reverse(name, args=[world.third.pk])
    world.login(client, world.pat)
    for key, pk in (("branch", world.branch_b.pk), ("village", world.v_b.pk), ("officer", world.bob.pk),
                    ("village", "x"), ("officer", 2**40)):
        assert client.get(f"{url}?{key}={pk}").status_code == 404, (key, pk)
    own = client.get(url).content.decode()  # without an area: the president's branch, never 西河村's household
    assert f"{world.v_a.code}-H1" in own and f"{world.v_b.code}-H1" not in own
    assert client.get(f"{url}?branch={world.branch_a.pk}").status_code == 200
    with scopes_disabled():
        foreign = CampaignFactory(head_office=HeadOfficeFactory(code="HQ2", name="另一家"))
    assert client.get(reverse(name, args=[foreign.pk])).status_code == 404
    assert client.get(reverse(name, args=[2**31 - 1])).status_code == 404
    assert client.post(url).status_code == 405
    world.login(client, world.tina)  # an officer: their own officer filter only
    with scopes_disabled():
        colleague = StaffFactory(head_office=world.head_office, role=Role.OFFICER, branch=world.branch_a,
                                 villages=[world.v_a], user__username="carl").user
    assert client.get(f"{url}?officer={world.tina.pk}").status_code == 200
    assert client.get(f"{url}?officer={colleague.pk}").status_code == 404


@pytest.mark.parametrize("name, module, few", [("appraisal:appraised_list", "appraisal.views.stages", 3),
                                               ("publicity:published_list", "publicity.views", 2)])
def test_the_stage_lists_page_and_their_queries_do_not_grow(client, world, monkeypatch, name, module, few):
    import importlib

    codes = stage_world(world)
    world.login(client, world.sue)
    url = reverse(name, args=[world.third.pk]) + f"?village={world.v_a.pk}"
    client.get(url)  # warm caches (sessions, content types)
    with CaptureQueriesContext(connection) as before:
        assert listed(client.get(url).content.decode()) == few
    _more_appraised_and_published(world, 6)
    with CaptureQueriesContext(connection) as after:
        assert listed(client.get(url).content.decode()) == few + 6
    assert len(after) == len(before), [q["sql"][:120] for q in after.captured_queries]
    monkeypatch.setattr(importlib.import_module(module), "PAGE_SIZE", 3)
    first = client.get(url).content.decode()
    assert listed(first) == 3 and f"?village={world.v_a.pk}&amp;page=2" in first
    last = client.get(url + "&page=3").content.decode()
    assert listed(last) == few + 6 - 6 and codes["G2"] not in last and "&amp;page=2" in last


def _more_appraised_and_published(world, n: int):
    from appraisal.models import Decision, Panel
    from publicity.models import Notice, NoticeItem, NoticeKind

    with scopes_disabled():
        panel = Panel.objects.get(campaign=world.third, village=world.v_a)
        board = Notice.objects.get(campaign=world.third, village=world.v_a, kind=NoticeKind.PRECREDIT)
        for i in range(n):
            household = world.household(world.v_a, code=f"STAGE-M{i}")
            decision = Decision.objects.create(campaign=world.third, panel=panel, household=household,
                                               computed_status="granted", status="granted", amount=Decimal(20000))
            NoticeItem.objects.create(notice=board, line_no=10 + i, household=household, decision=decision,
                                      name="农*", amount=Decimal(20000))
