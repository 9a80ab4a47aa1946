"""R4: the audit log's reader, for audit, supervisors and administrators of a head office.

Shown: what the staff of the reader's head office did, and — searching by a household's code — what anyone did to
that household's rows and its members'. Searched by person and date range (both days included); every ID and
phone number masked on the page whatever the entry stored; paginated in a fixed number of queries. Other roles get
404; another head office's staff, households and entries stay out of sight (R1)."""

import datetime

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.utils import timezone
from django_scopes import scopes_disabled

from sunshine_credit.models import HeadOffice, Role
from tests.factories import BranchFactory, HouseholdFactory, MemberFactory, StaffFactory, VillageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(county):
    """tina's household H-TINA (with a second member) made by her; a member added by nobody (a job); olga's
    household H-OLGA of another head office, made by her; a note of ada's with raw numbers in it."""
    with scopes_disabled():
        with set_actor(county.tina):
            county.home = HouseholdFactory(village=county.v_a, code="H-TINA")
        with set_actor(county.bob):
            county.other_home = HouseholdFactory(village=county.v_b, code="H-BOB")
        county.son = MemberFactory(household=county.home, name="王小二", relation="子")  # no actor
        other = HeadOffice.objects.create(code="HQ2", name="另一家农商银行")
        village = VillageFactory(branch=BranchFactory(head_office=other, code="BRX"), code="BRXV01")
        county.olga = StaffFactory(role=Role.ADMIN, branch=None, head_office=other, user__username="olga").user
        with set_actor(county.olga):
            county.foreign = HouseholdFactory(village=village, code="H-OLGA")
        LogEntry.objects.log_create(county.tom, action=LogEntry.Action.UPDATE, actor=county.ada,
                                    changes={"note": ["13812345678", "身份证410902199001011234"]})
    return county


def entries(page) -> list[LogEntry]:
    return [row["entry"] for row in page.context["rows"]]


@pytest.mark.parametrize("who", ["aude", "sue", "ada"])
def test_the_head_offices_readers_see_its_staffs_entries_only(client, county, who):
    client.force_login(county[who])
    page = client.get("/audit/")
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    actors = {entry.actor_id for entry in entries(page)}
    assert {county.tina.pk, county.bob.pk, county.ada.pk} <= actors
    assert county.olga.pk not in actors and None not in actors
    assert "H-OLGA" not in page.content.decode()


@pytest.mark.parametrize("who", ["tina", "pat", "tom", "rita"])
def test_other_roles_get_404(client, county, who):
    if who == "rita":
        with scopes_disabled():
            county.rita = StaffFactory(role=Role.REVIEWER, branch=county.branch_a, head_office=county.head_office,
                                       user__username="rita").user
    client.force_login(county[who])
    assert client.get("/audit/").status_code == 404
    assert client.get("/audit/", {"household": "H-TINA"}).status_code == 404


def test_the_administrator_of_another_head_office_sees_none_of_this_one(client, county):
    client.force_login(county.olga)
    page = client.get("/audit/")
    assert {entry.actor_id for entry in entries(page)} == {county.olga.pk}
    page = client.get("/audit/", {"household": "H-TINA"})
    assert entries(page) == [] and 'id="household-not-found"' in page.content.decode()


def test_search_by_household_shows_its_rows_and_its_members_whoever_made_them(client, county):
    client.force_login(county.aude)
    page = client.get("/audit/", {"household": "H-TINA"})
    shown = {(entry.content_type.model, entry.object_pk) for entry in entries(page)}
    assert ("household", str(county.home.pk)) in shown
    assert ("member", str(county.home.representative_id)) in shown
    assert ("member", str(county.son.pk)) in shown                     # made by no one: shown for the household
    assert ("household", str(county.other_home.pk)) not in shown
    assert client.get("/audit/", {"household": "H-OLGA"}).context["rows"] == []  # another head office's code


def test_search_by_person(client, county):
    client.force_login(county.aude)
    page = client.get("/audit/", {"person": "Bob"})
    assert {entry.actor_id for entry in entries(page)} == {county.bob.pk}
    assert client.get("/audit/", {"person": "olga"}).context["rows"] == []


def test_search_by_date_range_includes_both_days(client, county):
    today = timezone.localdate()
    with scopes_disabled():
        tinas = LogEntry.objects.filter(actor=county.tina)
        tinas.update(timestamp=timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=3),
                                                                             datetime.time(23, 59))))
    client.force_login(county.aude)
    day = today - datetime.timedelta(days=3)
    for date_from, date_to, shown in [(day, day, True), (day + datetime.timedelta(days=1), today, False),
                                      (day - datetime.timedelta(days=1), day - datetime.timedelta(days=1), False)]:
        page = client.get("/audit/", {"person": "tina", "date_from": date_from.isoformat(),
                                      "date_to": date_to.isoformat()})
        assert bool(entries(page)) is shown, (date_from, date_to)


def test_every_number_is_masked_on_the_page(client, county):
    client.force_login(county.aude)
    text = client.get("/audit/").content.decode()
    assert "13812345678" not in text and "410902199001011234" not in text
    assert "138****5678" in text and "410902********1234" in text


def test_the_page_reads_in_a_fixed_number_of_queries(client, county, django_assert_num_queries):
    client.force_login(county.aude)
    client.get("/audit/")
    with django_assert_num_queries(7) as captured:
        client.get("/audit/")
    with scopes_disabled(), set_actor(county.tina):
        for n in range(5):
            HouseholdFactory(village=county.v_a, code=f"H-MORE{n}")
    with django_assert_num_queries(len(captured)):
        assert "H-MORE4" in client.get("/audit/").content.decode()
