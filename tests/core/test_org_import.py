"""manage.py import_org (SPEC §11, O1): all or nothing, idempotent, one JSON object with --json."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from sunshine_credit.imports import HEADER
from sunshine_credit.lib.excel import write_xlsx
from sunshine_credit.models import Branch, HeadOffice, Village

pytestmark = pytest.mark.django_db

ORG = [
    ["", "HQ01", "澄源农村商业银行", "总行", ""],
    ["HQ01", "BR01", "城关支行", "支行", 300000],
    ["HQ01", "BR02", "王庄支行", "支行", "200000.50"],
    ["BR01", "BR01V01", "东岭村", "村", ""],
    ["BR01", "BR01V02", "西河村", "村", ""],
    ["BR02", "BR02C01", "王庄社区", "社区", ""],
]


def org_file(tmp_path, rows, name="org.xlsx"):
    path = tmp_path / name
    write_xlsx(path, "组织机构", HEADER, rows)
    return path


def run(path, *args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("import_org", str(path), "--json", *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue()


def snapshot():
    return (list(HeadOffice.objects.values_list("code", "name")),
            list(Branch.objects.values_list("code", "name", "approval_authority", "head_office__code")),
            list(Village.objects.values_list("code", "name", "kind", "branch__code")))


def test_imports_the_tree(tmp_path):
    code, out = run(org_file(tmp_path, ORG))
    assert code == 0
    result = json.loads(out)
    assert result["ok"] is True
    assert result["written"] == {"head_offices": 1, "branches": 2, "villages": 3}
    assert len(result["sha256"]) == 64
    br02 = Branch.objects.get(code="BR02")
    assert br02.head_office.code == "HQ01" and br02.approval_authority == Decimal("200000.50")
    assert Village.objects.get(code="BR02C01").kind == Village.Kind.COMMUNITY
    assert Village.objects.get(code="BR01V02").branch.code == "BR01"


def test_importing_twice_changes_nothing(tmp_path):
    path = org_file(tmp_path, ORG)
    assert run(path)[0] == 0
    first = snapshot()
    code, out = run(path)
    assert code == 0 and json.loads(out)["ok"] is True
    assert snapshot() == first
    assert (HeadOffice.objects.count(), Branch.objects.count(), Village.objects.count()) == (1, 2, 3)


def test_a_later_file_can_hang_villages_under_existing_branches(tmp_path):
    assert run(org_file(tmp_path, ORG))[0] == 0
    code, _ = run(org_file(tmp_path, [["BR02", "BR02V09", "新村", "村", ""]], name="more.xlsx"))
    assert code == 0
    assert Village.objects.get(code="BR02V09").branch.code == "BR02"


def test_bad_type_or_parent_refuses_the_whole_file(tmp_path):
    rows = ORG + [
        ["BR01", "BR01X01", "某镇", "镇", ""],         # unknown type
        ["BR09", "BR09V01", "无主村", "村", ""],        # unknown parent
        ["BR01V01", "BR01V01G1", "一组", "村", ""],     # a village under a village
        ["HQ01", "BR03", "新支行", "支行", "很多"],      # authority is not an amount
    ]
    code, out = run(org_file(tmp_path, rows))
    assert code == 1
    assert len(out.strip().splitlines()) == 1   # exactly one JSON object on stdout
    result = json.loads(out)
    assert result["ok"] is False
    errors = {(e["row"], e["column"]) for e in result["errors"]}
    assert errors == {(8, "类型"), (9, "上级编码"), (10, "上级编码"), (11, "审批权限(元)")}
    assert all(e["message"] for e in result["errors"])
    assert snapshot() == ([], [], [])   # the valid rows of the file were not written either


def test_wrong_header_is_refused(tmp_path):
    path = tmp_path / "org.xlsx"
    write_xlsx(path, "组织机构", ["编码", "名称"], [["HQ01", "总行"]])
    code, out = run(path)
    assert code == 1
    assert json.loads(out)["errors"][0]["row"] == 1
    assert not HeadOffice.objects.exists()


def test_dry_run_writes_nothing(tmp_path):
    code, out = run(org_file(tmp_path, ORG), "--dry-run")
    assert code == 0 and json.loads(out)["units"] == 6
    assert snapshot() == ([], [], [])


def test_missing_file_is_a_usage_error(tmp_path):
    code, out = run(tmp_path / "nope.xlsx")
    assert code == 2
    assert json.loads(out)["ok"] is False
