"""Issue 16 item 1 (C1): the quarterly visit schedule, the officer's visit list, the visit record signed on the
phone's screen or on paper (scanned), U6's check as a visit, and the visit rate."""

import base64
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from credit_use.models import Drawdown
from post_loan.models import Visit
from post_loan.rules.visits import parse_quarter, quarter_end, quarter_start, recent_quarters
from post_loan.selectors.visits import visit_rate
from post_loan.services.visits import schedule_visits
from sunshine_credit.scoping import activate
from tests.credit_use.factories_drawdowns import give_line, make_drawdown_world
from tests.post_loan.visit_world import loan, loan_b, png_bytes, png_data_url

D = datetime.date


def visits(**filters):
    with scopes_disabled():
        return list(Visit.objects.filter(**filters).order_by("pk"))


def reload(visit):
    with scopes_disabled():
        return Visit.objects.get(pk=visit.pk)


# --- rules: the quarter ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "start", "end"), [
    (D(2026, 3, 31), D(2026, 1, 1), D(2026, 3, 31)), (D(2026, 4, 1), D(2026, 4, 1), D(2026, 6, 30)),
    (D(2026, 6, 30), D(2026, 4, 1), D(2026, 6, 30)), (D(2026, 7, 1), D(2026, 7, 1), D(2026, 9, 30)),
    (D(2026, 12, 31), D(2026, 10, 1), D(2026, 12, 31)), (D(2027, 1, 1), D(2027, 1, 1), D(2027, 3, 31)),
])
def test_quarter_bounds(day, start, end):
    assert (quarter_start(day), quarter_end(day)) == (start, end)


def test_quarter_chooser_values():
    assert parse_quarter("2026Q2", default=D(2020, 1, 1)) == D(2026, 4, 1)
    assert parse_quarter("junk", default=D(2026, 8, 9)) == D(2026, 7, 1)
    assert parse_quarter("2026Q5", default=D(2026, 8, 9)) == D(2026, 7, 1)
    assert recent_quarters(D(2026, 2, 1), 3) == [D(2026, 1, 1), D(2025, 10, 1), D(2025, 7, 1)]


# --- the schedule -------------------------------------------------------------------------------------------

@pytest.fixture
def world(county):
    return make_drawdown_world(county)


def test_schedule_is_idempotent_one_visit_per_loan_and_quarter(world):
    first, second = loan(world, 0), loan(world, 1)
    other = loan_b(world)
    today = D(2026, 5, 10)
    with scopes_disabled():
        runs = [schedule_visits(today=today) for _ in range(3)]
    assert runs == [3, 0, 0]
    rows = visits()
    assert len(rows) == 3
    assert {(v.drawdown_id, v.kind, v.period_start, v.due_on) for v in rows} == {
        (d.pk, Visit.Kind.SCHEDULED, D(2026, 4, 1), D(2026, 6, 30)) for d in (first, second, other)}
    assert {v.drawdown_id: v.officer_id for v in rows} == {first.pk: world.tina.pk, second.pk: world.tina.pk,
                                                           other.pk: world.bob.pk}
    assert {v.drawdown_id: (v.village_id, v.household_id) for v in rows}[other.pk] == (world.v_b.pk, world.h_b.pk)


def test_a_repaid_loan_gets_no_new_visit(world):
    owed = loan(world, 0)
    loan(world, 1, status=Drawdown.Status.REPAID, outstanding=0)
    loan(world, 2, outstanding=0)  # disbursed but paid off: nothing owed
    loan(world, 3, status=Drawdown.Status.APPROVED, outstanding=0)
    with scopes_disabled():
        assert schedule_visits(today=D(2026, 5, 10)) == 1
    assert [v.drawdown_id for v in visits()] == [owed.pk]
    with scopes_disabled():
        Drawdown.objects.filter(pk=owed.pk).update(status=Drawdown.Status.REPAID, principal_outstanding=0)
        assert schedule_visits(today=D(2026, 7, 1)) == 0  # repaid: no visit in the next quarter
    assert len(visits()) == 1


def test_quarter_boundary_march_31_and_april_1(world):
    d = loan(world, 0)
    with scopes_disabled():
        assert schedule_visits(today=D(2026, 3, 31)) == 1
        assert schedule_visits(today=D(2026, 3, 31)) == 0
        assert schedule_visits(today=D(2026, 4, 1)) == 1
    assert [(v.period_start, v.due_on) for v in visits(drawdown=d)] == [
        (D(2026, 1, 1), D(2026, 3, 31)), (D(2026, 4, 1), D(2026, 6, 30))]


# --- the officer's list ------------------------------------------------------------------------------------

def _round_world(world):
    """Loans in 东岭村 groups 2组 and 1组, in 南坡村, and in 西河村 (bob's)."""
    with scopes_disabled():
        world.h[1].group = world.g2
        world.h[1].save(update_fields=["group"])
        far = world.household(world.v_a2, code="A2-0001")
    loans = {"g2": loan(world, 1), "g1_b": loan(world, 2), "g1_a": loan(world, 0),
             "a2": loan(world, household=far, line=give_line(far, 30000, campaign=world.campaign)),
             "b": loan_b(world)}
    with scopes_disabled():
        schedule_visits(today=timezone.localdate())
    return loans


def test_visit_list_orders_a_days_round_and_keeps_to_the_scope(client, world, django_assert_num_queries):
    loans = _round_world(world)
    world.login(client, world.tina)
    url = reverse("post_loan:visit_list")
    client.get(url)  # the session's first request
    with CaptureQueriesContext(connection) as few:
        html = client.get(url).content.decode()
    queries = len(few)  # now: the next request clears the connection's query log
    assert queries > 3
    order = [loans[k].household.code for k in ("g1_a", "g1_b", "g2", "a2")]
    positions = [html.index(code) for code in order]
    assert positions == sorted(positions)  # 东岭村 1组 (A-0001, A-0003), 2组 (A-0002), then 南坡村
    assert world.h_b.code not in html  # 西河村 is bob's
    # No N+1: more visits on the page cost no more queries.
    loan(world, 3)
    with scopes_disabled():
        schedule_visits(today=timezone.localdate())
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert world.h[3].code in response.content.decode()

    world.login(client, world.bob)
    html = client.get(url).content.decode()
    assert world.h_b.code in html and loans["g1_a"].household.code not in html
    a_visit = visits(drawdown=loans["g1_a"])[0]
    assert client.get(reverse("post_loan:visit_detail", args=[a_visit.pk])).status_code == 404
    assert client.get(reverse("post_loan:visit_record", args=[a_visit.pk])).status_code == 404
    response = client.post(reverse("post_loan:visit_record", args=[a_visit.pk]), _form(a_visit))
    assert response.status_code == 404 and reload(a_visit).visited_on is None


def test_overdue_and_done_tabs(client, world):
    d = loan(world, 0)
    old = loan(world, 1)
    with scopes_disabled():
        schedule_visits(today=timezone.localdate() - datetime.timedelta(days=100))  # last quarter's
        schedule_visits(today=timezone.localdate())
        Visit.objects.filter(drawdown=d).update(visited_on=timezone.localdate())
    world.login(client, world.tina)
    overdue = client.get(reverse("post_loan:visit_list") + "?tab=overdue").content.decode()
    due = client.get(reverse("post_loan:visit_list") + "?tab=due").content.decode()
    done = client.get(reverse("post_loan:visit_list") + "?tab=done").content.decode()
    assert old.household.code in overdue and d.household.code not in overdue
    assert old.household.code in due and d.household.code not in due
    assert d.household.code in done and old.household.code not in done


def test_tellers_do_not_read_the_visit_pages(client, world):
    world.login(client, world.tom)
    assert client.get(reverse("post_loan:visit_list")).status_code == 404
    assert client.get(reverse("post_loan:visit_rate")).status_code == 404


# --- the record ---------------------------------------------------------------------------------------------

def _form(visit, **overrides):
    data = {"visited_on": timezone.localdate().isoformat(), "place": "家中", "funds_as_applied": "True",
            "operation": "养猪30头，年收入约5万元", "risks": [], "risk_note": "", "next_action": "下季度再访",
            "borrower_signature": png_data_url(), "officer_signature": png_data_url(),
            "version": reload(visit).version if visit else ""}
    data.update(overrides)
    return data


@pytest.fixture
def planned(world):
    d = loan(world, 0)
    with scopes_disabled():
        schedule_visits(today=timezone.localdate())
    return visits(drawdown=d)[0]


def test_drawn_signatures_are_stored_and_the_visit_completes(client, world, planned):
    world.login(client, world.tina)
    url = reverse("post_loan:visit_record", args=[planned.pk])
    assert 'class="signature-pad"' in client.get(url).content.decode()
    response = client.post(url, _form(planned, risks=["illness", "debts"]))
    assert response.status_code == 302, response.content.decode()[:3000]
    visit = reload(planned)
    assert visit.visited_on == timezone.localdate() and visit.funds_as_applied is True and visit.version == 2
    assert visit.risks == ["illness", "debts"] and visit.recorded_by_id == world.tina.pk
    for field in (visit.borrower_signature, visit.officer_signature):
        assert field.name.endswith(".png")
        with field.open("rb") as stored:
            assert stored.read() == png_bytes()
    assert not visit.scan
    detail = client.get(response["Location"]).content.decode()
    assert 'id="img-borrower"' in detail and 'id="img-officer"' in detail
    picture = client.get(reverse("post_loan:visit_file", args=[visit.pk, "borrower"]))
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    # The recorded visit is no longer due.
    listing = client.get(reverse("post_loan:visit_list")).content.decode()
    assert f'data-visit="{visit.pk}"' not in listing
    world.login(client, world.bob)
    assert client.get(reverse("post_loan:visit_file", args=[visit.pk, "borrower"])).status_code == 404


@pytest.mark.parametrize("bad", [
    "data:image/png;base64," + base64.b64encode(b"GIF89a\x01\x00\x01\x00 not a png").decode(),
    "data:image/gif;base64," + base64.b64encode(png_bytes()).decode(),
    "data:image/png;base64,iVBORw0KGgo!!!notbase64",
    "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40).decode(),  # magic, no picture
])
def test_a_signature_that_is_not_a_png_is_refused_naming_the_field(client, world, planned, bad):
    world.login(client, world.tina)
    response = client.post(reverse("post_loan:visit_record", args=[planned.pk]),
                           _form(planned, borrower_signature=bad))
    assert response.status_code == 200
    with translation.override("zh-hans"):
        label = _("Borrower's signature")
    errors = response.context["form"].errors["borrower_signature"]
    assert errors and label in errors[0]
    visit = reload(planned)
    assert visit.visited_on is None and visit.version == 1 and not visit.borrower_signature


def test_an_oversized_signature_is_refused(client, world, planned, settings):
    settings.VISIT_SIGNATURE_MAX_BYTES = 200
    world.login(client, world.tina)
    response = client.post(reverse("post_loan:visit_record", args=[planned.pk]), _form(planned))
    assert "officer_signature" in response.context["form"].errors
    assert reload(planned).visited_on is None


def test_both_signatures_are_required_without_a_scan(client, world, planned):
    world.login(client, world.tina)
    response = client.post(reverse("post_loan:visit_record", args=[planned.pk]),
                           _form(planned, officer_signature=""))
    errors = response.context["form"].errors
    assert "officer_signature" in errors and "borrower_signature" not in errors
    # The borrower's signature comes back with the form: nobody signs twice for a mistake elsewhere.
    assert f'value="{png_data_url()}"' in response.content.decode()
    assert reload(planned).visited_on is None


def test_the_scan_of_the_signed_paper_replaces_the_drawn_signatures(client, world, planned):
    from django.core.files.uploadedfile import SimpleUploadedFile

    world.login(client, world.tina)
    url = reverse("post_loan:visit_record", args=[planned.pk])
    fake = SimpleUploadedFile("record.pdf", b"MZ\x90\x00 an executable named .pdf", content_type="application/pdf")
    response = client.post(url, {**_form(planned, borrower_signature="", officer_signature=""), "scan": fake})
    assert "scan" in response.context["form"].errors and reload(planned).visited_on is None
    pdf = SimpleUploadedFile("record.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                             content_type="application/pdf")
    response = client.post(url, {**_form(planned, borrower_signature="", officer_signature=""), "scan": pdf})
    assert response.status_code == 302
    visit = reload(planned)
    assert visit.visited_on and visit.scan.name.endswith(".pdf") and "record" not in visit.scan.name
    assert not visit.borrower_signature and not visit.officer_signature
    scan = client.get(reverse("post_loan:visit_file", args=[visit.pk, "scan"]))
    assert scan["Content-Type"] == "application/pdf"


def test_a_stale_form_is_refused_and_writes_nothing(client, world, planned):
    world.login(client, world.tina)
    url = reverse("post_loan:visit_record", args=[planned.pk])
    stale = _form(planned)
    assert client.post(url, _form(planned, place="田间")).status_code == 302
    response = client.post(url, {**stale, "place": "村委会", "operation": "改写"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    visit = reload(planned)
    assert visit.place == "田间" and visit.version == 2 and visit.operation == "养猪30头，年收入约5万元"


def test_the_post_loan_check_on_a_visit_records_u6_and_a_check_visit(client, world):
    d = loan(world, 0)
    world.login(client, world.tina)
    url = reverse("post_loan:visit_add", args=[d.pk]) + "?kind=check"
    response = client.post(url, _form(None, funds_as_applied="False", risk_note="资金部分用于还旧债"))
    assert response.status_code == 302, response.content.decode()[:2000]
    [visit] = visits(drawdown=d)
    assert visit.kind == Visit.Kind.CHECK and visit.funds_as_applied is False and visit.borrower_signature
    with scopes_disabled():
        d = Drawdown.objects.get(pk=d.pk)
    assert d.post_loan_checked_on == timezone.localdate() and d.post_loan_checked_by_id == world.tina.pk
    assert d.post_loan_problem is True and "还旧债" in d.post_loan_note
    # The drawdown page shows the post-loan section with the check visit and the links.
    page = client.get(reverse("credit_use:drawdown_detail", args=[d.pk])).content.decode()
    assert 'id="post-loan-section"' in page and 'id="record-check-visit"' in page


def test_an_extra_visit_and_the_open_quarterly_visit(client, world, planned):
    world.login(client, world.tina)
    url = reverse("post_loan:visit_add", args=[planned.drawdown_id])
    # While this quarter's visit is open, "add a visit" records that one.
    assert client.get(url)["Location"] == reverse("post_loan:visit_record", args=[planned.pk])
    client.post(reverse("post_loan:visit_record", args=[planned.pk]), _form(planned))
    assert client.get(url).status_code == 200
    assert client.post(url, _form(None)).status_code == 302
    assert [v.kind for v in visits(drawdown_id=planned.drawdown_id)] == [Visit.Kind.SCHEDULED, Visit.Kind.EXTRA]
    world.login(client, world.pat)  # a president reads, does not record
    assert client.post(url, _form(None)).status_code == 404


# --- the visit rate ------------------------------------------------------------------------------------------

def test_visit_rate_by_officer_village_and_branch_computed_by_hand(client, world):
    today = D(2026, 5, 10)
    with scopes_disabled():
        far = world.household(world.v_a2, code="A2-0001")
    loans = [loan(world, 0), loan(world, 1), loan(world, 2),
             loan(world, household=far, line=give_line(far, 30000, campaign=world.campaign)), loan_b(world)]
    with scopes_disabled():
        schedule_visits(today=today)
        made = {loans[0].pk: D(2026, 4, 1), loans[1].pk: D(2026, 6, 30),  # first and last day: done
                loans[2].pk: D(2026, 7, 1),                               # after the quarter: a miss
                loans[4].pk: D(2026, 5, 2)}
        for pk, day in made.items():
            Visit.objects.filter(drawdown_id=pk).update(visited_on=day)
        # an extra visit does not count towards the schedule
        Visit.objects.create(head_office=world.head_office, village=world.v_a2, household=far, drawdown=loans[3],
                             kind=Visit.Kind.EXTRA, due_on=D(2026, 5, 1), visited_on=D(2026, 5, 1))
    with activate(world.scope(world.sue)) as scope:
        rates = visit_rate(scope=scope, quarter=D(2026, 4, 1))
    assert {r.label: (r.done, r.scheduled) for r in rates["branch"]} == {"城关支行": (2, 4), "王庄支行": (1, 1)}
    assert {r.label: (r.done, r.scheduled) for r in rates["village"]} == {"东岭村": (2, 3), "南坡村": (0, 1),
                                                                          "西河村": (1, 1)}
    assert {r.label: (r.done, r.scheduled) for r in rates["officer"]} == {"Tina": (2, 4), "Bob": (1, 1)}
    assert (rates["total"][0].done, rates["total"][0].scheduled) == (3, 5) and rates["total"][0].rate == 0.6
    # A branch's president sees only the branch; the page shows the chosen quarter.
    with activate(world.scope(world.pat)) as scope:
        tina_rates = visit_rate(scope=scope, quarter=D(2026, 4, 1))
    assert [(r.label, r.done, r.scheduled) for r in tina_rates["branch"]] == [("城关支行", 2, 4)]
    world.login(client, world.pat)
    html = client.get(reverse("post_loan:visit_rate") + "?quarter=2026Q2").content.decode()
    assert "2026Q2" in html and "50 %" in html and "王庄支行" not in html


def test_the_blank_record_prints_the_loan_to_sign_by_hand(client, world, planned, tmp_path):
    import shutil
    import subprocess

    world.login(client, world.tina)
    response = client.get(reverse("post_loan:visit_blank_pdf", args=[planned.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        (tmp_path / "v.pdf").write_bytes(response.content)
        text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "v.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert "王一明" in text and "A-0001" in text and "城关支行" in text and "20,000.00" in text
    world.login(client, world.pat)  # printed for the visit by the village's officer only
    assert client.get(reverse("post_loan:visit_blank_pdf", args=[planned.pk])).status_code == 404
