"""H6 roster import: validation by row and column, all or nothing, idempotent, scoped (R1), recorded (R4)."""


import pytest
from django.utils import translation
from django.utils.translation import gettext
from django_scopes import scopes_disabled

from households.imports import roster_apply, roster_validate
from households.models import Household, Member, RosterImport
from sunshine_credit.lib.excel import open_upload
from sunshine_credit.models import BlacklistEntry, Village, VillageGroup
from sunshine_credit.scoping import scope_for_user
from tests.commands import run_json
from tests.factories import HouseholdFactory, VillageFactory, make_id_number
from tests.households.roster_files import roster_bytes, roster_row

pytestmark = pytest.mark.django_db


def households_rows(village, n_households=30, members=2):
    """n households of `members` members each: the head then spouses/children."""
    rows = []
    seq = 0
    for h in range(1, n_households + 1):
        for m in range(members):
            seq += 1
            rows.append(roster_row(village.branch.code, village.code, f"{village.code}-{h:05d}", f"村民{seq}",
                                   make_id_number(sequence=seq), "户主" if m == 0 else "配偶", group=f"{h % 3 + 1}组"))
    return rows


def counts():
    with scopes_disabled():
        return Household.objects.count(), Member.objects.count()


def apply(rows, officer):
    """Import `rows` as `officer` (a user or a staff profile)."""
    user = getattr(officer, "user", officer)
    return roster_apply(open_upload(roster_bytes(rows)).rows, scope=scope_for_user(user), actor=user)


def test_valid_roster_creates_households_members_groups_and_representatives(county):
    plan, summary = apply(households_rows(county.v_a, 10, 3), county.tina)
    assert plan.ok and summary["households_created"] == 10 and summary["members_created"] == 30
    with scopes_disabled():
        household = Household.objects.get(code=f"{county.v_a.code}-00001")
        head = household.members.get(relation="户主")
        assert household.representative_id == head.id
        assert household.group.name == "2组" and household.publicity_consent is True
        assert str(household.land_area) == "2.50" and household.phone == "13800001111"
        assert head.sex == "M" and head.birth_date.year == 1980
        assert VillageGroup.objects.filter(village=county.v_a).count() == 3


def test_row_57_wrong_check_digit_names_row_column_reason_and_writes_nothing(county):
    rows = households_rows(county.v_a, 40, 2)
    good = rows[55][6]
    rows[55][6] = good[:17] + ("0" if good[17] != "0" else "1")  # sheet row 57 (row 1 is the header)
    plan, summary = apply(rows, county.tina)
    assert summary == {} and counts() == (0, 0)
    assert [(e["row"], e["column"]) for e in plan.errors] == [(57, "身份证号码")]
    assert "check digit" in plan.errors[0]["message"] or "校验码" in plan.errors[0]["message"]
    rows[55][6] = good
    plan, summary = apply(rows, county.tina)
    assert plan.ok and counts() == (40, 80)


def test_reimporting_the_same_file_changes_nothing(county):
    rows = households_rows(county.v_a, 8, 2)
    apply(rows, county.tina)
    with scopes_disabled():
        before = list(Household.objects.values_list("id", "version", "updated_at").order_by("id"))
    plan, summary = apply(rows, county.tina)
    assert plan.ok and not any(summary.values())
    with scopes_disabled():
        assert list(Household.objects.values_list("id", "version", "updated_at").order_by("id")) == before


def test_changed_row_updates_only_that_household_and_bumps_its_version(county):
    rows = households_rows(county.v_a, 5, 2)
    apply(rows, county.tina)
    rows[0][9] = "13900002222"  # the first head's phone
    rows[1][5] = "改名"          # the first spouse's name
    _, summary = apply(rows, county.tina)
    # The head's phone is both the household's and the head member's; plus the spouse's new name.
    assert summary["households_updated"] == 1 and summary["members_updated"] == 2
    with scopes_disabled():
        household = Household.objects.get(code=f"{county.v_a.code}-00001")
        assert household.phone == "13900002222" and household.version == 2
        assert Household.objects.get(code=f"{county.v_a.code}-00002").version == 1


@pytest.mark.parametrize("mutate, row, column, words", [
    # The duplicate names the row it repeats (第3行), in the message the user sees.
    (lambda rows: rows[3].__setitem__(6, rows[1][6]), 5, "身份证号码",
     lambda: gettext("This ID number already appears in row %(row)d.") % {"row": 3}),
    (lambda rows: rows[0].__setitem__(7, "配偶"), 2, "与户主关系", "户主"),
    (lambda rows: rows[1].__setitem__(7, "户主"), 2, "与户主关系", "户主"),
    (lambda rows: rows[1].__setitem__(7, "表哥"), 3, "与户主关系", "表哥"),
    (lambda rows: rows[0].__setitem__(5, ""), 2, "姓名", ""),
    (lambda rows: rows[0].__setitem__(9, "call me"), 2, "联系电话", ""),
    (lambda rows: rows[0].__setitem__(10, "很多"), 2, "承包土地亩数", ""),
    (lambda rows: rows[0].__setitem__(11, "也许"), 2, "公示同意", ""),
    (lambda rows: rows[2].__setitem__(6, "11010519490231002X"), 4, "身份证号码", "19490231"),
    (lambda rows: rows[1].__setitem__(1, "BR01V99"), 3, "村编码", "{v_a}"),  # {v_a}: 东岭村's code
])
def test_each_bad_cell_is_reported_with_row_and_column(county, mutate, row, column, words):
    rows = households_rows(county.v_a, 3, 2)
    mutate(rows)
    plan = roster_validate(open_upload(roster_bytes(rows)).rows, scope=scope_for_user(county.tina))
    assert (row, column) in [(e["row"], e["column"]) for e in plan.errors], plan.errors
    if callable(words):   # a translated message, built in the interface language
        with translation.override("zh-hans"):
            words = words()
    else:
        words = words.format(v_a=county.v_a.code)
    assert any(words in e["message"] for e in plan.errors if e["row"] == row), plan.errors
    assert counts() == (0, 0)


def test_legacy_15_digit_and_lower_case_x_are_stored_as_18_upper_case(county):
    branch, village = county.branch_a.code, county.v_a.code
    rows = [roster_row(branch, village, "H1", "老张", "110105491231002"),
            roster_row(branch, village, "H2", "老李", "11010519491231002x".replace("1949", "1949"))]
    rows[1][6] = "44052418800101001" + "4"  # GB 11643's second example
    rows.append(roster_row(branch, village, "H3", "老王", "11010519491231002x"))
    rows[0][6] = "110105491231002"
    scope = scope_for_user(county.tina)
    # 110105491231002 converts to 11010519491231002X, which row 4 also names (in lower case).
    plan = roster_validate(open_upload(roster_bytes(rows)).rows, scope=scope)
    assert [(e["row"], e["column"]) for e in plan.errors] == [(4, "身份证号码")]
    assert plan.households["H1"].members[0].id_number == "11010519491231002X"
    plan = roster_validate(open_upload(roster_bytes(rows[2:])).rows, scope=scope)
    assert plan.ok and plan.households["H3"].members[0].id_number == "11010519491231002X"


def test_id_number_already_in_another_household_is_refused(county):
    existing = HouseholdFactory(village=county.v_a)
    with scopes_disabled():
        taken = existing.members.get().id_number
    rows = [roster_row(county.branch_a.code, county.v_a.code, "NEW-1", "新户主", taken)]
    plan, _ = apply(rows, county.tina)
    assert [(e["row"], e["column"]) for e in plan.errors] == [(2, "身份证号码")]
    assert existing.code in plan.errors[0]["message"]


def test_household_code_in_another_village_is_refused(county):
    branch, second = county.branch_a.code, county.v_a2  # tina's too
    apply([roster_row(branch, county.v_a.code, "H-1", "甲", make_id_number(sequence=1))], county.tina)
    plan, _ = apply([roster_row(branch, second.code, "H-1", "甲", make_id_number(sequence=1))], county.tina)
    assert plan.errors and plan.errors[0]["column"] == "村编码"


def test_officer_cannot_import_into_another_branch_or_unassigned_village(county):
    unassigned = VillageFactory(branch=county.branch_a, code=f"{county.branch_a.code}V03")
    rows = [roster_row(county.branch_b.code, county.v_b.code, "B-1", "乙", make_id_number(sequence=1)),
            roster_row(county.branch_a.code, unassigned.code, "C-1", "丙", make_id_number(sequence=2)),
            roster_row("NOPE", "NOPE01", "D-1", "丁", make_id_number(sequence=3))]
    plan, summary = apply(rows, county.tina)
    assert summary == {} and counts() == (0, 0)
    messages = {e["row"]: e["message"] for e in plan.errors}
    assert set(messages) == {2, 3, 4}
    # A branch that exists elsewhere and one that does not exist read the same (no existence leak).
    assert messages[2].replace(county.branch_b.code, "X") == messages[4].replace("NOPE", "X")


def test_new_village_is_created_under_the_branch_and_assigned_to_the_importing_officer(county):
    new_code = f"{county.branch_a.code}V09"
    rows = [roster_row(county.branch_a.code, new_code, "N-1", "新村民", make_id_number(sequence=9), village_name="新村")]
    plan, summary = apply(rows, county.tina)
    assert plan.ok and summary["villages_created"] == 1
    created = Village.objects.get(code=new_code)
    assert created.branch == county.branch_a and county.tina in created.officers.all()


def test_supervisor_scope_may_not_create_villages(county):
    supervisor = county.sue
    rows = [roster_row(county.branch_a.code, f"{county.branch_a.code}V09", "N-1", "新村民", make_id_number(sequence=9),
                       village_name="新村")]
    plan = roster_validate(open_upload(roster_bytes(rows)).rows, scope=scope_for_user(supervisor))
    assert plan.errors and plan.errors[0]["column"] == "村编码"


def test_blacklisted_id_numbers_are_reported(county):
    rows = households_rows(county.v_a, 2, 2)
    BlacklistEntry.objects.create(head_office=county.head_office, id_number=rows[3][6], reason="恶意逃债")
    plan = roster_validate(open_upload(roster_bytes(rows)).rows, scope=scope_for_user(county.tina))
    assert plan.ok
    assert plan.blacklist_hits == [{"row": 5, "name": rows[3][5], "id_masked": rows[3][6][:6] + "********"
                                    + rows[3][6][-4:], "reason": "恶意逃债"}]


def test_missing_header_column_is_reported_on_row_1(county):
    from tests.households.roster_files import HEADER
    plan = roster_validate(open_upload(roster_bytes([], header=HEADER[:-1])).rows, scope=scope_for_user(county.tina))
    assert plan.errors[0]["row"] == 1 and "公示同意" in plan.errors[0]["message"]


# --- the batch interface (SPEC §11) ---

def run_command(*args):
    return run_json("import_roster", *args)  # exactly one JSON object, nothing else


def test_command_dry_run_writes_nothing_and_import_is_recorded(county, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(roster_bytes(households_rows(county.v_a, 4, 2)))
    code, result = run_command(str(path), "--dry-run", "--user", county.tina.username)
    assert code == 0 and result["ok"] and result["status"] == "valid" and counts() == (0, 0)
    code, result = run_command(str(path), "--user", county.tina.username)
    assert code == 0 and result["summary"]["households_created"] == 4 and counts() == (4, 8)
    record = RosterImport.objects.get(pk=result["import_id"])
    assert record.created_by == county.tina and len(record.sha256) == 64 and record.status == "applied"
    assert record.summary["members_created"] == 8


def test_command_refusal_exits_1_with_one_json_object(county, tmp_path):
    rows = households_rows(county.v_a, 2, 2)
    rows[2][6] = "123"
    path = tmp_path / "bad.xlsx"
    path.write_bytes(roster_bytes(rows))
    code, result = run_command(str(path), "--user", county.tina.username)
    assert code == 1 and result["ok"] is False
    assert result["errors"][0]["row"] == 4 and counts() == (0, 0)


def test_command_refuses_a_file_that_is_not_xlsx(county, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_text("户号代码,姓名\n")
    code, result = run_command(str(path), "--user", county.tina.username)
    assert code == 1 and ".xlsx" in result["message"]


def test_command_usage_error_exits_2(county, tmp_path):
    code, result = run_command(str(tmp_path / "missing.xlsx"), "--user", county.tina.username)
    assert code == 2 and result["ok"] is False
