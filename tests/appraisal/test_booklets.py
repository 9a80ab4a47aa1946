"""A3: the paper appraisal booklet (评议册): one blank sheet per seat to print (never anybody's entries),
and the filled sheets imported back: every row checked by sheet, row and column, all or nothing,
idempotent, recusal (A2), counts only on the report, scoped (R1) with two branches; the commands."""

import io
import json
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scopes_disabled
from openpyxl import Workbook, load_workbook

from appraisal.exports import COLUMNS, HEADER_ROW
from appraisal.models import Appraisal, BookletImport, Panel
from appraisal.services import entry as services_entry
from appraisal.services.entry import EntryInput
from tests.appraisal.factories import make_panel_world
from tests.commands import run_json

pytestmark = pytest.mark.django_db
AMOUNT, REASONS, RATING = (COLUMNS.index(c) + 1 for c in ("授信额度(元)", "待授信原因代码", "评级"))


@pytest.fixture
def county(county):
    """make_panel_world with six households; reviewer 2 lives in A-0003 (A2 recusal) and A-0001's address is a
    formula (R7)."""
    make_panel_world(county, households=6)
    with scopes_disabled():
        county.reviewers[1].household = county.households[2]
        county.reviewers[1].save()
        county.households[0].address = "=HYPERLINK(\"http://x\")"
        county.households[0].save()
    return county


def export(client, county, user=None):
    client.force_login(user or county.tina)
    return client.get(reverse("appraisal:booklet_export", args=[county.panel.pk]))


def book(client, county):
    response = export(client, county)
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def fill(workbook, entries: dict, extra: dict | None = None) -> bytes:
    """entries {seat: {household code: (amount, reasons, rating)}}; extra {seat: [whole rows to append]}."""
    for seat, rows in entries.items():
        sheet = workbook[f"评议员{seat}"]
        for row in sheet.iter_rows(min_row=HEADER_ROW + 1):
            if row[0].value in rows:
                amount, reasons, rating = rows[row[0].value]
                row[AMOUNT - 1].value, row[REASONS - 1].value, row[RATING - 1].value = amount, reasons, rating
    for seat, rows in (extra or {}).items():
        for row in rows:
            workbook[f"评议员{seat}"].append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client, county, data, capture):
    with capture(execute=True):
        response = client.post(reverse("appraisal:booklet_import_list", args=[county.panel.pk]),
                               {"file": SimpleUploadedFile("评议册.xlsx", data)})
    return response, BookletImport.objects.latest("id")


def confirm(client, item, capture):
    with capture(execute=True):
        response = client.post(reverse("appraisal:booklet_import_confirm", args=[item.pk]))
    item.refresh_from_db()
    return response


def stored(county):
    with scopes_disabled():
        return {(a.member.seat, a.household.code): (a.amount, a.withhold_reasons, a.rating, a.source)
                for a in Appraisal.objects.filter(panel=county.panel).select_related("member", "household")}


FILLED = {
    1: {"A-0001": (30000, None, "AAA"), "A-0002": ("8.3万", None, "2"), "A-0003": (None, "2,8", None)},
    2: {"A-0001": ("52000", None, "aa"), "A-0004": (None, 7, "B")},
    5: {"A-0006": (45000.5, None, 3)},
}
EXPECTED = {
    (1, "A-0001"): (Decimal("30000.00"), [], 1, "booklet"), (1, "A-0002"): (Decimal("83000.00"), [], 2, "booklet"),
    (1, "A-0003"): (None, [2, 8], None, "booklet"), (2, "A-0001"): (Decimal("52000.00"), [], 2, "booklet"),
    (2, "A-0004"): (None, [7], 4, "booklet"), (5, "A-0006"): (Decimal("45000.50"), [], 3, "booklet"),
}


def test_export_one_blank_sheet_per_seat_in_seat_order(client, county):
    workbook = book(client, county)
    assert workbook.sheetnames == [f"评议员{n}" for n in range(1, 6)]
    sheet = workbook["评议员1"]
    title = sheet["A1"].value
    assert county.v_a.name in title and county.panel.unit_name in title and "评议员1" in title
    assert [c.value for c in sheet[2][:6]] == ["评议小组编号", county.panel.pk, "评议员席位", 1, "评议员编号",
                                               county.reviewers[0].pk]
    assert [c.value for c in sheet[HEADER_ROW]] == COLUMNS
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=HEADER_ROW + 1)]
    # by villagers' group (1组 then 2组), then code
    assert [r[0] for r in rows] == ["A-0001", "A-0003", "A-0005", "A-0002", "A-0004", "A-0006"]
    assert rows[1][1:3] == ["1组", "农户3"] and rows[1][4] == "138****5678"
    assert rows[0][3].startswith("'=")  # R7: no formula from user text
    assert all(r[AMOUNT - 1] is None and r[REASONS - 1] is None and r[RATING - 1] is None for r in rows)
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == f"$1:${HEADER_ROW}"
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    # A2: reviewer 2's own household is not on their sheet.
    assert "A-0003" not in [row[0].value for row in workbook["评议员2"].iter_rows(min_row=HEADER_ROW + 1)]


def test_export_never_carries_entries_saved_online(client, county):
    panel = county.panel
    for reviewer in county.reviewers:
        services_entry.appraisal_save(actor=reviewer.user, panel_id=panel.pk, household_id=county.households[0].pk,
                                      values=EntryInput(amount=Decimal(61234), rating=1), version=0)
    with scopes_disabled():
        assert Appraisal.objects.filter(panel=panel).count() == 5
    response = export(client, county)
    assert b"61234" not in response.content and "no-store" in response["Cache-Control"]
    workbook = load_workbook(io.BytesIO(response.content))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(min_row=HEADER_ROW + 1):
            assert (row[AMOUNT - 1].value, row[REASONS - 1].value, row[RATING - 1].value) == (None, None, None)


def test_round_trip_stores_exactly_what_was_filled(client, county, django_capture_on_commit_callbacks):
    data = fill(book(client, county), FILLED)
    response, item = upload(client, county, data, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and item.status == "valid", item.errors
    assert stored(county) == {}  # checked, not yet written
    page = client.get(reverse("appraisal:booklet_import_detail", args=[item.pk])).content.decode()
    assert "confirm-import" in page and "import-seats" in page
    assert "83000" not in page and "8.3" not in page and "52000" not in page  # A3: counts only
    assert [(s["seat"], s["rows"]) for s in item.summary["seats"]] == [(1, 3), (2, 2), (3, 0), (4, 0), (5, 1)]
    assert confirm(client, item, django_capture_on_commit_callbacks).status_code == 302
    assert item.status == "applied" and item.summary["entries_written"] == 6 and not item.file
    assert stored(county) == EXPECTED
    page = client.get(reverse("appraisal:booklet_import_detail", args=[item.pk])).content.decode()
    assert "import-done" in page and "30000" not in page and "45000" not in page
    # The same file again: the same entries (upsert per seat and household).
    _, again = upload(client, county, data, django_capture_on_commit_callbacks)
    confirm(client, again, django_capture_on_commit_callbacks)
    assert again.status == "applied" and stored(county) == EXPECTED
    with scopes_disabled():
        assert Appraisal.objects.filter(panel=county.panel).count() == 6


def test_row_errors_name_sheet_row_and_column_and_nothing_is_written(client, county,
                                                                     django_capture_on_commit_callbacks):
    workbook = book(client, county)
    data = fill(workbook, {
        1: {"A-0001": ("三万", None, "AAA"),       # row 5: unreadable amount
            "A-0003": (30000, "2", "A"),         # row 6: amount and reasons
            "A-0005": (30000, None, None),       # row 7: amount without rating
            "A-0002": (None, "12", None),        # row 8: unknown reason code
            "A-0004": (20000, None, "C")},       # row 9: unreadable rating
        3: {"A-0001": (30000, None, "AA")},      # a valid row: still nothing is written
    }, extra={1: [["X-9999", "", "", "", "", 10000, None, "A"], ["B-0001", "", "", "", "", 10000, None, "A"]]})
    _, item = upload(client, county, data, django_capture_on_commit_callbacks)
    assert item.status == "invalid" and not item.file
    found = {(e["sheet"], e["row"], e["column"]) for e in item.errors}
    assert found == {("评议员1", 5, "授信额度(元)"), ("评议员1", 6, "待授信原因代码"), ("评议员1", 7, "评级"),
                     ("评议员1", 8, "待授信原因代码"), ("评议员1", 9, "评级"), ("评议员1", 11, "户号代码"),
                     ("评议员1", 12, "户号代码")}
    page = client.get(reverse("appraisal:booklet_import_detail", args=[item.pk])).content.decode()
    assert "import-refused" in page and "confirm-import" not in page and "三万" not in page
    assert stored(county) == {}


def test_recusal_row_for_own_household_is_refused(client, county, django_capture_on_commit_callbacks):
    data = fill(book(client, county), {}, extra={2: [["A-0003", "1组", "", "", "", 50000, None, "AA"]]})
    _, item = upload(client, county, data, django_capture_on_commit_callbacks)
    assert item.status == "invalid"
    assert [(e["sheet"], e["column"]) for e in item.errors] == [("评议员2", "户号代码")]
    assert "回避" in item.errors[0]["message"] or "recusal" in item.errors[0]["message"]
    assert stored(county) == {}


def test_sheet_errors_foreign_panel_unknown_seat_and_seat_twice(client, county, django_capture_on_commit_callbacks):
    workbook = book(client, county)
    fill(workbook, {1: {"A-0001": (30000, None, "AAA")}})
    twice = workbook.copy_worksheet(workbook["评议员1"])
    twice.title = "评议员1副本"
    workbook["评议员4"]["B2"] = county.panel_b.pk
    workbook["评议员5"]["D2"] = 9
    workbook["评议员3"]["F2"] = county.reviewers[3].pk  # printed before seat 3 changed hands
    stray = workbook.create_sheet("备注")
    stray["A1"] = "随便写的"
    data = fill(workbook, {})
    _, item = upload(client, county, data, django_capture_on_commit_callbacks)
    assert item.status == "invalid"
    assert {(e["sheet"], e["column"]) for e in item.errors} == {
        ("评议员1副本", "评议员席位"), ("评议员4", "评议小组编号"), ("评议员5", "评议员席位"), ("备注", ""),
        ("评议员3", "评议员编号")}
    assert stored(county) == {}


def test_closed_round_booklets_are_refused(client, county, django_capture_on_commit_callbacks):
    data = fill(book(client, county), FILLED)
    _, item = upload(client, county, data, django_capture_on_commit_callbacks)
    assert item.status == "valid"
    with scopes_disabled():
        Panel.objects.filter(pk=county.panel.pk).update(status=Panel.Status.CLOSED)
    confirm(client, item, django_capture_on_commit_callbacks)
    assert item.status == "invalid" and stored(county) == {}  # closed between check and confirm
    assert export(client, county).status_code == 404
    page = client.get(reverse("appraisal:booklet_import_list", args=[county.panel.pk])).content.decode()
    assert "booklet-closed" in page and "upload-form" not in page


def test_not_an_xlsx_is_refused_with_a_message(client, county, django_capture_on_commit_callbacks):
    client.force_login(county.tina)
    response = client.post(reverse("appraisal:booklet_import_list", args=[county.panel.pk]),
                           {"file": SimpleUploadedFile("x.xlsx", b"not a workbook")})
    assert response.status_code == 200 and "upload-form" in response.content.decode()
    assert not BookletImport.objects.exists()


def test_scope_other_branch_officer_and_reviewers_get_404(client, county, django_capture_on_commit_callbacks):
    panel = county.panel
    data = fill(book(client, county), FILLED)
    _, item = upload(client, county, data, django_capture_on_commit_callbacks)
    detail = client.get(reverse("appraisal:panel_detail", args=[panel.pk])).content.decode()
    assert "booklet-export" in detail and "booklet-import" in detail
    urls = [reverse("appraisal:booklet_export", args=[panel.pk]), reverse("appraisal:booklet_import_list",
                                                                        args=[panel.pk]),
            reverse("appraisal:booklet_import_detail", args=[item.pk])]
    for user in (county.bob, county.reviewers[0].user):
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == [404, 404, 404]
        assert client.post(urls[1], {"file": SimpleUploadedFile("b.xlsx", data)}).status_code == 404
        assert client.post(reverse("appraisal:booklet_import_confirm", args=[item.pk])).status_code == 404
    assert BookletImport.objects.count() == 1 and stored(county) == {}


def test_commands_export_and_import_with_json(client, county, tmp_path):
    campaign, village, tina = county.campaign.code, county.v_a.code, county.tina.username
    out = tmp_path / "booklet.xlsx"
    code, result = run_json("export_booklet", campaign, village, "--out", str(out), "--user", tina)
    assert code == 0 and result["ok"] and result["sheets"] == 5 and result["rows"] == 6 * 5 - 1
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(fill(load_workbook(out), FILLED))
    code, result = run_json("import_booklet", campaign, village, str(filled), "--dry-run", "--user", tina)
    assert code == 0 and result["status"] == "valid" and stored(county) == {}
    code, result = run_json("import_booklet", campaign, village, str(filled), "--user", tina)
    assert code == 0 and result["status"] == "applied" and stored(county) == EXPECTED
    with scopes_disabled():  # R4: every entry's audit names the importing officer; the import row the file
        assert set(LogEntry.objects.get_for_model(Appraisal).values_list("actor__username", flat=True)) == {tina}
        assert BookletImport.objects.get(pk=result["import_id"]).sha256 == result["sha256"]
    assert "83000" not in json.dumps(result) and result["summary"]["seats"][0] == {
        "seat": 1, "name": "评议员1", "sheet": "评议员1", "rows": 3}
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(fill(load_workbook(out), {1: {"A-0001": (30000, None, None)}}))
    code, result = run_json("import_booklet", campaign, village, str(bad), "--user", tina)
    assert code == 1 and not result["ok"] and result["errors"][0]["sheet"] == "评议员1"
    assert run_json("import_booklet", campaign, village, str(bad))[0] == 2            # no --user
    assert run_json("export_booklet", campaign, "NOPE", "--out", str(out), "--user", tina)[0] == 2
    # Branch B's officer: the panel of village A is outside the scope.
    assert run_json("export_booklet", campaign, village, "--out", str(out), "--user", county.bob.username)[0] == 2


def test_read_booklet_refuses_a_non_workbook_and_skips_empty_sheets(county):
    from appraisal.imports import read_booklet
    from sunshine_credit.lib.excel import UploadRefused

    with pytest.raises(UploadRefused):
        read_booklet(b"PK\x03\x04 broken")
    workbook = Workbook()
    workbook.create_sheet("空")
    out = io.BytesIO()
    workbook.save(out)
    assert [name for name, _rows in read_booklet(out.getvalue()).sheets] == ["Sheet", "空"]


def test_a_maker_seated_on_the_panel_does_not_handle_its_booklets(client, county):
    """A3: an administrator who sits on the panel as bank staff gets 404, like any reviewer."""
    from appraisal.models import ReviewerKind
    from tests.appraisal.factories import ReviewerFactory, seat

    with scopes_disabled():
        staff = ReviewerFactory(branch=county.v_a.branch, kind=ReviewerKind.BANK_STAFF, user=county.ada)
        seat(county.panel, staff, 6)
    assert export(client, county, user=county.ada).status_code == 404
    assert client.get(reverse("appraisal:booklet_import_list", args=[county.panel.pk])).status_code == 404
    assert export(client, county).status_code == 200


def test_gaps_filled_on_paper_wait_for_the_officer(client, county, django_capture_on_commit_callbacks):
    """A4 on paper: 补充家庭住址 / 补充联系电话 become pending reviewer-supplied data; a bad phone is a row error."""
    from appraisal.exports import NEW_ADDRESS, NEW_PHONE
    from appraisal.models import GapEdit

    new_address, new_phone = COLUMNS.index(NEW_ADDRESS), COLUMNS.index(NEW_PHONE)
    workbook = book(client, county)
    sheet = workbook["评议员1"]
    first = next(sheet.iter_rows(min_row=HEADER_ROW + 1))
    first[new_address].value, first[new_phone].value = "东岭村1组18号", "139 0000 3333"
    second = list(sheet.iter_rows(min_row=HEADER_ROW + 2))[0]
    second[new_phone].value = "电话"
    out = io.BytesIO()
    workbook.save(out)
    _response, item = upload(client, county, out.getvalue(), django_capture_on_commit_callbacks)
    assert [(e["sheet"], e["row"], e["column"]) for e in item.errors] == [("评议员1", HEADER_ROW + 2, NEW_PHONE)]
    with scopes_disabled():
        assert not GapEdit.objects.exists()
    second[new_phone].value = None
    out = io.BytesIO()
    workbook.save(out)
    _response, item = upload(client, county, out.getvalue(), django_capture_on_commit_callbacks)
    confirm(client, item, django_capture_on_commit_callbacks)
    with scopes_disabled():
        gaps = sorted(GapEdit.objects.values_list("household__code", "field", "value", "status",
                                                  "proposed_by__seat"))
        assert not Appraisal.objects.exists()
    code = first[0].value
    assert gaps == [(code, "address", "东岭村1组18号", "pending", 1), (code, "phone", "13900003333", "pending", 1)]


def test_a_booklet_row_never_overwrites_an_entry_saved_online(client, county, django_capture_on_commit_callbacks):
    """R3: reviewer 1 saved A-0001 online; the booklet's row for it is refused (naming seat and row), and a
    save made online between the check and the confirmation is caught when the import applies."""
    homes = county.households
    services_entry.appraisal_save(actor=county.reviewers[0].user, panel_id=county.panel.pk,
                                  household_id=homes[0].pk, values=EntryInput(amount=Decimal(41000), rating=1),
                                  version=0)
    workbook = book(client, county)
    data = fill(workbook, {1: {homes[0].code: (50000, None, "AA")}})
    _response, item = upload(client, county, data, django_capture_on_commit_callbacks)
    assert [(e["sheet"], e["column"]) for e in item.errors] == [("评议员1", "授信额度(元)")]
    data = fill(book(client, county), {1: {homes[1].code: (50000, None, "AA")}})
    _response, item = upload(client, county, data, django_capture_on_commit_callbacks)
    assert item.status == BookletImport.Status.VALID
    services_entry.appraisal_save(actor=county.reviewers[0].user, panel_id=county.panel.pk,
                                  household_id=homes[1].pk, values=EntryInput(amount=Decimal(42000), rating=1),
                                  version=0)
    confirm(client, item, django_capture_on_commit_callbacks)
    with scopes_disabled():
        amounts = dict(Appraisal.objects.values_list("household__code", "amount"))
    assert item.status != BookletImport.Status.APPLIED
    assert amounts == {homes[0].code: Decimal(41000), homes[1].code: Decimal(42000)}
