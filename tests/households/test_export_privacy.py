"""Issue 15 item 8 (PIPL, R5): the archive export with whole ID and phone numbers is for makers only, asks for
a purpose and is recorded (who, when, purpose, rows; audited); everyone else's is masked; tellers get 404; the
record is shown to the head office's admin, supervisors and auditors."""

import io

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from households.models import ArchiveExport
from households.rules import ARCHIVE_EXPORT_PURPOSE_MIN, archive_export_full
from sunshine_credit.errors import RuleViolation
from tests.factories import HouseholdFactory

URL = "/households/export.xlsx"
ID, PHONE = "11010519491231002X", "13912345678"


# --- the rule, without a database ------------------------------------------------------------------------
def test_whole_numbers_need_a_purpose_of_the_minimum_length():
    with pytest.raises(RuleViolation) as exc:
        archive_export_full(is_maker=True, want_full=True, purpose="x" * (ARCHIVE_EXPORT_PURPOSE_MIN - 1))
    assert exc.value.field == "purpose"
    with pytest.raises(RuleViolation):
        archive_export_full(is_maker=True, want_full=True, purpose="   " + "x" * (ARCHIVE_EXPORT_PURPOSE_MIN - 1))
    assert archive_export_full(is_maker=True, want_full=True, purpose="x" * ARCHIVE_EXPORT_PURPOSE_MIN) is True


def test_only_a_maker_who_asks_gets_whole_numbers():
    assert archive_export_full(is_maker=False, want_full=True, purpose="核心系统批量录入") is False
    assert archive_export_full(is_maker=True, want_full=False, purpose="") is False


# --- the pages -------------------------------------------------------------------------------------------
@pytest.fixture
def archive(county, unscoped):
    county.h_a = HouseholdFactory(village=county.v_a, group=county.g1, code="A-0001", archive_status="archived",
                                  head__id_number=ID, head__phone=PHONE)
    county.h_b = HouseholdFactory(village=county.v_b, code="B-0001")
    return county


def records():
    with scopes_disabled():
        return list(ArchiveExport.objects.order_by("id"))


def sheet_text(response) -> str:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "no-store" in response["Cache-Control"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None)


@pytest.mark.django_db
def test_a_maker_is_asked_for_a_purpose_first(client, archive):
    client.force_login(archive.tina)
    response = client.get(URL)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert b'name="purpose"' in response.content and records() == []
    response = client.post(URL, {"full_numbers": "on", "purpose": ""})
    assert response["Content-Type"].startswith("text/html") and response.context["form"].errors["purpose"]
    assert records() == []


@pytest.mark.django_db
def test_a_makers_whole_export_is_recorded_and_audited(client, archive):
    client.force_login(archive.tina)
    text = sheet_text(client.post(URL, {"full_numbers": "on", "purpose": "核心系统批量录入", "village": archive.v_a.pk}))
    assert ID in text and PHONE in text
    [record] = records()
    assert (record.exported_by, record.purpose, record.full_numbers, record.rows, record.village_id) == (
        archive.tina, "核心系统批量录入", True, 1, archive.v_a.pk)
    assert record.exported_at is not None
    with scopes_disabled():
        assert LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(ArchiveExport),
                                       object_pk=str(record.pk), actor=archive.tina).exists()


@pytest.mark.django_db
def test_a_makers_masked_export_needs_no_purpose(client, archive):
    client.force_login(archive.tina)
    text = sheet_text(client.post(URL, {}))
    assert ID not in text and "110105********002X" in text and PHONE not in text
    assert [(r.full_numbers, r.purpose) for r in records()] == [(False, "")]


@pytest.mark.django_db
def test_everyone_elses_export_is_masked_even_when_asked_whole(client, archive):
    for user in (archive.pat, archive.sue, archive.aude):
        client.force_login(user)
        for response in (client.get(URL), client.post(URL, {"full_numbers": "on", "purpose": "核心系统批量录入"})):
            text = sheet_text(response)
            assert ID not in text and PHONE not in text and "139****5678" in text
    assert len(records()) == 6 and not any(r.full_numbers for r in records())


@pytest.mark.django_db
def test_tellers_get_404_on_the_archive_export(client, archive):
    client.force_login(archive.tom)
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"full_numbers": "on", "purpose": "核心系统批量录入"}).status_code == 404
    assert b"export-archive" not in client.get("/households/").content
    assert records() == []


@pytest.mark.django_db
def test_the_export_record_is_shown_to_head_office_readers_only(client, archive):
    client.force_login(archive.tina)
    client.post(URL, {"full_numbers": "on", "purpose": "核心系统批量录入"})
    for user in (archive.ada, archive.sue, archive.aude):
        client.force_login(user)
        response = client.get("/households/exports/")
        assert response.status_code == 200 and "核心系统批量录入" in response.content.decode()
        assert b"/households/exports/" in client.get("/households/").content
    for user in (archive.tina, archive.pat, archive.tom):
        client.force_login(user)
        assert client.get("/households/exports/").status_code == 404
