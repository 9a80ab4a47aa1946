"""A3/A4: a seated reviewer's grid (own entries only), saving rows by JSON, recusal at entry, data gaps."""

import json
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django_scopes import scopes_disabled

from appraisal.models import Appraisal, GapEdit, Panel, PanelHousehold, Reviewer
from appraisal.services import entry as services_entry
from appraisal.services.entry import EntryInput
from households.models import Household, Member
from sunshine_credit.models import StaffProfile
from tests.appraisal.factories import make_panel_world
from tests.factories import MemberFactory
from tests.surveys.campaign_world import zh

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(county):
    """make_panel_world with four households; reviewer 3 lives in A-0002 (A2)."""
    make_panel_world(county, households=4)
    with scopes_disabled():
        third = county.reviewers[2]
        third.household = county.households[1]
        third.save()
    return county


def save(client, county, household, version=0, panel=None, **values):
    body = {"household": household.pk, "version": version, "amount": "", "withhold_reasons": "", "rating": "",
            **values}
    return client.post(reverse("appraisal:seat_row_save", args=[(panel or county.panel).pk]), json.dumps(body),
                       content_type="application/json")


def test_reviewer_saves_and_reads_back_only_their_own(client, county):
    one, two = county.reviewers[0], county.reviewers[1]
    home = county.households[0]
    services_entry.appraisal_save(actor=two.user, panel_id=county.panel.pk, household_id=home.pk,
                                  values=EntryInput(amount=Decimal("87654"), rating=4), version=0)
    client.force_login(one.user)
    response = save(client, county, home, amount="5.5万", rating="2")
    assert response.status_code == 200, response.content
    assert response.json() == {"version": 1, "values": {"amount": "55000.00", "withhold_reasons": [], "rating": 2}}
    page = client.get(reverse("appraisal:seat_grid", args=[county.panel.pk, county.g1.pk])).content.decode()
    assert "55,000" in page
    assert "87,654" not in page and "87654" not in page
    with scopes_disabled():
        entry = Appraisal.objects.get(member__reviewer=one, household=home)
    assert (entry.amount, entry.rating, entry.entered_by) == (Decimal("55000"), 2, one.user)


def test_row_errors_name_the_field(client, county):
    client.force_login(county.reviewers[0].user)
    home = county.households[0]
    both = save(client, county, home, amount="50000", withhold_reasons="2", rating="1")
    assert both.status_code == 400
    assert both.json()["errors"] == {"withhold_reasons": zh("Give either an amount or withhold reasons, not both.")}
    no_rating = save(client, county, home, amount="50000")
    assert no_rating.json()["errors"] == {"rating": zh("Give a rating.")}
    bad = save(client, county, home, amount="abc", rating="9")
    assert set(bad.json()["errors"]) == {"amount", "rating"}
    withheld = save(client, county, home, withhold_reasons="2 8")
    assert withheld.status_code == 200 and withheld.json()["values"]["withhold_reasons"] == [2, 8]
    with scopes_disabled():
        assert Appraisal.objects.count() == 1


def test_stale_row_refused(client, county):
    client.force_login(county.reviewers[0].user)
    home = county.households[0]
    assert save(client, county, home, amount="50000", rating="1").status_code == 200
    stale = save(client, county, home, version=0, amount="60000", rating="1")
    assert stale.status_code == 409
    with scopes_disabled():
        assert Appraisal.objects.get().amount == Decimal("50000")


def test_clearing_a_row_deletes_the_entry(client, county):
    client.force_login(county.reviewers[0].user)
    home = county.households[0]
    save(client, county, home, amount="50000", rating="1")
    cleared = save(client, county, home, version=1)
    assert cleared.json()["version"] == 0
    with scopes_disabled():
        assert not Appraisal.objects.exists()


def test_recusal_own_household_absent_and_refused(client, county):
    third = county.reviewers[2]
    own = county.households[1]
    client.force_login(third.user)
    page = client.get(reverse("appraisal:seat_grid", args=[county.panel.pk, own.group_id]))
    assert own.code not in page.content.decode()
    refused = save(client, county, own, amount="50000", rating="1")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"__all__": zh("A reviewer does not appraise their own household (recusal).")}
    with scopes_disabled():
        assert not Appraisal.objects.exists()


def test_no_entry_for_another_panel_or_after_closing(client, county):
    client.force_login(county.reviewers[0].user)
    assert save(client, county, county.h_b, panel=county.panel_b, amount="1", rating="1").status_code == 404
    assert save(client, county, county.h_b, amount="50000", rating="1").status_code == 400  # not this panel's
    with scopes_disabled():
        Panel.objects.filter(pk=county.panel.pk).update(status=Panel.Status.CLOSED)
    closed = save(client, county, county.households[0], amount="50000", rating="1")
    assert closed.json()["errors"] == {"__all__": zh("The round of this panel is not open for entries.")}
    with scopes_disabled():
        assert not Appraisal.objects.exists()


def test_grid_queries_constant(client, county, django_assert_max_num_queries):
    client.force_login(county.reviewers[0].user)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("appraisal:seat_grid", args=[county.panel.pk, county.g1.pk]))
    assert len(response.context["rows"]) == 2


def test_gap_edit_waits_for_the_officer(client, county):
    home = county.households[0]
    client.force_login(county.reviewers[0].user)
    response = client.post(reverse("appraisal:seat_gap_form", args=[county.panel.pk, home.pk]),
                           {"field": "phone", "value": "139 0000 2222"})
    assert response.status_code == 302
    with scopes_disabled():
        gap = GapEdit.objects.get()
        assert gap.value == "13900002222" and gap.status == GapEdit.Status.PENDING
        assert Household.objects.get(pk=home.pk).phone == "13812345678"
        version = Household.objects.get(pk=home.pk).version
    client.force_login(county.bob)
    assert client.post(reverse("appraisal:gap_decide", args=[county.panel.pk, gap.pk]),
                       {"confirm": "1"}).status_code == 404
    client.force_login(county.tina)
    detail = client.get(reverse("appraisal:panel_detail", args=[county.panel.pk])).content.decode()
    assert "13900002222" in detail
    client.post(reverse("appraisal:gap_decide", args=[county.panel.pk, gap.pk]), {"confirm": "1"})
    with scopes_disabled():
        saved = Household.objects.get(pk=home.pk)
        gap.refresh_from_db()
        entry = LogEntry.objects.get_for_object(saved).first()
    assert saved.phone == "13900002222" and saved.version == version + 1
    assert gap.status == GapEdit.Status.CONFIRMED and gap.decided_by == county.tina
    assert entry.actor == county.tina and "13900002222" not in json.dumps(entry.changes)  # R4 masked


def test_gap_id_number_checked_again_at_confirmation(client, county):
    home, other = county.households[0], county.households[2]
    with scopes_disabled():
        spouse = MemberFactory(household=home, relation="配偶")
        taken = Member.objects.get(household=other, relation="户主").id_number
    client.force_login(county.reviewers[0].user)
    bad = client.post(reverse("appraisal:seat_gap_form", args=[county.panel.pk, home.pk]),
                      {"field": "member_id_number", "member": spouse.pk, "value": "123"}, follow=True)
    assert bad.status_code == 200
    client.post(reverse("appraisal:seat_gap_form", args=[county.panel.pk, home.pk]),
                {"field": "member_id_number", "member": spouse.pk, "value": taken})
    with scopes_disabled():
        gap = GapEdit.objects.get()
    client.force_login(county.tina)
    response = client.post(reverse("appraisal:gap_decide", args=[county.panel.pk, gap.pk]), {"confirm": "1"},
                           follow=True)
    assert zh("This ID number belongs to another member of the head office's archive.") in response.content.decode()
    with scopes_disabled():
        gap.refresh_from_db()
        spouse.refresh_from_db()
    assert gap.status == GapEdit.Status.PENDING and spouse.id_number != taken


def test_gap_form_never_tells_whether_a_value_is_the_one_on_file(client, county):
    """R5: proposing a member's real ID number answers exactly like proposing any other valid one."""
    home = county.households[0]
    with scopes_disabled():
        head = Member.objects.get(household=home, relation="户主")
        other = MemberFactory.build().id_number
    client.force_login(county.reviewers[0].user)
    answers = []
    for value in (head.id_number, other):
        response = client.post(reverse("appraisal:seat_gap_form", args=[county.panel.pk, home.pk]),
                               {"field": "member_id_number", "member": head.pk, "value": value}, follow=True)
        answers.append([str(m) for m in response.context["messages"]])
    assert answers[0] == answers[1] == [zh("Thank you: the loan officer will check and confirm it.")]


def test_audit_records_who_changed_an_entry_but_not_its_values(client, county):
    """R4 and A3: the change log (read in Django's admin) must not tell the entry before the round closes."""
    client.force_login(county.reviewers[0].user)
    save(client, county, county.households[0], amount="87654", rating="4")
    save(client, county, county.households[0], version=1, amount="76543", rating="3")
    with scopes_disabled():
        entries = list(LogEntry.objects.filter(content_type__model="appraisal").order_by("timestamp"))
    assert [e.actor for e in entries] == [county.reviewers[0].user] * 2
    text = json.dumps([e.changes for e in entries])
    assert "amount" in text and "rating" in text
    for secret in ("87654", "76543", "8765", "7654"):
        assert secret not in text


# --- issue 15 item 6: every refusal of a row save answers JSON with its status and code -------------------------

def test_each_refusal_answers_json_with_its_own_status_and_code(client, county):
    home = county.households[0]
    logged_out = save(client, county, home, amount="5w", rating="1")
    assert (logged_out.status_code, logged_out.json()["code"]) == (401, "logged_out")
    client.force_login(county.reviewers[0].user)
    invalid = save(client, county, home, amount="5w")
    assert (invalid.status_code, invalid.json()) == (400, {"code": "invalid", "errors": {"rating": zh("Give a rating.")}})
    assert save(client, county, home, amount="5w", rating="1").status_code == 200
    stale = save(client, county, home, version=0, amount="6w", rating="1")
    assert (stale.status_code, stale.json()["code"]) == (409, "stale")
    not_seated = save(client, county, home, panel=county.panel_b, amount="5w", rating="1")
    assert (not_seated.status_code, not_seated.json()["code"]) == (404, "not_found")
    with scopes_disabled():
        assert Appraisal.objects.get(member__reviewer=county.reviewers[0], household=home).amount == Decimal(50000)


# --- issue 18: the grid's cost per request (its rows read in two queries, each cell formatted once) -----------------

def _several_rows(county, n=6):
    """n more households of 1组 in the round, each with an entry of seat 1 (8 rows in all)."""
    with scopes_disabled():
        for i in range(n):
            home = county.household(county.v_a, group=county.g1, code=f"A-1{i:03d}", head__name=f"新户{i}")
            PanelHousehold.objects.create(panel=county.panel, household=home)
            Appraisal.objects.create(panel=county.panel, member=county.seats[0], household=home, amount=Decimal("50000"),
                                     rating=2, version=1, entered_by=county.reviewers[0].user)


def test_the_grid_page_costs_the_same_queries_for_any_number_of_rows(client, county, django_assert_num_queries):
    """The page's 6 queries: session, user with profile, the seat, the groups (names and order), and the rows in two
    (households, the seat's entries). A query per row or per entry (an N+1) fails this."""
    client.force_login(county.reviewers[0].user)
    _several_rows(county)
    with django_assert_num_queries(6):
        response = client.get(reverse("appraisal:seat_grid", args=[county.panel.pk, county.g1.pk]))
    assert len(response.context["rows"]) == 8 and response.content.decode().count('data-state="saved"') == 6


def test_the_grid_shows_each_saved_cell_as_typed(client, county):
    """The cells as the grid always showed them (issue 18 formats them in the selector, not per cell): the amount
    grouped with the fen only when there are any, reasons space-separated, the rating, the row's version, the
    household's gap form."""
    one, first, third = county.reviewers[0], county.households[0], county.households[2]
    with scopes_disabled():
        Appraisal.objects.create(panel=county.panel, member=county.seats[0], household=first,
                                 amount=Decimal("83250.50"), rating=4, version=2, entered_by=one.user)
        Appraisal.objects.create(panel=county.panel, member=county.seats[0], household=third, withhold_reasons=[2, 8],
                                 version=1, entered_by=one.user)
        Appraisal.objects.create(panel=county.panel, member=county.seats[1], household=third, amount=Decimal("99999"),
                                 rating=1, version=7, entered_by=county.reviewers[1].user)
    client.force_login(one.user)
    html = client.get(reverse("appraisal:seat_grid", args=[county.panel.pk, county.g1.pk])).content.decode()
    a, b = html.split('class="entry-row"')[1:3]
    assert f'data-household="{first.pk}" data-version="2"' in a and f'data-household="{third.pk}" data-version="1"' in b
    assert 'value="83,250.50"' in a and 'value="4"' in a and 'data-state="saved"' in a
    assert reverse("appraisal:seat_gap_form", args=[county.panel.pk, first.pk]) in a
    assert reverse("appraisal:seat_gap_form", args=[county.panel.pk, third.pk]) in b
    assert 'name="amount" inputmode="decimal" size="7" aria-label="授信额度" value=""' in b and 'value="2 8"' in b
    assert "99,999" not in html and 'data-version="7"' not in html   # another seat's entry (A3)


def test_a_row_save_costs_no_query_twice(client, county, django_assert_num_queries):
    """The save reads the panel's status once, under its lock (it read it twice: 15 queries): session, user with
    profile, the seat, the panel locked, the household, the entry locked, the write (the audit's read of the old row
    and its entry, the update) and 2 savepoint pairs (the service's, nested in the test's transaction, and the
    write's)."""
    client.force_login(county.reviewers[0].user)
    assert save(client, county, county.households[0], amount="50000", rating="1").status_code == 200
    with django_assert_num_queries(13):
        response = save(client, county, county.households[0], version=1, amount="60000", rating="2")
    assert response.status_code == 200 and response.json()["version"] == 2


def test_a_seat_opens_only_to_a_login_and_registry_entry_of_the_panels_branch(client, county):
    """R1 at the seat's chokepoint (issue 18 compares the login's branch, from its profile, instead of joining it):
    the seated reviewer whose login, or whose registry entry, belongs to another branch reaches no page of the seat
    and saves nothing; moved back, they do again."""
    reviewer, other_branch = county.reviewers[0], county.v_b.branch
    url = reverse("appraisal:seat_grid", args=[county.panel.pk, county.g1.pk])
    client.force_login(reviewer.user)
    assert client.get(url).status_code == 200
    for model, pk in ((StaffProfile, reviewer.user.staff_profile.pk), (Reviewer, reviewer.pk)):
        with scopes_disabled():
            model.objects.filter(pk=pk).update(branch=other_branch)
        assert client.get(url).status_code == 404
        assert client.get(reverse("appraisal:seat_home", args=[county.panel.pk])).status_code == 404
        assert save(client, county, county.households[0], amount="50000", rating="1").status_code == 404
        with scopes_disabled():
            model.objects.filter(pk=pk).update(branch=county.v_a.branch)
        assert client.get(url).status_code == 200
    with scopes_disabled():
        assert not Appraisal.objects.exists()
