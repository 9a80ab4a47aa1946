"""Issue 18: the household search answers from indexes, cheapest first — an exact ID number or household code
before any substring, a one- or two-character term from the start or end of a name, longer terms anywhere — and the
list counts at most LIST_COUNT_CAP rows instead of the whole county."""

import re

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from households.selectors import household_list
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db


def codes(county, user, term):
    with scopes_disabled():
        return sorted(h.code for h in household_list(scope=county.scope(user), search=term))


@pytest.fixture
def named(county):
    with scopes_disabled():
        for code, name in (("N-1", "李大山"), ("N-2", "欧阳大山"), ("N-3", "王五"), ("N-4", "张大")):
            MemberFactory(household=HouseholdFactory(village=county.v_a, code=code), name=name)
        HouseholdFactory(village=county.v_a, code="N-10")
    return county


@pytest.mark.parametrize(("term", "expected"), [
    ("李大", ["N-1"]),                 # the start of a name
    ("大山", ["N-1", "N-2"]),          # the end of a name (a given name)
    ("王五", ["N-3"]),                 # a whole two-character name
    ("阳大", []),                      # two characters inside a four-character name: neither start nor end
    ("阳大山", ["N-2"]),               # three characters: anywhere in the name
    ("大", ["N-4"]),                   # one character: 张大 ends with it; 李大山's middle does not count
])
def test_name_terms(named, term, expected):
    assert codes(named, named.tina, term) == expected


def test_an_exact_household_code_finds_that_household_only(named):
    assert codes(named, named.tina, "N-1") == ["N-1"]        # not N-10, whose code contains it
    assert codes(named, named.tina, "n-1") == ["N-1", "N-10"]  # not a code as typed: a substring search


def test_an_id_shaped_term_is_an_exact_lookup_never_a_substring(county):
    with scopes_disabled():
        home = HouseholdFactory(village=county.v_a, code="110105194912310021")  # a code made of digits
        member = MemberFactory(household=home)
    assert codes(county, county.tina, member.id_number) == [home.code]
    assert codes(county, county.tina, member.id_number.lower()) == [home.code]
    other = "110105194912310039"
    assert other != member.id_number
    assert codes(county, county.tina, other) == []
    # the code itself is ID-shaped: it is looked up as an ID (no member has it), not as a code
    assert codes(county, county.tina, home.code) == ([home.code] if home.code == member.id_number else [])


def test_the_search_stays_in_scope(named):
    with scopes_disabled():
        MemberFactory(household=HouseholdFactory(village=named.v_b, code="B-9"), name="李大山")
    assert codes(named, named.tina, "李大山") == ["N-1"]
    assert codes(named, named.sue, "李大山") == ["B-9", "N-1"]


@pytest.mark.parametrize(("households", "capped"), [(3, False), (4, True)])
def test_the_list_counts_up_to_the_cap(client, county, settings, households, capped):
    settings.LIST_COUNT_CAP = 3
    with scopes_disabled():
        for i in range(households):
            HouseholdFactory(village=county.v_a, code=f"C-{i}")
    client.force_login(county.tina)
    html = client.get(f"/households/?village={county.v_a.pk}").content.decode()
    count = re.search(r'id="household-count">([^<]*)<', html).group(1)
    if capped:
        assert "超过3户" in count or "More than 3 households" in count
    else:
        assert count in ("共3户", "3 households")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's indexes")
def test_each_member_predicate_is_an_index_condition_at_county_scale(named):
    """With a county's 400,000 members, each member look-up of the search is answered by its index (the predicate
    is an Index Cond; no Seq Scan) — what keeps a county-wide search from reading every member."""
    from households import selectors
    from households.models import Member

    with scopes_disabled():
        home = HouseholdFactory(village=named.v_a, code="MANY")
        with connection.cursor() as cursor:
            chars = "一二三四五六七八九十明华国建军平大山小红"
            cursor.execute(
                "INSERT INTO households_member (head_office_id, household_id, name, id_number, relation, sex, "
                "birth_date, works_away, phone) SELECT %s, %s, substr('赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许', i %% 20 + 1, 1)"
                " || substr(%s, (i / 20) %% 20 + 1, 1) || substr(%s, (i / 400) %% 20 + 1, 1), '9' || lpad(i::text, 17, '0'),"
                " '其他', 'M', '1980-01-01', false, '' FROM generate_series(1, 400000) i",
                [named.head_office.pk, home.pk, chars, chars])
            cursor.execute("ANALYZE households_member")
        expected = {
            "李大山": "~~ '%李大山%'",                     # trigram: a name containing the term
            "李大": "(name)::text ~>=~ '李大'",            # pattern ops: a name starting with it
            "大山": "reverse((name)::text) ~>=~ '山大'",   # pattern ops over reverse(name): a name ending with it
            "110105194912310021": "(id_number)::text = '110105194912310021'",
        }
        for term, condition in expected.items():
            q = selectors._search_filter(named.scope(named.sue), term)
            members = [child[1] for child in q.children
                       if isinstance(child, tuple) and child[0] == "pk__in" and child[1].model is Member]
            plans = [sub.explain() for sub in members]
            conditions = [line for plan in plans for line in plan.splitlines() if "Index Cond" in line]
            assert any(condition in line for line in conditions), (term, plans)
            assert not any("Seq Scan" in plan for plan in plans), (term, plans)


@pytest.mark.parametrize(("above", "chooses"), [(2, True), (3, False)])  # the county has 3 villages
def test_a_county_wide_list_starts_from_choosing_a_branch_or_village(client, county, settings, above, chooses):
    settings.LIST_CHOOSE_AREA_ABOVE = above
    with scopes_disabled():
        HouseholdFactory(village=county.v_b, code="B-CHOOSE")
    client.force_login(county.sue)
    html = client.get("/households/").content.decode()
    assert ('id="household-choose"' in html) is chooses
    assert ("B-CHOOSE" in html) is not chooses
    if chooses:
        assert f'href="?village={county.v_b.pk}"' in html and f'href="?branch={county.branch_b.pk}"' in html
    # a village chosen, or a search, lists households whatever the scope's size
    assert "B-CHOOSE" in client.get(f"/households/?village={county.v_b.pk}").content.decode()
    assert "B-CHOOSE" in client.get(f"/households/?branch={county.branch_b.pk}").content.decode()
    response = client.post("/households/", {"q": "B-CHOOSE"})
    assert "B-CHOOSE" in client.get(response["Location"]).content.decode()
