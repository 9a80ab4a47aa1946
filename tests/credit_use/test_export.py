"""`export_precredit` (SPEC §11): the core-banking template of a campaign's lines in effect — its header, the ID
as text, real dates, numbers, formula safety (R7), only active lines of the campaign, the acting user's scope
(R1); the command's exit codes and --json, and the download page's background file."""

import datetime
import io
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from credit_use.exports import HEADER, TEMPLATE_NAME
from credit_use.models import CreditLine, LineStatus
from households.models import Member
from sunshine_credit.models import GeneratedFile
from tests.commands import run_json
from tests.credit_use.factories import make_lines_world
from tests.surveys.factories import CampaignFactory

pytestmark = pytest.mark.django_db


def add_line(home, campaign, status=LineStatus.ACTIVE, amount=Decimal(20000)) -> CreditLine:
    with scopes_disabled():
        return CreditLine.objects.create(head_office=home.head_office, village=home.village, household=home,
                                         campaign=campaign, amount=amount, status=status,
                                         effective_on=datetime.date(2026, 12, 4), expires_on=datetime.date(2028, 12, 3))


@pytest.fixture
def county(county):
    """make_lines_world on the shared county, a line in 西河村, one revoked line and one of another campaign."""
    make_lines_world(county)
    campaign = county.campaign
    with scopes_disabled():
        # R7: a name that a spreadsheet would run as a formula.
        Member.objects.filter(pk=county.households[0].representative_id).update(name="=HYPERLINK(\"x\")")
        county.line_b = add_line(county.h_b, campaign, amount=Decimal(30000))   # branch B
        CreditLine.objects.filter(household=county.households[3]).update(status=LineStatus.REVOKED)
    other = CampaignFactory(head_office=campaign.head_office, code="OTHER")
    add_line(county.households[0], other)  # another campaign: not in this file
    return county


def sheet_rows(source):
    workbook = load_workbook(source)
    sheet = workbook.worksheets[0]
    return sheet, list(sheet.iter_rows())


def test_template_header_types_and_formula_safety(county, tmp_path):
    out = tmp_path / "pre.xlsx"
    code, result = run_json("export_precredit", county.campaign.code, "--out", str(out))
    assert code == 0 and result == {"ok": True, "campaign": county.campaign.code, "out": str(out), "rows": 4}
    sheet, rows = sheet_rows(out)
    assert sheet.title == TEMPLATE_NAME
    assert [c.value for c in rows[0]] == HEADER == [
        "序号", "客户名称", "证件类型", "证件号码", "授信额度(元)", "授信起始日", "授信到期日", "担保方式", "机构编码",
        "所属村", "户号代码", "批次"]
    first = rows[1]
    home, head = county.households[0], county.households[0].representative
    assert first[0].value == 1
    assert first[1].value == "'=HYPERLINK(\"x\")" and first[1].data_type == "s"   # R7: not a formula
    assert first[2].value == "居民身份证"
    assert first[3].value == head.id_number and first[3].data_type == "s" and first[3].number_format == "@"
    assert first[4].value == 50000 and first[4].data_type == "n"
    assert first[5].is_date and first[5].value.date() == datetime.date(2026, 12, 4)
    assert first[5].number_format == first[6].number_format == "yyyy-mm-dd"
    assert first[6].value.date() == datetime.date(2028, 12, 3)
    assert [c.value for c in first[7:]] == ["信用", county.v_a.branch.code, county.v_a.name, home.code,
                                          county.campaign.code]
    # Only active lines of this campaign: not the revoked one, not the other campaign's; by village, household.
    codes = [row[10].value for row in rows[1:]]
    assert codes == [county.households[i].code for i in range(3)] + [county.h_b.code]
    assert [row[0].value for row in rows[1:]] == [1, 2, 3, 4]
    assert not (tmp_path / "pre.xlsx.part").exists()


def test_the_acting_user_sees_only_their_scope(county, tmp_path):
    out = tmp_path / "tina.xlsx"
    code, result = run_json("export_precredit", county.campaign.code, "--out", str(out), "--user", county.tina.username)
    assert code == 0 and result["rows"] == 3
    _sheet, rows = sheet_rows(out)
    assert county.h_b.code not in [row[10].value for row in rows[1:]]
    code, result = run_json("export_precredit", county.campaign.code, "--out", str(out), "--user", county.bob.username)
    assert code == 0 and result["rows"] == 1


def test_command_refuses_roles_that_may_not_take_ids_out(county, tmp_path):
    out = tmp_path / "sue.xlsx"
    code, result = run_json("export_precredit", county.campaign.code, "--out", str(out), "--user", county.sue.username)
    assert code == 1 and not result["ok"] and not out.exists()


def test_command_usage_errors(county, tmp_path):
    code, result = run_json("export_precredit", "NOPE", "--out", str(tmp_path / "x.xlsx"))
    assert code == 2 and "NOPE" in result["error"]
    code, result = run_json("export_precredit", county.campaign.code, "--out", str(tmp_path / "x.csv"))
    assert code == 2 and not result["ok"]
    code, result = run_json("export_precredit", county.campaign.code, "--out", str(tmp_path / "x.xlsx"),
                       "--user", "nobody")
    assert code == 2


def download(client, county, who, django_capture_on_commit_callbacks):
    client.force_login(county[who])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/lines/export/{county.campaign.pk}/")
    return response


def test_download_makes_the_file_in_the_background_in_the_asker_scope(client, county,
                                                                      django_capture_on_commit_callbacks):
    response = download(client, county, "tina", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    with scopes_disabled():
        item = GeneratedFile.objects.get(created_by=county.tina)
    assert response["Location"] == f"/files/{item.pk}/" and item.status == GeneratedFile.Status.DONE
    opened = client.get(f"/files/{item.pk}/open/")
    assert opened.status_code == 200 and "no-store" in opened["Cache-Control"]
    _sheet, rows = sheet_rows(io.BytesIO(b"".join(opened.streaming_content)))
    assert [row[10].value for row in rows[1:]] == [county.households[i].code for i in range(3)]
    assert rows[1][3].value == county.households[0].representative.id_number
    client.force_login(county.bob)
    assert client.get(f"/files/{item.pk}/open/").status_code == 404   # the asker's own file only


def test_download_offered_and_refused_by_role(client, county, django_capture_on_commit_callbacks):
    client.force_login(county.tina)
    page = client.get("/lines/", {"campaign": county.campaign.pk}).content.decode()
    assert f"/lines/export/{county.campaign.pk}/" in page
    assert client.get(f"/lines/export/{county.campaign.pk}/").status_code == 405
    assert download(client, county, "sue", django_capture_on_commit_callbacks).status_code == 404
    assert f"/lines/export/{county.campaign.pk}/" not in client.get(
        "/lines/", {"campaign": county.campaign.pk}).content.decode()
    assert download(client, county, "pat", django_capture_on_commit_callbacks).status_code == 302
    client.force_login(county.tina)
    assert client.post("/lines/export/999999/").status_code == 404
    with scopes_disabled():
        assert not GeneratedFile.objects.filter(created_by=county.sue).exists()
