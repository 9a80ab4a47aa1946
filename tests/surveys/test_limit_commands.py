"""SPEC §11: compute_limits and export_limits, as the bank's IT staff run them."""

import datetime
import json

import pytest
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from households.models import Household, Member
from households.rules import mask_id
from sunshine_credit.models import Role
from surveys.exports import HEADER
from surveys.models import LimitResult
from tests.commands import run_json
from tests.factories import BranchFactory, HouseholdFactory, VillageFactory, staff_for
from tests.surveys.factories import CampaignFactory, QuestionnaireFactory, RespondentFactory

REF = datetime.date(2026, 11, 1)


@pytest.fixture
def county(unscoped):
    """Branch A with villages a1, a2 and branch B with b1; one household per village answered by six
    respondents, one of them with a withhold reason in a2; one household in a1 without questionnaires."""
    a, b = BranchFactory(), BranchFactory()
    a1, a2, b1 = VillageFactory(branch=a), VillageFactory(branch=a), VillageFactory(branch=b)
    campaign = CampaignFactory(head_office=a.head_office, code="2026A", reference_date=REF)
    homes = {}
    for village in (a1, a2, b1):
        home = HouseholdFactory(village=village)
        for i, amount in enumerate([30000, 50000, 60000, 70000, 90000, 400000]):
            respondent = RespondentFactory(village=village, code=f"R{i}", name=f"秘密评议人{village.code}{i}")
            QuestionnaireFactory(campaign=campaign, household=home, respondent=respondent, amount=amount,
                                 withhold_reasons=[2, 8] if village == a2 and i == 0 else [])
        homes[village.code] = home
    HouseholdFactory(village=a1, code="EMPTY1")
    return {"campaign": campaign, "a": a, "b": b, "a1": a1, "a2": a2, "b1": b1, "homes": homes}


@pytest.mark.django_db
def test_compute_limits_prints_counts_per_status(county):
    code, result = run_json("compute_limits", "2026A")
    assert code == 0 and result["ok"]
    assert result["counts"] == {"granted": 2, "withheld": 1, "ineligible": 0, "incomplete": 1}
    assert result["villages"] == 3 and result["written"] == 4
    code, again = run_json("compute_limits", "2026A")
    assert code == 0 and again["written"] == 0 and again["counts"] == result["counts"]  # L7


@pytest.mark.django_db
def test_compute_limits_for_one_village(county):
    code, result = run_json("compute_limits", "2026A", "--village", county["a2"].code)
    assert code == 0 and result["counts"] == {"granted": 0, "withheld": 1, "ineligible": 0, "incomplete": 0}
    with scopes_disabled():
        assert list(LimitResult.objects.values_list("household__village__code", "reasons")) == [
            (county["a2"].code, {"2": 1, "8": 1})]


@pytest.mark.django_db
def test_compute_limits_as_a_user_stays_in_their_branch(county):
    officer = staff_for(county["a1"], county["a2"])
    code, result = run_json("compute_limits", "2026A", "--user", officer.user.username)
    assert code == 0 and result["villages"] == 2
    with scopes_disabled():
        assert county["b1"].pk not in set(LimitResult.objects.values_list("household__village_id", flat=True))
    code, result = run_json("compute_limits", "2026A", "--village", county["b1"].code, "--user", officer.user.username)
    assert code == 2 and not result["ok"]
    with scopes_disabled():
        assert not LimitResult.objects.filter(household__village=county["b1"]).exists()


@pytest.mark.django_db
def test_compute_limits_unknown_campaign_is_a_usage_error(county):
    code, result = run_json("compute_limits", "NOPE")
    assert code == 2 and not result["ok"]


def read(path):
    sheet = load_workbook(path).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.django_db
def test_export_limits_columns_words_and_no_respondent_names(county, tmp_path):
    assert run_json("compute_limits", "2026A")[0] == 0
    out = tmp_path / "limits.xlsx"
    code, result = run_json("export_limits", "2026A", "--out", str(out))
    assert code == 0 and result["rows"] == 4
    rows = read(out)
    assert rows[0] == HEADER == ["户号代码", "授信代表人", "身份证号码", "有效问卷数", "拟授信额度(元)", "状态", "原因"]
    by_code = {r[0]: r for r in rows[1:]}
    with scopes_disabled():
        granted = county["homes"][county["a1"].code]
        representative = granted.representative
    row = by_code[granted.code]
    assert row[1] == representative.name and row[2] == representative.id_number  # the system may edit everything
    assert row[3] == 6 and row[4] == 67000 and row[5] == "拟授信"
    assert "超过支行审批权限" not in row[6]
    withheld = by_code[county["homes"][county["a2"].code].code]
    assert withheld[4] is None and withheld[5] == "待授信" and withheld[6] == "欠债较多（1人）；信用观念差（1人）"
    assert by_code["EMPTY1"][5] == "资料不全" and by_code["EMPTY1"][3] == 0
    text = json.dumps(rows, ensure_ascii=False, default=str)
    assert "秘密评议人" not in text  # S1: respondents' names never leave the survey team
    sheet = load_workbook(out).worksheets[0]
    assert sheet.cell(row=2, column=3).data_type == "s"  # ID numbers are text


@pytest.mark.django_db
def test_export_masks_ids_for_readers_and_keeps_to_the_scope(county, tmp_path):
    assert run_json("compute_limits", "2026A")[0] == 0
    president = staff_for(county["a1"], role=Role.PRESIDENT)   # reads branch A, edits nothing
    out = tmp_path / "limits.xlsx"
    code, result = run_json("export_limits", "2026A", "--out", str(out), "--user", president.user.username)
    assert code == 0 and result["rows"] == 3
    rows = read(out)[1:]
    with scopes_disabled():
        b_home = county["homes"][county["b1"].code]
        a_home = county["homes"][county["a1"].code]
        a_id = a_home.representative.id_number
    assert b_home.code not in {r[0] for r in rows}
    row = next(r for r in rows if r[0] == a_home.code)
    assert row[2] == mask_id(a_id) and row[2] != a_id


@pytest.mark.django_db
def test_export_flags_and_warnings_are_readable(county, tmp_path):
    with scopes_disabled():
        county["a"].approval_authority = 10000
        county["a"].save()
        from surveys.models import Questionnaire
        Questionnaire.objects.update(net_income=20000)
    run_json("compute_limits", "2026A")
    out = tmp_path / "limits.xlsx"
    run_json("export_limits", "2026A", "--out", str(out))
    row = next(r for r in read(out)[1:] if r[5] == "拟授信" and r[0] == county["homes"][county["a1"].code].code)
    assert row[6] == "超过家庭净收入上限倍数（预警）；超过支行审批权限，须报上级审批"


@pytest.mark.django_db
def test_export_limits_escapes_each_formula_start_of_a_representatives_name(county, tmp_path):
    """R7: a representative's name beginning with `=`, `+`, `-` or `@` comes out escaped, as text."""
    names = ["=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)"]
    with scopes_disabled():
        homes = list(Household.objects.filter(head_office=county["a"].head_office).order_by("code"))
        assert len(homes) == len(names)
        for home, name in zip(homes, names, strict=True):
            Member.objects.filter(pk=home.representative_id).update(name=name)
        expected = {home.code: "'" + name for home, name in zip(homes, names, strict=True)}
    assert run_json("compute_limits", "2026A")[0] == 0
    out = tmp_path / "limits.xlsx"
    assert run_json("export_limits", "2026A", "--out", str(out))[0] == 0
    assert {row[0]: row[1] for row in read(out)[1:]} == expected
    sheet = load_workbook(out).worksheets[0]
    assert all(sheet.cell(row=r, column=2).data_type == "s" for r in range(2, 2 + len(names)))


@pytest.mark.django_db
def test_export_limits_usage_errors(county, tmp_path):
    assert run_json("export_limits", "2026A", "--out", str(tmp_path / "x.csv"))[0] == 2
    assert run_json("export_limits", "NOPE", "--out", str(tmp_path / "x.xlsx"))[0] == 2
