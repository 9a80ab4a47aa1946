"""The group pages: list (no N+1), forming a group with the rule errors shown, the group's page and its actions,
the line-change page; scope (R1): bob of another branch gets 404 on every GET and POST and nothing is written."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext
from django_scopes import scopes_disabled

from credit_use.models import CreditLine, LineChangeRequest, LineStatus
from guarantee_groups.models import GroupMember, GuaranteeGroup
from sunshine_credit.models import Approval

from .factories import add_household, make_group, make_group_world, reload

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(county):
    """The shared county with five households of 东岭村 holding lines (make_group_world)."""
    return make_group_world(county)


def hid(county, i):
    return county.households[i].pk


def state():
    """Everything the pages may write: compared before and after a refused request."""
    with scopes_disabled():
        return (list(GuaranteeGroup.objects.order_by("pk").values()), list(GroupMember.objects.order_by("pk").values()),
                list(CreditLine.objects.order_by("pk").values_list("pk", "amount", "status", "version")),
                list(Approval.objects.values_list("pk", flat=True)), list(LineChangeRequest.objects.values_list("pk")))


def post_form(client, county, indexes=(0, 1, 2), leader=0, user="tina", village=None, **extra):
    client.force_login(county[user])
    village = village or county.v_a
    data = {"households": [hid(county, i) for i in indexes], "leader": hid(county, leader), "name": "", **extra}
    return client.post(f"/groups/new/?village={village.pk}", data)


# --- list ---------------------------------------------------------------------------------------------------

def test_the_list_shows_the_scopes_groups_with_members_totals_and_flags(client, county):
    ok = make_group(county, (0, 1, 2), name="甲组")
    bad = make_group(county, (3, 4), leader=3, name="乙组")
    with scopes_disabled():
        GuaranteeGroup.objects.filter(pk=bad.pk).update(flagged=True, flag_reasons=["G1", "G2"])
        other = GuaranteeGroup.objects.create(head_office_id=county.v_b.branch.head_office_id, village=county.v_b,
                                              number=1, name="外村组", leader=county.h_b, created_by=county.bob)
    client.force_login(county.tina)
    page = client.get("/groups/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "甲组" in html and "乙组" in html and "外村组" not in html
    assert "100,000.00" in html and "30,000.00" in html  # the totals of the lines
    assert 'data-flagged="1"' in html and "G1, G2" in html
    assert f"/groups/{ok.pk}/" in html and f"/groups/{other.pk}/" not in html
    assert "/groups/new/" in html  # tina forms groups
    client.force_login(county.bob)
    html = client.get("/groups/").content.decode()
    assert "外村组" in html and "甲组" not in html


def test_the_list_filters_by_village(client, county):
    make_group(county, (0, 1, 2), name="甲组")
    client.force_login(county.tina)
    assert "甲组" not in client.get(f"/groups/?village={county.v_a2.pk}").content.decode()
    html = client.get(f"/groups/?village={county.v_a.pk}").content.decode()
    assert "甲组" in html and f"/groups/register/{county.v_a.pk}.pdf" in html
    assert "甲组" in client.get(f"/groups/?village={county.v_b.pk}").content.decode()  # not a choice: ignored


def test_the_list_makes_the_same_number_of_queries_for_more_groups(client, county, django_assert_num_queries):
    client.force_login(county.tina)
    make_group(county, (0, 1, 2))
    with CaptureQueriesContext(connection) as one:
        client.get("/groups/")
    for n in range(4):
        extra = [add_household(county, 10000, f"X-{n}-{k}") for k in range(3)]
        with scopes_disabled():
            group = GuaranteeGroup.objects.create(head_office_id=county.v_a.branch.head_office_id,
                                                  village=county.v_a, number=n + 2, leader=extra[0],
                                                  created_by=county.tina)
            for home in extra:
                GroupMember.objects.create(group=group, household=home)
    with django_assert_num_queries(len(one)):
        page = client.get("/groups/")
    assert page.content.decode().count("/groups/") >= 5


# --- forming ------------------------------------------------------------------------------------------------

def test_the_form_offers_free_households_with_a_line_in_effect(client, county):
    make_group(county, (0, 1, 2))
    with scopes_disabled():
        CreditLine.objects.filter(pk=county.lines[4].pk).update(status=LineStatus.REVOKED)
    client.force_login(county.tina)
    page = client.get(f"/groups/new/?village={county.v_a.pk}")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'value="{hid(county, 3)}"' in html and "A-0004" in html and "农户4" in html and "20,000.00" in html
    for i in (0, 1, 2, 4):  # in a group, or without a line in effect
        assert f"A-000{i + 1}" not in html
    assert "A2-0001" not in html and "B-0001" not in html


def test_the_officer_forms_a_group_and_lands_on_its_page(client, county):
    response = post_form(client, county, name="互助组", allows_outside="")
    with scopes_disabled():
        group = GuaranteeGroup.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/groups/{group.pk}/"
    assert (group.number, group.name, group.allows_outside, group.leader_id) == (1, "互助组", False, hid(county, 0))
    page = client.get(response["Location"]).content.decode()
    assert "互助组" in page and "A-0001" in page and "农户1" in page and "100,000.00" in page


def test_a_g2_break_is_shown_with_both_amounts_and_nothing_is_written(client, county):
    with scopes_disabled():
        CreditLine.objects.filter(pk=county.lines[2].pk).update(amount=Decimal(10000))
    before = state()
    page = post_form(client, county)  # 50,000 > 30,000 + 10,000
    assert page.status_code == 200 and state() == before
    expected = gettext("G2: the largest member's line (%(largest)s yuan) exceeds the sum of the other members' "
                       "lines (%(others)s yuan).") % {"largest": "50,000", "others": "40,000"}
    html = page.content.decode()
    assert expected.replace("'", "&#x27;") in html
    assert f'value="{hid(county, 0)}" id="member-{hid(county, 0)}" checked' in html  # the choices are kept


def test_g1_too_few_and_g3_leader_outside_are_shown(client, county):
    page = post_form(client, county, indexes=(1, 2), leader=3)
    html = page.content.decode()
    assert page.status_code == 200 and 'id="group-errors"' in html
    assert gettext("G1: a group needs at least %(n)d households; it has %(count)d.") % {"n": 3, "count": 2} in html
    assert gettext("G3: the leader must be one of the group's members.").replace("'", "&#x27;") in html
    assert state()[0] == []


def test_g4_a_household_in_another_group_is_named(client, county):
    make_group(county, (0, 1, 2))
    page = post_form(client, county, indexes=(2, 3, 4), leader=3)
    assert page.status_code == 200 and "A-0003" in page.content.decode()
    with scopes_disabled():
        assert GuaranteeGroup.objects.count() == 1


def test_the_president_reads_but_may_not_form(client, county):
    client.force_login(county.pat)
    assert client.get("/groups/").status_code == 200
    assert client.get(f"/groups/new/?village={county.v_a.pk}").status_code == 403
    before = state()
    assert post_form(client, county, user="pat").status_code == 403 and state() == before


# --- the group's page and its actions ------------------------------------------------------------------------

def test_the_groups_page_shows_members_flag_history_and_actions(client, county):
    group = make_group(county, (0, 1, 2), name="甲组")
    with scopes_disabled():
        GuaranteeGroup.objects.filter(pk=group.pk).update(flagged=True, flag_reasons=["G2"])
    client.force_login(county.tina)
    html = client.get(f"/groups/{group.pk}/").content.decode()
    assert "甲组" in html and 'id="group-flag"' in html and "G2" in html
    for i in (0, 1, 2):
        assert f"A-000{i + 1}" in html and f"农户{i + 1}" in html
    assert 'id="group-update-form"' in html and 'id="member-add-form"' in html and 'id="group-dissolve-form"' in html
    assert "A-0004" in html  # a candidate to add
    client.force_login(county.pat)
    html = client.get(f"/groups/{group.pk}/").content.decode()
    assert "甲组" in html and 'id="group-update-form"' not in html and 'id="group-dissolve-form"' not in html


def test_the_officer_changes_the_leader_adds_removes_and_dissolves(client, county):
    client.force_login(county.tina)
    post_form(client, county)
    with scopes_disabled():
        group = GuaranteeGroup.objects.get()
    url = f"/groups/{group.pk}/"
    client.post(url + "update/", {"version": 1, "name": "新名", "leader": hid(county, 1), "allows_outside": "on"})
    assert (reload(group).leader_id, reload(group).name, reload(group).version) == (hid(county, 1), "新名", 2)
    client.post(url + "members/add/", {"version": 2, "household": hid(county, 3)})
    client.post(url + f"members/{hid(county, 2)}/remove/", {"version": 3})
    with scopes_disabled():
        members = set(GroupMember.objects.filter(group=group, active=True).values_list("household_id", flat=True))
    assert members == {hid(county, 0), hid(county, 1), hid(county, 3)}
    response = client.post(url + "dissolve/", {"version": 4})
    assert response.status_code == 302 and reload(group).status == "dissolved"
    html = client.get(url).content.decode()
    assert 'id="history-table"' in html and "A-0004" in html


def test_a_refused_action_shows_its_reason_and_writes_nothing(client, county):
    client.force_login(county.tina)
    post_form(client, county)
    with scopes_disabled():
        group = GuaranteeGroup.objects.get()
    before = state()
    response = client.post(f"/groups/{group.pk}/members/{hid(county, 2)}/remove/", {"version": 1}, follow=True)
    assert state() == before and "A-0003" in response.content.decode() and "G1" in response.content.decode()
    client.post(f"/groups/{group.pk}/update/", {"version": 1, "name": "甲", "leader": hid(county, 1)})
    stale = client.post(f"/groups/{group.pk}/update/", {"version": 1, "name": "乙", "leader": hid(county, 2)},
                        follow=True)
    assert reload(group).name == "甲"
    assert gettext("This group was changed by someone else meanwhile; nothing was saved. Reload the page.") in \
        stale.content.decode().replace("&#x27;", "'")


# --- scope (R1) ---------------------------------------------------------------------------------------------

def test_bob_of_another_branch_gets_404_on_every_page_and_action_and_nothing_is_written(client, county):
    group = make_group(county, (0, 1, 2))
    client.force_login(county.tina)
    assert client.get(f"/groups/{group.pk}/").status_code == 200
    assert client.get(f"/groups/register/{county.v_a.pk}.pdf").status_code == 200
    before = state()
    client.force_login(county.bob)
    base = f"/groups/{group.pk}/"
    for url in [base, f"/groups/new/?village={county.v_a.pk}", f"/groups/register/{county.v_a.pk}.pdf",
                f"/lines/{county.lines[0].pk}/change/"]:
        assert client.get(url).status_code == 404, url
    posts = [(f"/groups/new/?village={county.v_a.pk}",
              {"households": [hid(county, i) for i in (3, 4, 2)], "leader": hid(county, 3)}),
             (base + "update/", {"version": 1, "name": "x", "leader": hid(county, 1)}),
             (base + "members/add/", {"version": 1, "household": hid(county, 3)}),
             (base + f"members/{hid(county, 2)}/remove/", {"version": 1}),
             (base + "dissolve/", {"version": 1}),
             (f"/lines/{county.lines[0].pk}/change/", {"version": 1, "amount": 1, "reason": "x"})]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert state() == before


def test_a_missing_or_malformed_village_is_404(client, county):
    client.force_login(county.tina)
    assert client.get("/groups/new/").status_code == 404
    assert client.get("/groups/new/?village=abc").status_code == 404
    assert client.get("/groups/new/?village=999999").status_code == 404
    assert client.get("/groups/999999/").status_code == 404


def test_the_pages_need_a_login(client, county):
    group = make_group(county)
    for url in ["/groups/", f"/groups/{group.pk}/", f"/groups/register/{county.v_a.pk}.pdf"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


# --- the line-change page (once the lead has spliced it into credit_use) ---------------------------------------

def test_the_line_change_page_flags_the_group(client, county):
    group = make_group(county, (0, 1, 2))
    line = county.lines[2]
    url = reverse("credit_use:line_change", kwargs={"pk": line.pk})
    assert url == f"/lines/{line.pk}/change/"
    client.force_login(county.tina)
    page = client.get(url)
    assert page.status_code == 200 and "A-0003" in page.content.decode()
    response = client.post(url, {"version": 1, "amount": "19999", "reason": "减少经营规模", "investigation": "核实"})
    assert response.status_code == 302 and response["Location"] == f"/lines/{line.pk}/"
    # R2: the officer's request changes nothing until head office approves it in the inbox.
    assert reload(line).amount == Decimal(20000) and not reload(group).flagged
    with scopes_disabled():
        approval = Approval.objects.get(kind="line_change", subject_id=line.pk, status="pending")
    client.force_login(county.ada)
    assert client.post(f"/approvals/{approval.pk}/decide/", {"decision": "approve"}).status_code == 302
    assert reload(line).amount == Decimal(19999)
    assert reload(group).flagged and reload(group).flag_reasons == ["G2"]
    client.force_login(county.tina)
    stale = client.post(url, {"version": 1, "amount": "25000", "reason": "x", "investigation": "x"})
    assert stale.status_code == 200 and reload(line).amount == Decimal(19999)
    assert gettext("This credit line was changed by someone else meanwhile; nothing was saved. Reload the page.") \
        in stale.content.decode().replace("&#x27;", "'")
    no_reason = client.post(url, {"version": 2, "amount": "25000", "reason": "", "investigation": "x"})
    assert no_reason.status_code == 200 and reload(line).amount == Decimal(19999)
    client.force_login(county.pat)
    assert client.get(url).status_code == 403
    assert client.post(url, {"version": 2, "amount": "25000", "reason": "x", "investigation": "x"}).status_code == 403


def test_the_line_change_page_is_404_for_another_branch(client, county):
    line = county.lines[2]
    url = reverse("credit_use:line_change", kwargs={"pk": line.pk})
    before = state()
    client.force_login(county.bob)
    assert client.get(url).status_code == 404
    assert client.post(url, {"version": 1, "amount": "1", "reason": "x", "investigation": "x"}).status_code == 404
    assert state() == before
