"""SPEC §11 `import_staff FILE.xlsx [--dry-run]` and its upload page: 用户名, 姓名, 角色, 支行编码, 包片村编码, 手机.

All or nothing: each kind of bad row refuses the whole file (exit status 1, every error by row and column in
Chinese, nothing written); `--json` prints exactly one JSON object; usage errors exit with 2. New logins get
one-time passwords, reported once in the result and changed at the first login; the import is recorded (R4)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from sunshine_credit.models import HeadOffice, Role, StaffImport, StaffProfile
from tests.commands import run_json
from tests.factories import BranchFactory, StaffFactory, VillageFactory
from tests.workbooks import workbook_bytes

pytestmark = pytest.mark.django_db
User = get_user_model()
HEADER = ["用户名", "姓名", "角色", "支行编码", "包片村编码", "手机"]
GOOD = [["xiaoli", "小李", "客户经理", "BRA", "BRAV01、BRAV02", "138 1234 5678"],
        ["xiaozhang", "小张", "柜员", "BRA", "", ""],
        ["laowang", "老王", "督查员", "", "", "0371-12345678"]]


@pytest.fixture
def county(county):
    with scopes_disabled():
        other = HeadOffice.objects.create(code="HQ2", name="另一家农商银行")
        county.branch_x = BranchFactory(head_office=other, code="BRX", name="外行支行")
        county.v_x = VillageFactory(branch=county.branch_x, code="BRXV01", name="外行村")
    return county


def sheet(tmp_path, rows, header=HEADER, name="staff.xlsx"):
    path = tmp_path / name
    path.write_bytes(workbook_bytes(header, rows))
    return str(path)


def run(path, *extra, user="ada"):
    return run_json("import_staff", path, "--user", user, *extra)


def test_a_good_file_makes_every_login_and_reports_each_password_once(tmp_path, county):
    code, result = run(sheet(tmp_path, GOOD))
    assert code == 0 and result["ok"] is True and result["rows"] == 3 and result["errors"] == []
    assert set(result) == {"ok", "import_id", "file", "sha256", "status", "dry_run", "rows", "logins", "errors"}
    logins = {login["username"]: login["password"] for login in result["logins"]}
    assert set(logins) == {"xiaoli", "xiaozhang", "laowang"}
    with scopes_disabled():
        li = StaffProfile.objects.select_related("user", "branch").get(user__username="xiaoli")
        assert (li.role, li.branch.code, li.phone, li.must_change_password) == (Role.OFFICER, "BRA", "13812345678",
                                                                                True)
        assert sorted(li.user.assigned_villages.values_list("code", flat=True)) == ["BRAV01", "BRAV02"]
        assert li.user.check_password(logins["xiaoli"]) and li.user.first_name == "小李"
        wang = StaffProfile.objects.get(user__username="laowang")
        assert (wang.role, wang.branch_id, wang.phone) == (Role.SUPERVISOR, None, "0371-12345678")
        record = StaffImport.objects.get(pk=result["import_id"])
        assert (record.rows_total, record.created_by_id, record.sha256) == (3, county.ada.pk, result["sha256"])
        assert logins["xiaoli"] not in str(record.summary)  # the passwords are stored nowhere


def test_a_dry_run_checks_and_writes_nothing(tmp_path, county):
    before = User.objects.count()
    code, result = run(sheet(tmp_path, GOOD), "--dry-run")
    assert code == 0 and result["dry_run"] is True and result["rows"] == 3 and result["logins"] == []
    assert User.objects.count() == before and not StaffImport.objects.exists()


def bad(row: dict) -> list:
    values = dict(zip(HEADER, GOOD[0], strict=True))
    values.update(row)
    return [values[h] for h in HEADER]


@pytest.mark.parametrize("row, column, words", [
    ({"用户名": ""}, "用户名", None),
    ({"用户名": "小 李"}, "用户名", None),
    ({"用户名": "tina"}, "用户名", "tina"),                  # an existing login: refused, never updated
    ({"用户名": "TINA"}, "用户名", "TINA"),
    ({"姓名": ""}, "姓名", None),
    ({"角色": "经理"}, "角色", "经理"),
    ({"角色": "评议员"}, "角色", None),
    ({"支行编码": ""}, "支行编码", None),                    # an officer without a branch
    ({"支行编码": "NOPE"}, "支行编码", "NOPE"),
    ({"支行编码": "BRX"}, "支行编码", "BRX"),                # another head office's branch
    ({"包片村编码": "BRAV01,NOPE"}, "包片村编码", "NOPE"),
    ({"包片村编码": "BRXV01"}, "包片村编码", "BRXV01"),       # another head office's village
    ({"包片村编码": "BRBV01"}, "包片村编码", None),           # a village of another branch
    ({"角色": "柜员"}, "包片村编码", None),                   # villages for a teller
    ({"角色": "管理员", "包片村编码": ""}, "支行编码", None),    # a head-office role names no branch
    ({"手机": "12345"}, "手机", "12345"),
])
def test_each_kind_of_bad_row_refuses_the_whole_file(tmp_path, county, row, column, words):
    before = User.objects.count()
    code, result = run(sheet(tmp_path, [GOOD[1], bad(row)]))
    assert code == 1 and result["ok"] is False
    assert [(e["row"], e["column"]) for e in result["errors"]] == [(3, column)], result["errors"]
    assert result["errors"][0]["message"] and result["message"]
    assert words is None or words in result["errors"][0]["message"]  # the refused value is named
    assert User.objects.count() == before and not StaffImport.objects.exists()


def test_a_user_name_twice_in_the_file_is_refused(tmp_path, county):
    code, result = run(sheet(tmp_path, [GOOD[0], GOOD[1], GOOD[0]]))
    assert code == 1 and [(e["row"], e["column"]) for e in result["errors"]] == [(4, "用户名")]
    assert "2" in result["errors"][0]["message"] and not User.objects.filter(username="xiaoli").exists()


def test_a_missing_column_or_an_empty_sheet_is_refused(tmp_path, county):
    code, result = run(sheet(tmp_path, [row[:5] for row in GOOD], header=HEADER[:5]))
    assert code == 1 and result["errors"][0]["row"] == 1 and "手机" in result["errors"][0]["message"]
    code, result = run(sheet(tmp_path, []))
    assert code == 1 and result["errors"][0]["row"] == 2


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path, county):
    path = tmp_path / "staff.xlsx"
    path.write_bytes(b"not a workbook")
    code, result = run(str(path))
    assert code == 1 and result["ok"] is False and result["message"] and result["errors"] == []


def test_usage_errors_exit_with_2(tmp_path, county):
    code, result = run(str(tmp_path / "missing.xlsx"))
    assert code == 2 and result == {"ok": False, "error": result["error"]}
    code, result = run(sheet(tmp_path, GOOD), user="tina")  # only the administrator imports staff
    assert code == 2 and not User.objects.filter(username="xiaoli").exists()
    code, result = run_json("import_staff", sheet(tmp_path, GOOD), "--user", "nobody")
    assert code == 2


def test_the_system_imports_into_the_named_head_office(tmp_path, county):
    code, result = run_json("import_staff", sheet(tmp_path, GOOD), "--head-office", county.head_office.code)
    assert code == 0 and len(result["logins"]) == 3
    with scopes_disabled():
        assert StaffProfile.objects.get(user__username="xiaoli").head_office_id == county.head_office.pk


# --- the upload page -------------------------------------------------------------------------------------------

def upload(client, rows, **extra):
    data = SimpleUploadedFile("staff.xlsx", workbook_bytes(HEADER, rows))
    return client.post("/staff/import/", {"file": data, **extra})


def test_the_page_imports_and_shows_the_passwords_once(client, county):
    client.force_login(county.ada)
    assert client.get("/staff/import/").status_code == 200
    template = client.get("/staff/import/template.xlsx")
    assert template.status_code == 200 and "spreadsheetml" in template["Content-Type"]
    page = upload(client, GOOD)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    logins = page.context["logins"]
    assert len(logins) == 3 and logins[0]["password"] in page.content.decode()
    assert logins[0]["password"] not in client.get("/staff/import/").content.decode()


def test_the_page_lists_every_error_and_writes_nothing(client, county):
    client.force_login(county.ada)
    page = upload(client, [bad({"角色": "经理"}), bad({"用户名": "tina"})])
    assert page.status_code == 200 and [e["row"] for e in page.context["rows"]] == [2, 3]
    assert 'id="import-errors"' in page.content.decode() and not User.objects.filter(username="xiaoli").exists()


def test_a_dry_run_on_the_page_writes_nothing(client, county):
    client.force_login(county.ada)
    page = upload(client, GOOD, dry_run="on")
    assert page.status_code == 200 and "logins" not in page.context
    assert not User.objects.filter(username="xiaoli").exists()


@pytest.mark.parametrize("who", ["tina", "pat", "sue", "aude"])
def test_other_roles_get_404(client, county, who):
    client.force_login(county[who])
    assert client.get("/staff/import/").status_code == 404
    assert upload(client, GOOD).status_code == 404
    assert not User.objects.filter(username="xiaoli").exists()


def test_another_head_offices_administrator_cannot_use_this_head_offices_codes(tmp_path, county):
    with scopes_disabled():
        StaffFactory(role=Role.ADMIN, branch=None, head_office=county.branch_x.head_office, user__username="olga")
    code, result = run(sheet(tmp_path, GOOD), user="olga")
    assert code == 1 and {e["column"] for e in result["errors"]} >= {"支行编码"}
    assert not User.objects.filter(username="xiaoli").exists()
