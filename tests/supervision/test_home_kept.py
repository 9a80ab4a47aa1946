"""Issue 18: a branch's or a head office's home page reads the dashboards' kept village figures (V1) for the figures
that are the same — lines in effect, drawdowns disbursed, principal outstanding, overdue loans, archive coverage —
and counts live only what waits for someone (submitted drawdowns, revocations, breaches, the task list). Pinned here:
the kept figures equal the live ones, figure by figure and at each boundary (a disbursed loan repaid to nothing, a
loan due today, a revoked line, a household excluded); the page says when they were computed; its queries do not grow
with the book. Also the dashboards' shared link building (each URL reversed once a page) and the kept trend."""

import datetime
import importlib
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from credit_use.models import Drawdown, LineStatus
from households.models import ArchiveStatus
from sunshine_credit.scoping import activate
from supervision.views.overview import figure_links
from tests.guarantee_groups.factories import give_line
from tests.post_loan.classification_world import loan

pytestmark = pytest.mark.django_db
home = importlib.import_module("supervision.selectors.dashboard")  # the module (the package exports its function)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@pytest.fixture
def book(county, settings):
    """东岭村: owed and not due, 31 days overdue, due today (not overdue), disbursed with nothing left, submitted;
    a revoked line; households on the roster and excluded. 西河村: one loan overdue a day."""
    settings.OVERVIEW_CACHE_SECONDS = 300
    today = timezone.localdate()
    with scopes_disabled():
        loan(county, due_on=today + days(100), amount=10000)
        loan(county, due_on=today - days(31), amount=20000)
        loan(county, due_on=today, amount=7000)
        loan(county, due_on=today - days(5), amount=3000, outstanding=0)
        loan(county, due_on=today + days(90), amount=4000, status=Drawdown.Status.SUBMITTED)
        give_line(county.household(county.v_a), 30000, campaign=county.campaign, status=LineStatus.REVOKED)
        county.household(county.v_a, archived=False)
        county.household(county.v_a2, archive_status=ArchiveStatus.EXCLUDED, exclusion="idle")
        loan(county, due_on=today - days(1), amount=8000, village=county.v_b)
    return county


def figures(county, user, monkeypatch, *, kept: bool) -> dict:
    monkeypatch.setattr(home, "LIVE_VILLAGES", 0 if kept else 1000)
    scope = county.scope(user)
    with activate(scope):
        return home.dashboard(scope=scope)


def same(value):
    """None (an empty Sum) as 0, amounts compared by value."""
    return 0 if value is None else value


@pytest.mark.parametrize("who", ["sue", "pat", "pete"])
def test_the_kept_figures_equal_the_live_ones(book, monkeypatch, who):
    live = figures(book, book[who], monkeypatch, kept=False)
    kept = figures(book, book[who], monkeypatch, kept=True)
    assert live["computed_at"] is None and kept["computed_at"] is not None
    for group in ("lines", "drawn"):
        assert {k: same(v) for k, v in kept["credit"][group].items()} == {
            k: same(v) for k, v in live["credit"][group].items()}, group
    for name in ("waiting", "revocations", "breaches", "lists"):
        assert kept["credit"][name] == live["credit"][name], name
    assert kept["villages"] == live["villages"] and kept["branches"] == live["branches"]


def test_the_figures_by_hand(book, monkeypatch):
    """Both ways: a disbursed loan with nothing left is drawn but not owed; due today is not overdue."""
    for kept in (False, True):
        credit = figures(book, book.pat, monkeypatch, kept=kept)["credit"]
        assert (credit["lines"]["active"], same(credit["lines"]["amount"])) == (5, Decimal(250000))
        drawn = credit["drawn"]
        assert (drawn["count"], drawn["outstanding"]) == (4, Decimal(37000))
        assert (drawn["overdue"], drawn["overdue_amount"]) == (1, Decimal(20000))
        assert credit["waiting"] == 1


def test_the_kept_figures_are_as_old_as_they_say(client, book, monkeypatch):
    monkeypatch.setattr(home, "LIVE_VILLAGES", 0)
    book.login(client, book.pat)
    html = client.get("/").content.decode()
    assert 'id="figures-as-of"' in html and 'id="overdue-count">1<' in html
    with scopes_disabled():
        loan(book, due_on=timezone.localdate() - days(40), amount=1000)
    assert 'id="overdue-count">1<' in client.get("/").content.decode()  # kept
    cache.clear()
    assert 'id="overdue-count">2<' in client.get("/").content.decode()


def test_an_officer_counts_live_and_says_nothing_of_kept_figures(client, book):
    book.login(client, book.tina)
    html = client.get("/").content.decode()
    assert 'id="figures-as-of"' not in html and 'id="overdue-count">1<' in html


def home_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return [q["sql"] for q in queries]


@pytest.mark.parametrize(("who", "queries"), [("sue", 16), ("pat", 9)])
def test_a_home_page_of_kept_figures_reads_a_fixed_number_of_queries(client, book, monkeypatch, who, queries):
    """No query per village, loan or line; the households and the loans' amounts are not read at all."""
    monkeypatch.setattr(home, "LIVE_VILLAGES", 0)
    book.login(client, book[who])
    client.get("/")  # the session, and the kept figures
    first = home_queries(client)
    assert len(first) == queries
    assert not any("households_household" in sql or "principal_outstanding" in sql for sql in first)
    with scopes_disabled():
        for _ in range(3):
            loan(book, due_on=timezone.localdate() + days(30), amount=1000)
            loan(book, due_on=timezone.localdate() + days(30), amount=1000, village=book.v_b)
    assert len(home_queries(client)) == queries


@pytest.mark.parametrize("kind", ["county", "branch", "village", "officer"])
def test_a_pages_links_built_once_equal_each_built_alone(book, kind):
    """The dashboards reverse each URL once a page (issue 18): a row's links are those it would get alone, and each
    is the list's URL with its filters and then the row's area, as before."""
    from supervision.selectors.overview.figures import Figures

    key = {"county": None, "branch": book.branch_a.pk, "village": book.v_a.pk, "officer": book.tina.pk}[kind]
    rows = [Figures(kind=kind, key=key), Figures(kind=kind, key=None if key is None else key + 1000)]
    today, shared = timezone.localdate(), {}
    for row in rows:
        alone = figure_links(row, today=today, campaign=book.campaign)
        assert figure_links(row, today=today, campaign=book.campaign, urls=shared) == alone
        area = {} if kind == "county" else {kind: row.key}
        assert alone["roster"] == reverse("households:household_list") + (f"?{urlencode(area)}" if area else "")
        assert alone["overdue"] == f"{reverse('credit_use:drawdown_list')}?{urlencode({'book': 'overdue', **area})}"
        assert alone["line_users"] == reverse("credit_use:line_list") + "?" + urlencode(
            {"status": "active", "holders": 1, "owing": 1, **area})


def trend_reads(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum("supervision_villageday" in q["sql"] for q in queries)


@pytest.mark.parametrize(("seconds", "second_read"), [(300, 0), (0, 1)])
def test_the_monthly_trend_is_kept_with_the_figures(client, book, settings, seconds, second_read):
    settings.OVERVIEW_CACHE_SECONDS = seconds
    book.login(client, book.sue)
    for url in ("/overview/", f"/overview/branches/{book.branch_a.pk}/"):
        assert trend_reads(client, url) == 1
        assert trend_reads(client, url) == second_read


def test_a_branch_reads_its_own_kept_figures_else_the_head_offices(book):
    """The beat job keeps the head office's villages and each branch's apart: a branch page (or its president's home
    page) loads only its own; a branch entry without a village asked for is never trusted."""
    from supervision.selectors.overview.figures import _cache_key, kept_village_figures, refresh_figures

    today, ho = timezone.localdate(), book.head_office.pk
    county, at = refresh_figures(head_office_id=ho, campaign=book.campaign, today=today)
    branch_key = _cache_key(ho, book.campaign, today, book.branch_a.pk)
    assert set(cache.get(branch_key)[0]) == {book.v_a.pk, book.v_a2.pk}
    assert set(cache.get(_cache_key(ho, book.campaign, today, book.branch_b.pk))[0]) == {book.v_b.pk}
    scope = book.scope(book.pat)
    expected = {pk: county[pk] for pk in (book.v_a.pk, book.v_a2.pk)}
    with scopes_disabled():
        assert kept_village_figures(scope, scope.village_ids, book.campaign, today,
                                    branch_id=book.branch_a.pk) == (expected, at)
        cache.set(branch_key, ({book.v_a.pk: county[book.v_a.pk]}, at), 300)  # 南坡村 missing: the county's entry
        assert kept_village_figures(scope, scope.village_ids, book.campaign, today,
                                    branch_id=book.branch_a.pk) == (expected, at)
        cache.clear()
        again, computed_at = kept_village_figures(scope, scope.village_ids, book.campaign, today,
                                                  branch_id=book.branch_a.pk)
    assert again == expected and computed_at > at and cache.get(branch_key) is not None


def test_kept_figures_load_back_equal(book):
    import pickle

    from supervision.selectors.overview.figures import refresh_figures

    county, _at = refresh_figures(head_office_id=book.head_office.pk, campaign=book.campaign,
                                  today=timezone.localdate())
    item = county[book.v_a.pk]
    item.complaints, item.grades[2] = 3, Decimal("12.50")
    loaded = pickle.loads(pickle.dumps(county, pickle.HIGHEST_PROTOCOL))
    assert loaded == county and loaded[book.v_a.pk].outstanding == Decimal(37000)
    assert loaded[book.v_a.pk].grades[2] == Decimal("12.50") and loaded[book.v_a.pk].complaints == 3


def test_a_branch_pages_officers_are_read_for_its_villages_in_the_scope_only(book):
    """officer_villages(village_ids=…) narrows the assignments to those villages, cut to the reader's scope (R1)."""
    from supervision.selectors.overview.pages import officer_villages

    scope = book.scope(book.pat)
    with scopes_disabled():
        mine = officer_villages(scope=scope, village_ids=[book.v_a.pk, book.v_b.pk])
        everyone = officer_villages(scope=book.scope(book.sue), village_ids=[book.v_a.pk, book.v_b.pk])
    assert {item["username"] for item in mine.values()} == {book.tina.username}
    assert {v for item in mine.values() for v in item["villages"]} == {book.v_a.pk}
    assert {item["username"] for item in everyone.values()} == {book.tina.username, book.bob.username}


def test_another_branchs_loans_are_not_counted_either_way(book, monkeypatch):
    """R1: 西河村's president counts their own loan only, kept or live (the submitted one is 东岭村's)."""
    for kept in (False, True):
        credit = figures(book, book.pete, monkeypatch, kept=kept)["credit"]
        assert (credit["drawn"]["count"], credit["drawn"]["overdue"], credit["waiting"]) == (1, 1, 0)
        assert credit["lines"]["active"] == 1


def test_a_branch_pages_complaints_by_branch_and_officer_come_from_one_query(book):
    """complaint_counts_by groups once and adds up per field what complaint_counts counts per field (V4)."""
    from supervision.models import Complaint
    from supervision.selectors.overview import overview
    from supervision.selectors.overview.pages import complaint_counts, complaint_counts_by

    today = timezone.localdate()
    with scopes_disabled():
        for n, (branch, officer, due) in enumerate(((book.branch_a, book.tina, -1), (book.branch_a, book.tina, 5),
                                                    (book.branch_a, None, -2), (book.branch_b, book.bob, -1))):
            Complaint.objects.create(head_office=book.head_office, branch=branch, officer=officer,
                                     reference=f"TS-{n:06d}", kind=Complaint.Kind.COMPLAINT,
                                     source=Complaint.Source.COUNTER, received_on=today - days(20),
                                     due_on=today + days(due), status=Complaint.Status.OPEN)
    scope = book.scope(book.sue)
    with scopes_disabled():
        both = complaint_counts_by(scope=scope, today=today, fields=("branch_id", "officer_id"))
        assert both == (complaint_counts(scope=scope, today=today, by="branch_id"),
                        complaint_counts(scope=scope, today=today, by="officer_id"))
    assert (both[0][book.branch_a.pk]["n"], both[0][book.branch_a.pk]["overdue"]) == (3, 2)
    assert (both[1][book.tina.pk]["n"], both[1][book.tina.pk]["overdue"]) == (2, 1)
    page = overview(scope=scope, level="branch", pk=book.branch_a.pk, campaign=book.campaign, today=today)
    assert (page["unit"].complaints, page["unit"].complaints_overdue) == (3, 2)
    assert {row.code: row.complaints for row in page["officers"]} == {book.tina.username: 2}
    assert complaint_counts_by(scope=book.scope(book.pat), today=today, fields=("branch_id", "officer_id")) == (
        None, None)
