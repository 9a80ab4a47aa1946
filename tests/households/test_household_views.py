"""Household archive pages: scope (R1), search without IDs in URLs (R5), edit with members (H1–H3, C4),
optimistic locking (R3), audit (R4), existing loans (H4)."""

import datetime
import re

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext
from django_scopes import scopes_disabled

from households.models import ExistingLoan, Household, Member
from households.rules import mask_id
from sunshine_credit.models import Role, Village
from sunshine_credit.scoping import scope_for_user
from tests.factories import (
    BlacklistEntryFactory,
    ExistingLoanFactory,
    HouseholdFactory,
    MemberFactory,
    make_id_number,
    staff_for,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("homes")]


def zh(msgid: str, **params) -> str:
    """The message as the page shows it: the product's msgid and placeholders in the default language,
    HTML-escaped as the template renders it."""
    with translation.override("zh-hans"):
        text = gettext(msgid)
    return escape(text % params if params else text)


@pytest.fixture
def homes(county, unscoped):
    """In 东岭村, group g1: household h_a (李大山 and his spouse 王秀英, on the roster, not yet archived); in 西河村:
    h_b (赵四) with a loan, loan_b."""
    county.g_a = county.g1
    county.h_a = HouseholdFactory(village=county.v_a, group=county.g1, code="A-0001", head__name="李大山",
                                  head__id_number="11010519491231002X", head__phone="13912345678",
                                  archive_status="roster")
    county.spouse = MemberFactory(household=county.h_a, name="王秀英", relation="配偶")
    county.h_b = HouseholdFactory(village=county.v_b, code="B-0001", head__name="赵四")
    county.loan_b = ExistingLoanFactory(member=county.h_b.representative)
    return county


def members_of(household):
    with scopes_disabled():
        return list(Member.objects.filter(household=household).order_by("id"))


def form_data(household=None, *, village, group=None, code, members, version="", **fields):
    """POST data for the household form and its member formset (existing members first)."""
    data = {"village": village.pk, "group": group.pk if group else "", "code": code, "address": "东岭村1组8号",
            "category": "farmer", "land_area": "3.50", "phone": "13800001111", "archive_status": "roster",
            "exclusion": "", "exclusion_note": "", "version": version,
            "members-TOTAL_FORMS": len(members), "members-INITIAL_FORMS": sum(1 for m in members if m.get("id")),
            "members-MIN_NUM_FORMS": 0, "members-MAX_NUM_FORMS": 1000}
    data.update(fields)
    for i, member in enumerate(members):
        for key, value in member.items():
            if value is True:
                data[f"members-{i}-{key}"] = "on"
            elif value is not False:
                data[f"members-{i}-{key}"] = value
    return {k: v for k, v in data.items() if v is not None}


def edit_data(household, **fields):
    """The edit form as loaded now: saved values, every member kept."""
    with scopes_disabled():
        household.refresh_from_db()
        members = [{"id": m.pk, "name": m.name, "id_number": m.id_number, "relation": m.relation,
                    "works_away": m.works_away, "phone": m.phone} for m in members_of(household)]
        base = {"village": household.village, "group": household.group, "code": household.code,
                "members": members, "version": household.version}
    base.update(fields)
    return form_data(**base)


# --- list, search and filters -----------------------------------------------------------------------

def test_list_shows_only_the_scope_with_masked_numbers(client, county):
    client.force_login(county.tina)
    response = client.get("/households/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "A-0001" in html and "B-0001" not in html
    assert "李大山" in html
    assert "110105********002X" in html and "11010519491231002X" not in html
    assert "138****1111" not in html and "139****5678" not in html  # household phone shown, masked
    assert "138****5678" in html
    assert "13812345678" not in html


@pytest.mark.parametrize("term", ["11010519491231002x", "110105491231002", "大山", "a-00"])
def test_search_posts_the_term_and_keeps_it_out_of_the_url(client, county, term):
    client.force_login(county.tina)
    response = client.post("/households/", {"q": term})
    assert response.status_code == 302
    assert term not in response["Location"] and "search=1" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "A-0001" in page


def test_search_excludes_other_households_and_other_scopes(client, county):
    with scopes_disabled():
        other = HouseholdFactory(village=county.v_a, code="A-0002", head__name="孙小明")
    client.force_login(county.tina)
    location = client.post("/households/", {"q": "赵四"})["Location"]   # bob's household
    assert "B-0001" not in client.get(location).content.decode()
    location = client.post("/households/", {"q": members_of(other)[0].id_number})["Location"]
    html = client.get(location).content.decode()
    assert "A-0002" in html and "A-0001" not in html


def test_search_term_is_forgotten_without_the_flag(client, county):
    client.force_login(county.tina)
    client.post("/households/", {"q": "no-such-household"})
    assert "A-0001" in client.get("/households/").content.decode()


def test_filter_by_village_and_group(client, county):
    v_a2 = county.v_a2  # tina's second village
    with scopes_disabled():
        HouseholdFactory(village=v_a2, code="A2-0001")
        HouseholdFactory(village=county.v_a, code="A-NOGROUP")
    client.force_login(county.tina)
    html = client.get("/households/", {"village": v_a2.pk}).content.decode()
    assert "A2-0001" in html and "A-0001" not in html
    html = client.get("/households/", {"group": county.g_a.pk}).content.decode()
    assert "A-0001" in html and "A-NOGROUP" not in html and "A2-0001" not in html
    # Another branch's village in the query answers nothing of it (and is not offered).
    html = client.get("/households/", {"village": county.v_b.pk}).content.decode()
    assert "B-0001" not in html and "西河村" not in html


def test_a_search_keeps_the_posted_filters_without_reading_the_choices(client, county):
    """Issue 18: the POST passes the filters on as posted, reading no village or group (one query fewer each); the
    redirect's GET checks them against the scope: another branch's village there lists nothing of it."""
    client.force_login(county.tina)
    client.get("/households/")
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/households/", {"q": "李", "village": county.v_a.pk, "group": county.g_a.pk,
                                                "archive": "roster", "branch": "x1", "officer": "<b>"})
    assert not [q for q in queries if "sunshine_credit_villagegroup" in q["sql"]]
    assert response["Location"] == (f"/households/?village={county.v_a.pk}&group={county.g_a.pk}&archive=roster"
                                    "&search=1")
    html = client.get(response["Location"]).content.decode()
    assert "A-0001" in html
    assert re.search(rf'<option value="{county.v_a.pk}" selected>', html)
    assert re.search(rf'<option value="{county.g_a.pk}" selected>', html)
    location = client.post("/households/", {"q": "赵", "village": county.v_b.pk, "archive": "nonsense"})["Location"]
    assert location == f"/households/?village={county.v_b.pk}&search=1"
    html = client.get(location).content.decode()
    assert "B-0001" not in html and "西河村" not in html and " selected>" not in select(html, "village")


def test_the_village_and_group_boxes_escape_their_names(client, county):
    with scopes_disabled():
        Village.objects.filter(pk=county.v_a2.pk).update(name='<b>"南岭"</b>')
    client.force_login(county.tina)
    html = client.get("/households/", {"village": county.v_a2.pk}).content.decode()
    assert f'<option value="{county.v_a2.pk}" selected>&lt;b&gt;&quot;南岭&quot;&lt;/b&gt;</option>' in html
    assert '<b>"南岭"' not in html
    assert select(html, "village").count(" selected>") == 1 and " selected>" not in select(html, "group")


def select(html: str, name: str) -> str:
    """The options of the list's <select name=`name`>."""
    return re.search(rf'<select[^>]* name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)


def test_a_village_list_names_one_village_of_the_scope(county):
    """The selector's own check (issue 18: the one-village list scopes its query to the village): a village outside
    the scope lists nothing, whatever the filters."""
    from households.selectors import household_list

    scope = scope_for_user(county.tina)
    with scopes_disabled():
        assert [h.code for h in household_list(scope=scope, village_id=county.v_a.pk)] == ["A-0001"]
        assert list(household_list(scope=scope, village_id=county.v_b.pk)) == []
        assert list(household_list(scope=scope, village_id=county.v_b.pk, search="B-0001")) == []


def test_pagination_keeps_the_search_flag(client, county):
    with scopes_disabled():
        for n in range(55):
            HouseholdFactory(village=county.v_a, code=f"PAGE-{n:03d}")
    client.force_login(county.tina)
    location = client.post("/households/", {"q": "PAGE-"})["Location"]
    first = client.get(location).content.decode()
    assert len(re.findall(r">PAGE-\d{3}<", first)) == 50
    assert re.search(r'href="\?search=1&amp;page=2"', first)
    second = client.get(location + "&page=2").content.decode()
    assert len(re.findall(r">PAGE-\d{3}<", second)) == 5


def test_list_query_count_does_not_grow_with_households(client, county):
    client.force_login(county.tina)

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/households/").status_code == 200
        return len(ctx.captured_queries)

    with scopes_disabled():
        for _ in range(2):
            household = HouseholdFactory(village=county.v_a)
            MemberFactory(household=household)
    with_three = count_queries()
    with scopes_disabled():
        for _ in range(27):
            household = HouseholdFactory(village=county.v_a, group=county.g_a)
            MemberFactory(household=household)
    assert count_queries() == with_three


def test_list_with_django_assert_num_queries(client, county, django_assert_num_queries):
    client.force_login(county.tina)
    client.get("/households/")  # warm the session and content types
    with CaptureQueriesContext(connection) as ctx:
        client.get("/households/")
    with scopes_disabled():
        for _ in range(20):
            HouseholdFactory(village=county.v_a)
    with django_assert_num_queries(len(ctx.captured_queries)):
        client.get("/households/")


# --- detail ----------------------------------------------------------------------------------------

def test_detail_in_and_out_of_scope(client, county):
    client.force_login(county.tina)
    response = client.get(f"/households/{county.h_a.pk}/")
    assert response.status_code == 200
    assert client.get(f"/households/{county.h_b.pk}/").status_code == 404
    assert client.get("/households/999999/").status_code == 404


def test_detail_is_not_cached(client, county):
    client.force_login(county.tina)
    response = client.get(f"/households/{county.h_a.pk}/")
    assert "no-store" in response["Cache-Control"]


def test_detail_shows_members_with_age_and_full_id_to_the_editor(client, county):
    client.force_login(county.tina)
    html = client.get(f"/households/{county.h_a.pk}/").content.decode()
    assert "11010519491231002X" in html
    assert "王秀英" in html and "1949-12-31" in html
    today = timezone.localdate()
    age = today.year - 1950 + (1 if (today.month, today.day) >= (12, 31) else 0)
    assert f">{age}<" in html
    assert "13912345678" in html


def test_detail_masks_ids_for_read_only_roles(client, county):
    client.force_login(county.pat)  # branch president: reads the branch, edits nothing
    html = client.get(f"/households/{county.h_a.pk}/").content.decode()
    assert "110105********002X" in html and "11010519491231002X" not in html
    assert "139****5678" in html and "13912345678" not in html
    assert 'id="edit-household"' not in html


def test_detail_shows_the_change_history(client, county):
    client.force_login(county.tina)
    data = edit_data(county.h_a, address="东岭村2组9号")
    assert client.post(f"/households/{county.h_a.pk}/edit/", data, REMOTE_ADDR="10.1.2.3").status_code == 302
    html = client.get(f"/households/{county.h_a.pk}/").content.decode()
    history = html.split('id="history-table"')[1]
    assert "东岭村2组9号" in history and "10.1.2.3" in history and county.tina.username in history


# --- edit and create ---------------------------------------------------------------------------------

def test_edit_out_of_scope_is_404_and_writes_nothing(client, county):
    client.force_login(county.tina)
    url = f"/households/{county.h_b.pk}/edit/"
    assert client.get(url).status_code == 404
    data = edit_data(county.h_b, address="被篡改")
    assert client.post(url, data).status_code == 404
    with scopes_disabled():
        county.h_b.refresh_from_db()
    assert county.h_b.address != "被篡改"


@pytest.mark.parametrize("role", [Role.PRESIDENT, Role.TELLER])
def test_read_only_roles_cannot_edit_or_create(client, county, role):
    user = {Role.PRESIDENT: county.pat, Role.TELLER: county.tom}[role]
    client.force_login(user)
    url = f"/households/{county.h_a.pk}/edit/"
    assert client.get(f"/households/{county.h_a.pk}/").status_code == 200
    assert client.get(url).status_code == 404
    assert client.post(url, edit_data(county.h_a, address="改了")).status_code == 404
    assert client.get("/households/new/").status_code == 404
    with scopes_disabled():
        county.h_a.refresh_from_db()
    assert county.h_a.address != "改了"


def test_supervisor_reads_everything_and_edits_nothing(client, county):
    client.force_login(county.sue)  # the supervisor
    assert client.get(f"/households/{county.h_b.pk}/").status_code == 200
    assert client.get(f"/households/{county.h_b.pk}/edit/").status_code == 404


def test_create_household_with_members(client, county):
    client.force_login(county.tina)
    head_id, child_id = make_id_number(datetime.date(1975, 3, 9)), make_id_number(datetime.date(2001, 8, 1),
                                                                                    male=False)
    data = form_data(village=county.v_a, group=county.g_a, code="A-NEW", members=[
        {"name": "周建国", "id_number": head_id.lower(), "relation": "户主", "phone": "139 0000 1234"},
        {"name": "周丽", "id_number": child_id, "relation": "女", "works_away": True, "representative": True},
        {"name": "", "id_number": "", "relation": ""},  # a blank extra row
    ])
    response = client.post("/households/new/", data)
    assert response.status_code == 302, response.content.decode()
    with scopes_disabled():
        household = Household.objects.get(code="A-NEW")
        head, child = (Member.objects.get(household=household, name=name) for name in ("周建国", "周丽"))
    assert household.version == 1 and household.updated_by == county.tina
    assert head.id_number == head_id.upper() and head.sex == "M" and head.birth_date == datetime.date(1975, 3, 9)
    assert head.phone == "13900001234"
    assert child.sex == "F" and child.works_away and household.representative == child
    entry = LogEntry.objects.get_for_object(household).first()
    assert entry.actor == county.tina


def test_create_without_a_representative_chooses_the_head(client, county):
    client.force_login(county.tina)
    data = form_data(village=county.v_a, code="A-REP", members=[
        {"name": "钱一", "id_number": make_id_number(), "relation": "配偶"},
        {"name": "钱二", "id_number": make_id_number(), "relation": "户主"}])
    assert client.post("/households/new/", data).status_code == 302
    with scopes_disabled():
        household = Household.objects.get(code="A-REP")
        assert household.representative.name == "钱二"


def test_create_refuses_two_heads_and_a_bad_id(client, county):
    client.force_login(county.tina)
    data = form_data(village=county.v_a, code="A-BAD", members=[
        {"name": "甲", "id_number": make_id_number(), "relation": "户主"},
        {"name": "乙", "id_number": make_id_number(), "relation": "户主"}])
    response = client.post("/households/new/", data)
    assert response.status_code == 200
    assert zh("The household has %(n)d members marked 户主; exactly one is allowed.", n=2) in response.content.decode()
    data = form_data(village=county.v_a, code="A-BAD", members=[
        {"name": "甲", "id_number": "110105194912310021", "relation": "户主"}])
    response = client.post("/households/new/", data)
    check_digit = zh("The check digit is wrong: the last character should be %(digit)s.", digit="X")   # 校验码
    assert check_digit in response.content.decode()
    with scopes_disabled():
        assert not Household.objects.filter(code="A-BAD").exists()


def test_create_refuses_an_id_of_another_household_naming_it_only_in_scope(client, county):
    client.force_login(county.tina)
    mine = members_of(county.h_a)[0].id_number
    theirs = members_of(county.h_b)[0].id_number
    data = form_data(village=county.v_a, code="A-DUP", members=[
        {"name": "甲", "id_number": make_id_number(), "relation": "户主"},
        {"name": "乙", "id_number": mine, "relation": "子"},
        {"name": "丙", "id_number": theirs, "relation": "女"}])
    html = client.post("/households/new/", data).content.decode()
    taken = "Row %(row)d: this ID number is already registered to another household (%(where)s)."
    with translation.override("zh-hans"):
        outside = gettext("a household outside your villages")
    assert zh(taken, row=2, where="A-0001") in html
    assert zh(taken, row=3, where=outside) in html
    assert "B-0001" not in html
    with scopes_disabled():
        assert not Household.objects.filter(code="A-DUP").exists()


def test_create_refuses_a_code_in_use(client, county):
    client.force_login(county.tina)
    data = form_data(village=county.v_a, code="B-0001", members=[
        {"name": "甲", "id_number": make_id_number(), "relation": "户主"}])
    html = client.post("/households/new/", data).content.decode()
    assert zh("This household code is already in use.") in html


def test_create_refuses_a_village_outside_the_editable_scope(client, county):
    client.force_login(county.tina)
    data = form_data(village=county.v_b, code="A-OUT", members=[
        {"name": "甲", "id_number": make_id_number(), "relation": "户主"}])
    assert client.post("/households/new/", data).status_code == 200
    with scopes_disabled():
        assert not Household.objects.filter(code="A-OUT").exists()


def test_excluded_household_needs_a_reason(client, county):
    client.force_login(county.tina)
    url = f"/households/{county.h_a.pk}/edit/"
    html = client.post(url, edit_data(county.h_a, archive_status="excluded")).content.decode()
    assert zh("Give the reason why the household is not archived.") in html
    response = client.post(url, edit_data(county.h_a, archive_status="excluded", exclusion="idle"))
    assert response.status_code == 302
    with scopes_disabled():
        county.h_a.refresh_from_db()
    assert county.h_a.exclusion == "idle"


def test_blacklisted_member_blocks_archiving(client, county):
    with scopes_disabled():
        BlacklistEntryFactory(head_office=county.h_a.head_office, id_number=county.spouse.id_number)
    client.force_login(county.tina)
    url = f"/households/{county.h_a.pk}/edit/"
    html = client.post(url, edit_data(county.h_a, archive_status="archived")).content.decode()
    assert zh("%(name)s (%(id)s) is on the blacklist; the household cannot be archived.",
              name="王秀英", id=mask_id(county.spouse.id_number)) in html
    with scopes_disabled():
        county.h_a.refresh_from_db()
    assert county.h_a.archive_status == "roster"


def test_edit_members_change_head_and_delete(client, county):
    client.force_login(county.tina)
    data = edit_data(county.h_a)
    head_pk, spouse_pk = data["members-0-id"], data["members-1-id"]
    # The spouse becomes head, the head is removed: one head throughout.
    data["members-1-relation"] = "户主"
    data["members-0-DELETE"] = "on"
    response = client.post(f"/households/{county.h_a.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()
    with scopes_disabled():
        county.h_a.refresh_from_db()
        assert not Member.objects.filter(pk=head_pk).exists()
        assert Member.objects.get(pk=spouse_pk).relation == "户主"
    assert county.h_a.representative_id == spouse_pk
    assert county.h_a.version == 2


def test_member_with_loans_cannot_be_removed(client, county):
    with scopes_disabled():
        ExistingLoanFactory(member=county.spouse)
    client.force_login(county.tina)
    data = edit_data(county.h_a)
    data["members-1-DELETE"] = "on"
    html = client.post(f"/households/{county.h_a.pk}/edit/", data).content.decode()
    assert zh("Row %(row)d: %(name)s has existing loans; delete those first.", row=2, name="王秀英") in html
    assert len(members_of(county.h_a)) == 2


# --- optimistic locking (R3) ----------------------------------------------------------------------

def test_second_concurrent_edit_is_refused_and_keeps_the_users_entries(client, county):
    from django.test import Client

    other = Client()
    with scopes_disabled():
        bob_a = staff_for(county.v_a).user  # another officer of 东岭村
    client.force_login(county.tina)
    other.force_login(bob_a)
    url = f"/households/{county.h_a.pk}/edit/"
    assert client.get(url).status_code == 200 and other.get(url).status_code == 200
    first, second = edit_data(county.h_a, address="第一个人的地址"), edit_data(county.h_a, address="第二个人的地址",
                                                                            land_area="9.00")

    assert client.post(url, first).status_code == 302
    response = other.post(url, second)
    html = response.content.decode()
    assert response.status_code == 200
    assert zh("This household was changed by someone else while you were editing it.") in html   # 已被他人修改
    assert "第二个人的地址" in html                 # the user's own entries are still in the form
    table = html.split('id="stale-differences"')[1].split("</table>")[0]
    assert "第一个人的地址" in table and "第二个人的地址" in table and "3.50" in table and "9.00" in table
    with scopes_disabled():
        county.h_a.refresh_from_db()
    assert county.h_a.address == "第一个人的地址" and county.h_a.version == 2
    assert str(county.h_a.land_area) == "3.50"
    assert 'name="version" value="2"' in html     # a deliberate second submit saves

    second["version"] = 2
    assert other.post(url, second).status_code == 302
    with scopes_disabled():
        county.h_a.refresh_from_db()
    assert county.h_a.address == "第二个人的地址" and county.h_a.version == 3


# --- existing loans (H4) ------------------------------------------------------------------------------

def loan_data(member, **fields):
    data = {"member": member.pk, "loan_number": "LN-1", "amount": "50000", "balance": "12000.50",
            "classification": "正常", "start_date": "2023-01-05", "due_date": "2025-01-05"}
    data.update(fields)
    return data


def test_add_edit_and_delete_an_existing_loan(client, county):
    client.force_login(county.tina)
    household, spouse = county.h_a, county.spouse
    response = client.post(f"/households/{household.pk}/loans/new/", loan_data(spouse, written_off="on"))
    assert response.status_code == 302
    with scopes_disabled():
        loan = ExistingLoan.objects.get(member=spouse)
    assert loan.written_off and str(loan.balance) == "12000.50"
    assert "LN-1" in client.get(f"/households/{household.pk}/").content.decode()

    response = client.post(f"/households/loans/{loan.pk}/edit/", loan_data(spouse, balance="100", classification="次级"))
    assert response.status_code == 302
    with scopes_disabled():
        loan.refresh_from_db()
    assert loan.classification == "次级" and not loan.written_off

    html = client.post(f"/households/loans/{loan.pk}/edit/", loan_data(spouse, balance="60000")).content.decode()
    assert zh("The balance cannot exceed the loan amount.") in html

    assert client.post(f"/households/loans/{loan.pk}/delete/").status_code == 302
    with scopes_disabled():
        assert not ExistingLoan.objects.filter(pk=loan.pk).exists()


def test_loan_pages_are_404_outside_the_scope(client, county):
    client.force_login(county.tina)
    household_b, loan_b = county.h_b, county.loan_b
    member_b = household_b.representative
    assert client.get(f"/households/{household_b.pk}/loans/new/").status_code == 404
    assert client.post(f"/households/{household_b.pk}/loans/new/", loan_data(member_b)).status_code == 404
    assert client.get(f"/households/loans/{loan_b.pk}/edit/").status_code == 404
    assert client.post(f"/households/loans/{loan_b.pk}/edit/", loan_data(member_b, balance="1")).status_code == 404
    assert client.post(f"/households/loans/{loan_b.pk}/delete/").status_code == 404
    # A member of B's household cannot be slipped into A's loan form either.
    assert client.post(f"/households/{county.h_a.pk}/loans/new/", loan_data(member_b)).status_code == 200
    with scopes_disabled():
        loan_b.refresh_from_db()
        assert ExistingLoan.objects.filter(member=member_b).count() == 1
    assert str(loan_b.balance) == "20000.00"


def test_read_only_role_cannot_touch_loans(client, county):
    client.force_login(county.pat)
    with scopes_disabled():
        loan = ExistingLoanFactory(member=county.spouse)
    assert client.get(f"/households/{county.h_a.pk}/loans/new/").status_code == 404
    assert client.post(f"/households/loans/{loan.pk}/delete/").status_code == 404
    with scopes_disabled():
        assert ExistingLoan.objects.filter(pk=loan.pk).exists()


def test_history_keeps_removed_members_and_loans(client, county):
    client.force_login(county.tina)
    spouse = county.spouse
    assert client.post(f"/households/{county.h_a.pk}/loans/new/", loan_data(spouse)).status_code == 302
    with scopes_disabled():
        loan = ExistingLoan.objects.get(member=spouse)
    assert client.post(f"/households/loans/{loan.pk}/delete/").status_code == 302
    data = edit_data(county.h_a)
    data["members-1-DELETE"] = "on"
    assert client.post(f"/households/{county.h_a.pk}/edit/", data).status_code == 302
    history = client.get(f"/households/{county.h_a.pk}/").content.decode().split('id="history-table"')[1]
    assert history.count("王秀英") >= 2           # created, then removed
    assert history.count("LN-1") >= 2             # the loan's creation and deletion
    assert spouse.id_number not in history        # ID numbers are masked in audit entries (R4)
    # Another branch's officer sees none of it.
    client.force_login(county.bob)
    assert client.get(f"/households/{county.h_a.pk}/").status_code == 404


def test_history_names_foreign_keys_as_auditlog_does_without_a_query_each(client, county):
    """Issue 18: the history shows a foreign key as auditlog shows it (the object's name, or "Deleted 'Member' (pk)"
    for a removed member's loan), read once per model instead of once per value and entry; the names of what the
    page holds (village, group, members, the user who changed it) cost no query at all."""
    from households.selectors import household_get, household_history
    from households.templatetags.households_extras import audit_changes

    client.force_login(county.tina)
    spouse = county.spouse
    assert client.post(f"/households/{county.h_a.pk}/loans/new/", loan_data(spouse)).status_code == 302
    with scopes_disabled():
        loan = ExistingLoan.objects.get(member=spouse)
    assert client.post(f"/households/loans/{loan.pk}/delete/").status_code == 302
    data = edit_data(county.h_a, address="东岭村2组9号")
    data["members-1-DELETE"] = "on"  # the spouse leaves: her loan's entries name a deleted member
    assert client.post(f"/households/{county.h_a.pk}/edit/", data).status_code == 302
    with scopes_disabled():
        household = household_get(scope=scope_for_user(county.tina), pk=county.h_a.pk)
        entries = household_history(household=household)
        with CaptureQueriesContext(connection) as queries:
            shown = [audit_changes(entry) for entry in entries]
        assert len(queries) == 0
        assert shown == [audit_changes(LogEntry.objects.get(pk=entry.pk)) for entry in entries]  # auditlog's own
    fks = [value for changes in shown for _field, values in changes for value in values]
    assert county.v_a.name in fks and f"Deleted 'Member' ({spouse.pk})" in fks
