"""Roster import in the browser: upload → preview with row errors → confirm; scoped (R1)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scopes_disabled

from households.models import Household, RosterImport
from tests.households.roster_files import roster_bytes
from tests.households.test_roster_import import households_rows

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("signed_in")]
LIST = reverse("households:roster_import_list")


@pytest.fixture
def signed_in(client, county):
    """tina (东岭村 and 南坡村) signed in."""
    client.force_login(county.tina)


def upload(client, rows, name="roster.xlsx"):
    return client.post(LIST, {"file": SimpleUploadedFile(name, roster_bytes(rows))})


def test_upload_preview_shows_row_errors_then_fixed_file_imports(client, county, django_capture_on_commit_callbacks):
    rows = households_rows(county.v_a, 40, 2)
    good = rows[55][6]
    rows[55][6] = good[:17] + ("0" if good[17] != "0" else "1")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, rows)
    item = RosterImport.objects.get()
    assert response.status_code == 302 and item.status == "invalid"
    page = client.get(reverse("households:roster_import_detail", args=[item.pk])).content.decode()
    assert "第57行" in page and "身份证号码" in page and "校验码" in page and "confirm-import" not in page
    assert "共1处错误" in page  # the count of errors, as a person reads it
    with scopes_disabled():
        assert Household.objects.count() == 0

    rows[55][6] = good
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, rows)
    item = RosterImport.objects.latest("id")
    assert item.status == "valid" and item.created_by == county.tina
    assert item.summary["villages"] == [{"branch": county.branch_a.code, "code": county.v_a.code,
                                         "name": county.v_a.name, "households": 40, "members": 80, "consenting": 40}]
    with scopes_disabled():
        assert Household.objects.count() == 0  # checked, not yet written
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("households:roster_import_confirm", args=[item.pk]))
    item.refresh_from_db()
    assert response.status_code == 302 and item.status == "applied" and item.summary["households_created"] == 40
    assert not item.file  # personal data is not kept once imported
    with scopes_disabled():
        assert Household.objects.count() == 40
    # A second confirm is refused and writes nothing more.
    assert client.post(reverse("households:roster_import_confirm", args=[item.pk])).status_code == 403


def test_other_branch_officer_gets_404_for_import_page_and_confirm(client, county,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, households_rows(county.v_a, 2, 2))
    item = RosterImport.objects.get()
    client.force_login(county.bob)
    assert client.get(reverse("households:roster_import_detail", args=[item.pk])).status_code == 404
    assert client.post(reverse("households:roster_import_confirm", args=[item.pk])).status_code == 404
    assert b"roster.xlsx" not in client.get(LIST).content
    item.refresh_from_db()
    assert item.status == "valid"


def test_uploading_rows_for_another_branch_is_refused_by_row(client, county, django_capture_on_commit_callbacks):
    client.force_login(county.bob)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, households_rows(county.v_a, 2, 2))
    item = RosterImport.objects.get()
    assert item.status == "invalid" and {e["column"] for e in item.errors} == {"支行编码"}


def test_non_maker_roles_cannot_upload(client, county):
    client.force_login(county.sue)  # supervisor
    assert upload(client, households_rows(county.v_a, 1, 1)).status_code == 403
    assert not RosterImport.objects.exists()


def test_a_file_that_is_not_xlsx_is_refused_in_chinese_and_nothing_is_stored(client):
    response = client.post(LIST, {"file": SimpleUploadedFile("roster.xlsx", b"not a workbook")})
    assert response.status_code == 200 and ".xlsx" in response.content.decode()
    assert not RosterImport.objects.exists()


def test_template_download_has_the_section_11_header(client):
    import io

    from openpyxl import load_workbook
    response = client.get(reverse("households:roster_template"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]][:5] == ["支行编码", "村编码", "村名称", "村民小组", "户号代码"]
    assert sheet["G2"].value == "11010519491231002X"
