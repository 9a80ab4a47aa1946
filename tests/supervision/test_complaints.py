"""V4: complaints and evaluation cards — the public form behind an officer's or a branch's QR code, the counter,
routing to head-office audit (never the branch concerned), the handling time limit, the outcome, the look-up by
reference, the rate limit, the task on audit's home page, and query counts of the list."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from sunshine_credit.errors import Stale
from sunshine_credit.scoping import activate
from supervision.forms.complaints import ComplaintForm
from supervision.models import Complaint, ComplaintChannel
from supervision.rules import complaints as rules
from supervision.selectors import complaints as selectors
from supervision.selectors import task_list
from supervision.services import complaints as services

pytestmark = pytest.mark.django_db

LIST = "/complaints/"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def channels(county):
    services.channels_ensure(scope=county.scope(county.aude))
    county.tina_token = ComplaintChannel.objects.get(officer=county.tina).token
    county.branch_a_token = ComplaintChannel.objects.get(branch=county.branch_a, officer=None).token
    return county


def form_url(token: str, key: str = "officer") -> str:
    return f"{reverse('public_sv:complaint_form')}?{key}={token}"


def complaint_data(**overrides):
    data = {"kind": "complaint", "rating": "", "content": "信贷员办贷拖延，要求请吃饭", "name": "王大妈",
            "phone": "13812345678"}
    data.update(overrides)
    return data


def file_public(client, county, **overrides) -> Complaint:
    response = client.post(form_url(county.tina_token), complaint_data(**overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    reference = response.url.rstrip("/").rsplit("/", 1)[-1]
    return Complaint.objects.get(reference=reference)


def test_the_qr_token_is_unguessable_and_not_the_id(channels):
    county = channels
    channel = ComplaintChannel.objects.get(officer=county.tina)
    assert channel.token != str(channel.pk) and len(channel.token) >= 20
    assert ComplaintChannel.objects.filter(branch=county.branch_b, officer=None).exists()
    # Idempotent: a second run creates nothing.
    assert services.channels_ensure(scope=county.scope(county.aude)) == 0


def test_public_complaint_about_branch_a_officer_is_invisible_to_branch_a(client, channels):
    county = channels
    complaint = file_public(client, county)
    assert (complaint.branch, complaint.officer, complaint.source) == (county.branch_a, county.tina, "public")
    detail = reverse("complaint_detail", args=[complaint.pk])
    for user in (county.tina, county.pat, county.tom, county.bob, county.pete):
        county.login(client, user)
        assert client.get(detail).status_code == 404, user
        assert client.get(LIST).status_code == 404, user
        assert not selectors.complaints(scope=county.scope(user)).exists()
    for user in (county.aude, county.sue):
        county.login(client, user)
        assert client.get(detail).status_code == 200
        page = client.get(LIST).content.decode()
        assert complaint.reference in page


def test_complaint_is_escalated_with_the_time_limit(client, channels):
    county = channels
    complaint = file_public(client, county)
    today = timezone.localdate()
    assert complaint.status == Complaint.Status.OPEN
    assert complaint.due_on == today + datetime.timedelta(days=15)


@pytest.mark.parametrize(("rating", "escalated"), [("satisfied", False), ("fair", False), ("problem", True)])
def test_evaluation_card_escalated_only_when_it_has_a_problem(client, channels, rating, escalated):
    complaint = file_public(client, channels, kind="evaluation", rating=rating, content="")
    assert complaint.kind == "evaluation" and complaint.rating == rating
    assert (complaint.due_on is not None) is escalated
    assert complaint.status == (Complaint.Status.OPEN if escalated else Complaint.Status.RECORDED)


@override_settings(COMPLAINT_HANDLING_DAYS=15)
def test_time_limit_boundary_due_day_not_flagged_day_after_flagged(channels):
    county = channels
    received = datetime.date(2026, 3, 1)
    complaint = services._create(branch=county.branch_a, officer_id=county.tina.pk, kind="complaint", rating="",
                                 content="x", name="", phone="", source="counter", today=received)
    due = datetime.date(2026, 3, 16)
    assert complaint.due_on == due
    scope = county.scope(county.aude)
    assert not rules.is_overdue(complaint, due)
    assert not selectors.complaints_todo(scope=scope, todo="overdue", today=due).exists()
    assert rules.is_overdue(complaint, due + datetime.timedelta(days=1))
    assert list(selectors.complaints_todo(scope=scope, todo="overdue", today=due + datetime.timedelta(days=1))) == [
        complaint]
    # Handled: no longer flagged.
    services.complaint_handle(scope=scope, actor=county.aude, complaint_id=complaint.pk, version=1, result="r",
                              reply="ok")
    complaint.refresh_from_db()
    assert not rules.is_overdue(complaint, due + datetime.timedelta(days=5))


def test_overdue_is_flagged_on_the_list(client, channels):
    county = channels
    complaint = file_public(client, county)
    Complaint.objects.filter(pk=complaint.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    county.login(client, county.aude)
    page = client.get(LIST + "?todo=overdue").content.decode()
    row = re.search(rf'<tr data-reference="{complaint.reference}"[^>]*>.*?</tr>', page, re.S).group(0)
    assert "data-overdue" in row and "table-danger" in row


def test_auditor_records_outcome_and_complainant_looks_it_up(client, channels):
    county = channels
    complaint = file_public(client, county)
    lookup = reverse("public_sv:complaint_lookup")
    response = client.post(lookup, {"reference": complaint.reference.lower()})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-status="open"' in page and 'id="lookup-reply"' not in page
    assert "王大妈" not in page and "13812345678" not in page

    county.login(client, county.aude)
    detail = reverse("complaint_detail", args=[complaint.pk])
    assert client.post(detail, {"result": "查实，已批评教育", "reply": "已核实处理，感谢监督", "version": 1}).status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.handled_by, complaint.reply) == ("handled", county.aude, "已核实处理，感谢监督")
    assert complaint.handled_at is not None

    client.logout()
    page = client.post(lookup, {"reference": complaint.reference}).content.decode()
    assert 'data-status="handled"' in page and "已核实处理，感谢监督" in page
    assert "查实，已批评教育" not in page  # the internal result is audit's only
    # A wrong (well-formed) reference and a malformed one: 404, nothing shown.
    wrong = client.post(lookup, {"reference": "TS23456789AB"})
    assert wrong.status_code == 404 and 'id="lookup-result"' not in wrong.content.decode()
    assert client.post(lookup, {"reference": "nonsense"}).status_code == 404


def test_only_the_auditor_handles_and_stale_versions_are_refused(client, channels):
    county = channels
    complaint = file_public(client, county)
    county.login(client, county.sue)
    detail = reverse("complaint_detail", args=[complaint.pk])
    assert client.post(detail, {"result": "r", "reply": "r", "version": 1}).status_code == 403
    county.login(client, county.tina)
    assert client.post(detail, {"result": "r", "reply": "r", "version": 1}).status_code == 404
    complaint.refresh_from_db()
    assert complaint.status == "open"
    with pytest.raises(Stale):
        services.complaint_handle(scope=county.scope(county.aude), actor=county.aude, complaint_id=complaint.pk,
                                  version=0, result="r", reply="r")


def test_done_page_only_for_existing_references(client, channels):
    complaint = file_public(client, channels)
    assert client.get(reverse("public_sv:complaint_done", args=[complaint.reference])).status_code == 200
    assert client.get(reverse("public_sv:complaint_done", args=["TS23456789AB"])).status_code == 404


def test_unknown_or_mismatched_tokens_are_404(client, channels):
    county = channels
    assert client.get(form_url(county.tina_token)).status_code == 200
    assert client.get(form_url(county.branch_a_token, "branch")).status_code == 200
    assert client.get(form_url("nope")).status_code == 404
    assert client.get(form_url(county.tina_token, "branch")).status_code == 404   # an officer's token as a branch
    assert client.get(form_url(str(county.tina.pk))).status_code == 404             # the id is no token
    assert client.get(reverse("public_sv:complaint_form")).status_code == 404


def test_branch_board_complaint_names_no_officer(client, channels):
    county = channels
    response = client.post(form_url(county.branch_a_token, "branch"), complaint_data())
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.branch == county.branch_a and complaint.officer is None


def test_public_form_page_has_privacy_notice_and_officer(client, channels):
    page = client.get(form_url(channels.tina_token)).content.decode()
    assert 'id="complaint-privacy"' in page and "365" in page
    assert 'id="complaint-about"' in page


@pytest.mark.parametrize(("data", "field"), [
    ({"kind": "evaluation", "rating": ""}, "rating"),
    ({"kind": "complaint", "content": "  "}, "content"),
    ({"phone": "12345"}, "phone"),
    ({"kind": ""}, "kind"),
])
def test_public_form_validation_errors_name_the_field_in_chinese(client, channels, data, field):
    response = client.post(form_url(channels.tina_token), complaint_data(**data), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert not Complaint.objects.exists()
    with translation.override("zh-hans"):
        label = str(ComplaintForm().fields[field].label)
    page = response.content.decode()
    item = re.search(rf'<li data-field="{field}">(.*?)</li>', page, re.S)
    assert item is not None and item.group(1).startswith(label)
    assert 'lang="zh-hans"' in page


@override_settings(PUBLIC_OBJECTIONS_PER_WINDOW=2, PUBLIC_RATE_WINDOW_SECONDS=600)
def test_rate_limit_on_public_form_and_lookup(client, channels):
    county = channels
    for _i in range(4):  # reading the form is not counted
        assert client.get(form_url(county.tina_token)).status_code == 200
    assert client.post(form_url(county.tina_token), complaint_data()).status_code == 302
    assert client.post(form_url(county.tina_token), complaint_data(content="")).status_code == 400  # counts too
    response = client.post(form_url(county.tina_token), complaint_data())
    assert response.status_code == 429 and 'id="too-many"' in response.content.decode()
    assert Complaint.objects.count() == 1
    assert client.post(form_url(county.tina_token), complaint_data(), REMOTE_ADDR="10.9.9.9").status_code == 302
    lookup = reverse("public_sv:complaint_lookup")
    for _i in range(8):
        client.post(lookup, {"reference": "TS23456789AB"})
    assert client.post(lookup, {"reference": "TS23456789AB"}).status_code == 429


def test_counter_entry_by_branch_staff_goes_to_audit(client, county):
    county.login(client, county.tom)
    url = reverse("complaint_counter")
    assert client.get(url).status_code == 200
    response = client.post(url, {**complaint_data(), "branch": county.branch_a.pk, "officer": county.tina.pk})
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.source, complaint.entered_by, complaint.officer) == ("counter", county.tom, county.tina)
    assert client.get(reverse("complaint_detail", args=[complaint.pk])).status_code == 404
    # Another branch, or another branch's officer: refused, nothing written.
    assert client.post(url, {**complaint_data(), "branch": county.branch_b.pk}).status_code == 400
    assert client.post(url, {**complaint_data(), "branch": county.branch_a.pk,
                             "officer": county.bob.pk}).status_code == 400
    assert Complaint.objects.count() == 1


def test_counter_service_rechecks_ids_against_scope(county):
    from django.http import Http404

    with pytest.raises(Http404):
        services.complaint_enter_counter(scope=county.scope(county.tom), actor=county.tom,
                                         branch_id=county.branch_b.pk, officer_id=None, kind="complaint", content="x")
    with pytest.raises(rules.ComplaintRefused):
        services.complaint_enter_counter(scope=county.scope(county.tom), actor=county.tom,
                                         branch_id=county.branch_a.pk, officer_id=county.bob.pk, kind="complaint",
                                         content="x")
    assert not Complaint.objects.exists()


def test_auditor_task_counts_and_links_the_filtered_list(client, channels):
    county = channels
    file_public(client, county)
    file_public(client, county, kind="evaluation", rating="satisfied", content="")   # nothing to handle
    rows = {row.key: row for row in task_list(scope=county.scope(county.aude))}
    assert rows["complaints"].count == 1
    assert rows["complaints"].url == reverse("complaint_list") + "?todo=handle"
    assert rows["complaints_overdue"].count == 0
    county.login(client, county.aude)
    page = client.get(rows["complaints"].url).content.decode()
    assert page.count("<tr data-reference=") == 1
    with activate(county.scope(county.pat)) as scope:
        assert "complaints" not in {row.key for row in task_list(scope=scope)}


def test_cards_page_draws_qr_codes(client, county):
    county.login(client, county.pat)
    page = client.get(reverse("complaint_cards")).content.decode()
    assert "<svg" in page
    tokens = ComplaintChannel.objects.filter(branch=county.branch_a)
    assert tokens.count() == 2  # the branch and tina
    assert all(form_url(t.token, "officer" if t.officer_id else "branch") in page for t in tokens)
    assert not ComplaintChannel.objects.filter(branch=county.branch_b).exists()


def test_list_query_count_does_not_grow(client, channels, django_assert_num_queries):
    county = channels
    for _i in range(2):
        file_public(client, county)
    cache.clear()
    county.login(client, county.aude)
    with django_assert_num_queries(7) as captured:
        client.get(LIST)
    first = len(captured.captured_queries)
    client.logout()
    for _i in range(4):
        file_public(client, county, kind="evaluation", rating="problem", content="")
    cache.clear()
    county.login(client, county.aude)
    with django_assert_num_queries(first):
        assert client.get(LIST).content.decode().count("<tr data-reference=") == 6


@override_settings(COMPLAINT_CONTACT_RETENTION_DAYS=365)
def test_contacts_are_erased_after_the_retention_period(channels):
    county = channels
    scope = county.scope(county.aude)
    handled = services._create(branch=county.branch_a, officer_id=None, kind="complaint", rating="", content="x",
                               name="王大妈", phone="13812345678", source="counter")
    services.complaint_handle(scope=scope, actor=county.aude, complaint_id=handled.pk, version=1, result="r",
                              reply="ok")
    open_one = services._create(branch=county.branch_a, officer_id=None, kind="complaint", rating="", content="x",
                                name="李四", phone="13912345678", source="counter",
                                today=timezone.localdate() - datetime.timedelta(days=800))
    handled_on = timezone.localdate()
    last_kept = handled_on + datetime.timedelta(days=365)
    assert services.complaint_contacts_erase(today=last_kept) == 0
    assert services.complaint_contacts_erase(today=last_kept + datetime.timedelta(days=1)) == 1
    handled.refresh_from_db()
    open_one.refresh_from_db()
    assert (handled.complainant_name, handled.complainant_phone, handled.reply) == ("", "", "ok")
    assert open_one.complainant_name == "李四"   # still being handled: kept


def test_the_list_puts_what_waits_first_earliest_due_first(client, channels):
    county = channels
    later = file_public(client, county)
    handled = file_public(client, county)
    services.complaint_handle(scope=county.scope(county.aude), actor=county.aude, complaint_id=handled.pk,
                              version=1, result="r", reply="ok")
    earlier = file_public(client, county)
    Complaint.objects.filter(pk=earlier.pk).update(due_on=later.due_on - datetime.timedelta(days=3))
    rows = list(selectors.complaint_list(scope=county.scope(county.aude), today=timezone.localdate()))
    assert rows == [earlier, later, handled]
