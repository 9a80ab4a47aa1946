"""Issue 18: the drawdown and credit-line lists at county scale. Each is counted on its own table (capped at
LIST_COUNT_CAP, like the household list) and paged by its keys first; only the page's rows are read with their
names (sunshine_credit.lib.pagination.fill_page). Pinned here: the rows, their order and names are what the page
showed before; the count stops at the cap (at the cap and one above); the queries do not grow with the list."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from credit_use.models import Drawdown
from credit_use.views import drawdowns as drawdown_views
from tests.credit_use.factories_loans import household_with_line, make_drawdown

pytestmark = pytest.mark.django_db
D = datetime.date
START = D(2026, 6, 1)


def loans(county, n: int, *, village=None, start=START) -> list[Drawdown]:
    """`n` drawdowns of `village` (东岭村), each of its own household named 户主N, applied one day apart."""
    made = []
    for i in range(n):
        home, line = household_with_line(county, village, head_name=f"户主{i}")
        made.append(make_drawdown(county, home, line, amount=Decimal(1000 + i),
                                  disbursed_on=start + datetime.timedelta(days=i)))
    return made


def rows(response) -> list:
    return list(response.context["page"].object_list)


def test_the_drawdown_page_lists_the_newest_first_with_village_household_and_borrower(client, county):
    made = loans(county, 3)
    made += loans(county, 1, village=county.v_b)  # another branch: not pat's
    county.login(client, county.pat)
    shown = rows(client.get("/lines/drawdowns/"))
    assert [d.pk for d in shown] == [d.pk for d in reversed(made[:3])]
    first = shown[0]
    assert (first.village.name, first.household.code, first.holder_name) == (
        county.v_a.name, made[2].household.code, "户主2")
    html = client.get("/lines/drawdowns/").content.decode()
    assert "户主2" in html and made[3].number not in html


def test_a_drawdown_page_of_a_filter_keeps_the_filter(client, county):
    made = loans(county, 2)
    with scopes_disabled():
        Drawdown.objects.filter(pk=made[0].pk).update(status=Drawdown.Status.SUBMITTED)
    county.login(client, county.pat)
    response = client.get(f"/lines/drawdowns/?status={Drawdown.Status.SUBMITTED.value}")
    assert [d.pk for d in rows(response)] == [made[0].pk]


@pytest.mark.parametrize(("n", "capped"), [(3, False), (4, True)])
def test_the_drawdown_list_counts_up_to_the_cap(client, county, settings, n, capped):
    settings.LIST_COUNT_CAP = 3
    loans(county, n)
    county.login(client, county.pat)
    response = client.get("/lines/drawdowns/")
    paginator = response.context["page"].paginator
    assert paginator.capped is capped and paginator.count == n
    assert len(rows(response)) == n  # the page shows every row it has
    html = response.content.decode()
    assert ("超过3" in html or "more than 3" in html) is capped


def test_a_later_page_past_the_cap_shows_its_rows_in_order(client, county, settings, monkeypatch):
    settings.LIST_COUNT_CAP = 3
    made = loans(county, 5)
    monkeypatch.setattr(drawdown_views, "PAGE_SIZE", 2)
    county.login(client, county.pat)
    assert [d.pk for d in rows(client.get("/lines/drawdowns/?page=2"))] == [made[2].pk, made[1].pk]


@pytest.mark.parametrize(("who", "url", "queries"), [("pat", "/lines/drawdowns/", 6), ("tina", "/lines/drawdowns/", 6),
                                                    ("pat", "/lines/", 8)])
def test_a_list_page_reads_in_a_fixed_number_of_queries(client, county, django_assert_num_queries, who, url, queries):
    """The session and the user's scope (and the line list's filter choices), the capped count, the page's keys and
    the page's rows with their names in one join: the same for any number of rows."""
    loans(county, 4)
    county.login(client, county[who])
    client.get(url)  # the session
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def page_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/lines/drawdowns/", "/lines/drawdowns/?status=disbursed", "/lines/drawdowns/?book=owed",
                                 "/lines/"])
def test_a_list_page_costs_the_same_queries_for_three_rows_and_for_twelve(client, county, url):
    """No query per row: the count, the page's keys and the page's rows are one query each."""
    loans(county, 3)
    county.login(client, county.pat)
    client.get(url)  # the session
    few = page_queries(client, url)
    loans(county, 9, start=D(2026, 7, 1))
    assert page_queries(client, url) == few
    assert len(rows(client.get(url))) >= 12


def test_the_drawdown_list_counts_its_own_table_and_names_only_the_page(client, county):
    """The capped count never joins the households; the names are read for the page's keys only."""
    loans(county, 4)
    county.login(client, county.pat)
    client.get("/lines/drawdowns/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/lines/drawdowns/")
    counted = [q["sql"] for q in queries if "COUNT(" in q["sql"] and "credit_use_drawdown" in q["sql"]]
    assert len(counted) == 1 and "households_" not in counted[0]  # counted on the drawdown table alone
    named = [q["sql"] for q in queries if "households_member" in q["sql"]]
    assert len(named) == 1 and "LIMIT" not in named[0]  # the names: only for the page's keys


def test_the_line_list_counts_on_its_own_table_and_shows_holders_in_code_order(client, county, settings):
    settings.LIST_COUNT_CAP = 3
    made = loans(county, 4)
    county.login(client, county.pat)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/lines/")
    counted = [q["sql"] for q in queries if "COUNT(" in q["sql"] and "credit_use_creditline" in q["sql"]]
    assert len(counted) == 1 and "households_" not in counted[0]
    assert response.context["page"].paginator.capped  # 4 lines, cap 3
    shown = rows(response)
    assert [line.household.code for line in shown] == sorted(d.household.code for d in made)
    assert {line.holder_name for line in shown} == {f"户主{i}" for i in range(4)}
    assert all(line.holder_id_number for line in shown)


@pytest.mark.parametrize(("n", "capped"), [(3, False), (4, True)])
def test_the_line_list_counts_up_to_the_cap(client, county, settings, n, capped):
    settings.LIST_COUNT_CAP = 3
    loans(county, n)
    county.login(client, county.pat)
    paginator = client.get("/lines/").context["page"].paginator
    assert paginator.capped is capped and paginator.count == n


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
@pytest.mark.django_db(transaction=True)  # VACUUM (the visibility map an index-only scan reads) runs outside one
def test_at_county_scale_the_drawdown_page_keys_and_count_come_from_the_indexes(county):
    """With 60,000 drawdowns (a branch's 2,000 of them) the page's keys are an Index Only Scan of (village,
    applied_on) and the count one of an index of the village: no drawdown row, household or member is read for
    either."""
    from credit_use.selectors.drawdowns import drawdown_list

    made = loans(county, 1)[0]
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, "credit_use_drawdown")
                   if c.name != "id"]
        values = {"number": "'N' || i", "loan_number": "'L' || i", "core_loan_number": "''", "village_id": f"CASE WHEN i %% 30 = 0 THEN village_id ELSE {county.v_b.pk} END",
                  "applied_on": "applied_on - (i %% 700)", "due_on": "due_on + 1"}
        cursor.execute(f"INSERT INTO credit_use_drawdown ({', '.join(columns)}) SELECT "
                       f"{', '.join(values.get(c, c) for c in columns)} FROM credit_use_drawdown, "
                       f"generate_series(1, 60000) i WHERE id = %s", [made.pk])
        cursor.execute("VACUUM ANALYZE credit_use_drawdown")
    scope = county.scope(county.pat)
    with scopes_disabled():
        drawdowns = drawdown_list(scope=scope)
        keys = drawdowns.values_list("pk", flat=True)[:50].explain()
        count = drawdowns.order_by().values("pk")[:1001].explain()
    assert "Index Only Scan using drawdown_village_applied" in keys, keys
    assert "Index Only Scan" in count and "Seq Scan" not in count, count
    assert "households" not in keys + count
