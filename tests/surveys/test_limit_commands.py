"""SPEC §11: compute_limits and export_limits, as the bank's IT staff run them."""

import json

import pytest
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from households.models import Household, Member
from households.rules import mask_id
from surveys.exports import HEADER
from surveys.models import LimitResult
from tests.commands import run_json
from tests.factories import HouseholdFactory
from tests.surveys.factories import QuestionnaireFactory, RespondentFactory

pytestmark = pytest.mark.usefixtures("answered")


@pytest.fixture
def answered(county, unscoped):
    """One household in each of the county's villages (东岭村, 南坡村, 西河村) answered by six respondents, one of
    them with a withhold reason in 南坡村; one household in 东岭村 without questionnaires. `county.homes` by
    village code."""
    county.homes = {}
    for village in (county.v_a, county.v_a2, county.v_b):
        home = HouseholdFactory(village=village)
        for i, amount in enumerate([30000, 50000, 60000, 70000, 90000, 400000]):
            respondent = RespondentFactory(village=village, code=f"R{i}", name=f"秘密评议人{village.code}{i}")
            QuestionnaireFactory(campaign=county.campaign, household=home, respondent=respondent, amount=amount,
                                 withhold_reasons=[2, 8] if village == county.v_a2 and i == 0 else [])
        county.homes[village.code] = home
    HouseholdFactory(village=county.v_a, code="EMPTY1")
    return county


@pytest.mark.django_db
def test_compute_limits_prints_counts_per_status(county):
    code, result = run_json("compute_limits", county.campaign.code)
    assert code == 0 and result["ok"]
    assert result["counts"] == {"granted": 2, "withheld": 1, "ineligible": 0, "incomplete": 1}
    assert result["villages"] == 3 and result["written"] == 4
    code, again = run_json("compute_limits", county.campaign.code)
    assert code == 0 and again["written"] == 0 and again["counts"] == result["counts"]  # L7


@pytest.mark.django_db
def test_compute_limits_for_one_village(county):
    code, result = run_json("compute_limits", county.campaign.code, "--village", county.v_a2.code)
    assert code == 0 and result["counts"] == {"granted": 0, "withheld": 1, "ineligible": 0, "incomplete": 0}
    with scopes_disabled():
        assert list(LimitResult.objects.values_list("household__village__code", "reasons")) == [
            (county.v_a2.code, {"2": 1, "8": 1})]


@pytest.mark.django_db
def test_compute_limits_as_a_user_stays_in_their_branch(county):
    officer = county.tina  # 东岭村 and 南坡村
    code, result = run_json("compute_limits", county.campaign.code, "--user", officer.username)
    assert code == 0 and result["villages"] == 2
    with scopes_disabled():
        assert county.v_b.pk not in set(LimitResult.objects.values_list("household__village_id", flat=True))
    code, result = run_json("compute_limits", county.campaign.code, "--village", county.v_b.code,
                            "--user", officer.username)
    assert code == 2 and not result["ok"]
    with scopes_disabled():
        assert not LimitResult.objects.filter(household__village=county.v_b).exists()


@pytest.mark.django_db
def test_compute_limits_unknown_campaign_is_a_usage_error(county):
    code, result = run_json("compute_limits", "NOPE")
    assert code == 2 and not result["ok"]


def read(path):
    sheet = load_workbook(path).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.django_db
def test_export_limits_columns_words_and_no_respondent_names(county, tmp_path):
    assert run_json("compute_limits", county.campaign.code)[0] == 0
    out = tmp_path / "limits.xlsx"
    code, result = run_json("export_limits", county.campaign.code, "--out", str(out))
    assert code == 0 and result["rows"] == 4
    rows = read(out)
    assert rows[0] == HEADER == ["户号代码", "授信代表人", "身份证号码", "有效问卷数", "拟授信额度(元)", "状态", "原因"]
    by_code = {r[0]: r for r in rows[1:]}
    with scopes_disabled():
        granted = county.homes[county.v_a.code]
        representative = granted.representative
    row = by_code[granted.code]
    assert row[1] == representative.name and row[2] == representative.id_number  # the system may edit everything
    assert row[3] == 6 and row[4] == 67000 and row[5] == "拟授信"
    assert "超过支行审批权限" not in row[6]
    withheld = by_code[county.homes[county.v_a2.code].code]
    assert withheld[4] is None and withheld[5] == "待授信" and withheld[6] == "欠债较多（1人）；信用观念差（1人）"
    assert by_code["EMPTY1"][5] == "资料不全" and by_code["EMPTY1"][3] == 0
    text = json.dumps(rows, ensure_ascii=False, default=str)
    assert "秘密评议人" not in text  # S1: respondents' names never leave the survey team
    sheet = load_workbook(out).worksheets[0]
    assert sheet.cell(row=2, column=3).data_type == "s"  # ID numbers are text


@pytest.mark.django_db
def test_export_masks_ids_for_readers_and_keeps_to_the_scope(county, tmp_path):
    assert run_json("compute_limits", county.campaign.code)[0] == 0
    president = county.pat   # reads branch A, edits nothing
    out = tmp_path / "limits.xlsx"
    code, result = run_json("export_limits", county.campaign.code, "--out", str(out), "--user", president.username)
    assert code == 0 and result["rows"] == 3
    rows = read(out)[1:]
    with scopes_disabled():
        b_home = county.homes[county.v_b.code]
        a_home = county.homes[county.v_a.code]
        a_id = a_home.representative.id_number
    assert b_home.code not in {r[0] for r in rows}
    row = next(r for r in rows if r[0] == a_home.code)
    assert row[2] == mask_id(a_id) and row[2] != a_id


@pytest.mark.django_db
def test_export_flags_and_warnings_are_readable(county, tmp_path):
    with scopes_disabled():
        county.branch_a.approval_authority = 10000
        county.branch_a.save()
        from surveys.models import Questionnaire
        Questionnaire.objects.update(net_income=20000)
    run_json("compute_limits", county.campaign.code)
    out = tmp_path / "limits.xlsx"
    run_json("export_limits", county.campaign.code, "--out", str(out))
    row = next(r for r in read(out)[1:] if r[5] == "拟授信" and r[0] == county.homes[county.v_a.code].code)
    assert row[6] == "超过家庭净收入上限倍数（预警）；超过支行审批权限，须报上级审批"


@pytest.mark.django_db
def test_export_limits_escapes_each_formula_start_of_a_representatives_name(county, tmp_path):
    """R7: a representative's name beginning with `=`, `+`, `-` or `@` comes out escaped, as text."""
    names = ["=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)"]
    with scopes_disabled():
        homes = list(Household.objects.filter(head_office=county.branch_a.head_office).order_by("code"))
        assert len(homes) == len(names)
        for home, name in zip(homes, names, strict=True):
            Member.objects.filter(pk=home.representative_id).update(name=name)
        expected = {home.code: "'" + name for home, name in zip(homes, names, strict=True)}
    assert run_json("compute_limits", county.campaign.code)[0] == 0
    out = tmp_path / "limits.xlsx"
    assert run_json("export_limits", county.campaign.code, "--out", str(out))[0] == 0
    assert {row[0]: row[1] for row in read(out)[1:]} == expected
    sheet = load_workbook(out).worksheets[0]
    assert all(sheet.cell(row=r, column=2).data_type == "s" for r in range(2, 2 + len(names)))


@pytest.mark.django_db
def test_export_limits_usage_errors(county, tmp_path):
    assert run_json("export_limits", county.campaign.code, "--out", str(tmp_path / "x.csv"))[0] == 2
    assert run_json("export_limits", "NOPE", "--out", str(tmp_path / "x.xlsx"))[0] == 2
