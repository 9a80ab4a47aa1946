"""S2 questionnaire import (§11 survey template): every row checked by row and column, all or nothing,
one questionnaire per respondent and household, idempotent re-import, scoped (R1), recorded (R4)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import gettext
from django_scopes import scopes_disabled

from households.imports import roster_apply
from households.models import ArchiveStatus, Household, Member
from sunshine_credit.lib.excel import open_upload
from sunshine_credit.lib.money import parse_amount
from sunshine_credit.models import Role
from sunshine_credit.scoping import scope_for_user
from surveys.imports import COLUMNS, parse_codes, survey_apply, survey_validate
from surveys.models import Questionnaire, Respondent, SurveyImport
from tests.commands import SAMPLES, run_json
from tests.factories import StaffFactory, make_id_number
from tests.households.roster_files import roster_bytes, roster_row
from tests.surveys.factories import CampaignFactory, RespondentFactory
from tests.workbooks import workbook_bytes

pytestmark = pytest.mark.django_db
HEADER = list(COLUMNS.values())
COL = {i: title for i, title in enumerate(HEADER)}


def survey_row(household, respondent, *, business="1,7", away="否", assets=300000, liabilities=50000, income=80000,
               rep="", amount=80000, reasons=""):
    return [household, respondent, business, away, assets, liabilities, income, rep, amount, reasons]


def survey_bytes(rows, header=HEADER) -> bytes:
    return workbook_bytes(header, rows)


def load_roster(village, officer, n_households, *, first_seq):
    """n households of 2 members (head then spouse), codes `<village>-00001`…, IDs unique per sequence.
    `officer`: a user or a staff profile."""
    user = getattr(officer, "user", officer)
    rows = []
    for h in range(1, n_households + 1):
        for m in range(2):
            seq = first_seq + (h - 1) * 2 + m
            rows.append(roster_row(village.branch.code, village.code, f"{village.code}-{h:05d}", f"村民{seq}",
                                   make_id_number(datetime.date(1980, 1, 1) + datetime.timedelta(days=seq // 400),
                                                  sequence=seq % 400),
                                   "户主" if m == 0 else "配偶"))
    plan, _ = roster_apply(open_upload(roster_bytes(rows)).rows, scope=scope_for_user(user), actor=user)
    assert plan.ok, plan.errors[:3]
    archive_all(village_id=village.pk)


def archive_all(**filters):
    """The officer archives (建档) the imported households: only archived households are surveyed (issue 15)."""
    with scopes_disabled():
        Household.objects.filter(**filters).update(archive_status=ArchiveStatus.ARCHIVED)


def ids_of(code):
    """(head ID, spouse ID) of a household."""
    with scopes_disabled():
        members = list(Member.objects.filter(household__code=code).order_by("id").values_list("id_number", flat=True))
    return members[0], members[1]


@pytest.fixture
def rosters(county, unscoped):
    """Rosters imported: four households of two in 东岭村 by tina, two in 西河村 by bob (see `home`)."""
    load_roster(county.v_a, county.tina, 4, first_seq=0)
    load_roster(county.v_b, county.bob, 2, first_seq=100)
    return county


with_rosters = pytest.mark.usefixtures("rosters")


def home(village, n=1) -> str:
    """The code `load_roster` gives the village's n-th household."""
    return f"{village.code}-{n:05d}"


def six_rows(code, *, village=None, **kwargs):
    """Six respondents' rows for household `code`, respondents `<village code>-R01`…"""
    village = village or code.rsplit("-", 1)[0]
    head, _ = ids_of(code)
    return [survey_row(code, f"{village}-R{r:02d}", rep=head, amount=80000 + r * 1000, **kwargs) for r in range(1, 7)]


def validate(rows, staff, campaign):
    """`staff`: a user or a staff profile (as for `apply`)."""
    user = getattr(staff, "user", staff)
    return survey_validate(open_upload(survey_bytes(rows)).rows, scope=scope_for_user(user), campaign=campaign)


def apply(rows, staff, campaign):
    user = getattr(staff, "user", staff)
    return survey_apply(open_upload(survey_bytes(rows)).rows, scope=scope_for_user(user), campaign=campaign,
                        actor=user)


def questionnaires():
    with scopes_disabled():
        return Questionnaire.objects.count()


@with_rosters
def test_valid_file_writes_questionnaires_with_surveyor_date_and_new_pool_entries(county):
    rows = six_rows(home(county.v_a)) + six_rows(home(county.v_a, 2))
    rows[0][9] = "2,8"
    rows[0][8] = ""
    plan, summary = apply(rows, county.tina, county.campaign)
    assert plan.ok and summary == {"questionnaires_created": 12, "questionnaires_unchanged": 0,
                                   "respondents_created": 6}
    with scopes_disabled():
        q = Questionnaire.objects.get(household__code=home(county.v_a), respondent__code=f"{county.v_a.code}-R02")
        head = Household.objects.get(code=home(county.v_a)).representative
        assert q.surveyor == county.tina and q.surveyed_on == timezone.localdate()
        assert q.business_codes == [1, 7] and q.members_away is False and q.representative == head
        assert q.amount == Decimal("82000.00") and q.total_assets == Decimal(300000) and q.net_assets == 250000
        withheld = Questionnaire.objects.get(household__code=home(county.v_a),
                                             respondent__code=f"{county.v_a.code}-R01")
        assert withheld.amount is None and withheld.withhold_reasons == [2, 8]
        pool = Respondent.objects.filter(village=county.v_a)
        assert pool.count() == 6 and set(pool.values_list("name", flat=True)) == {""}
    assert plan.villages == [{"branch": county.branch_a.code, "code": county.v_a.code, "name": county.v_a.name,
                              "rows": 12, "households": 2, "respondents": 6, "unchanged": 0, "new_respondent_count": 6,
                              "new_respondents": [f"{county.v_a.code}-R{r:02d}" for r in range(1, 7)]}]


@with_rosters
def test_known_codes_are_reused_and_codes_are_unique_per_village_only(county):
    with scopes_disabled():
        known = RespondentFactory(village=county.v_a, code="R01", name="老支书")
        RespondentFactory(village=county.v_b, code="R02", name="别村的人")
    head, _ = ids_of(home(county.v_a))
    rows = [survey_row(home(county.v_a), "R01", rep=head), survey_row(home(county.v_a), "R02", rep=head)]
    plan, summary = apply(rows, county.tina, county.campaign)
    assert plan.ok and summary["respondents_created"] == 1
    with scopes_disabled():
        assert Questionnaire.objects.get(respondent__code="R01").respondent == known
        assert Respondent.objects.filter(code="R02").count() == 2  # one per village
        assert Respondent.objects.get(village=county.v_a, code="R02").name == ""


@pytest.mark.parametrize("index, value, column, words", [
    (2, "1,17", 2, "17"),
    (2, "种植", 2, "种植"),
    (9, "10", 9, "10"),
    (3, "也许", 3, ""),
    (4, -5, 4, ""),
    (5, "很多", 5, ""),
    (6, "-1万", 6, ""),
    (8, "8.3k", 8, ""),
    (0, "", 0, ""),
    (1, "", 1, ""),
    (0, "BR01V01-99999", 0, "BR01V01-99999"),
    (7, "420302198001010000", 7, ""),
    (7, 420302198001010000, 7, ""),
    (7, "1234", 7, "18"),
])
@with_rosters
def test_each_bad_cell_is_reported_with_row_and_column(county, index, value, column, words):
    rows = six_rows(home(county.v_a)) + six_rows(home(county.v_a, 2))
    rows[8][index] = value  # sheet row 10
    plan = validate(rows, county.tina, county.campaign)
    assert [(e["row"], e["column"]) for e in plan.errors] == [(10, COL[column])], plan.errors
    assert words in plan.errors[0]["message"]
    plan, summary = apply(rows, county.tina, county.campaign)
    assert summary == {} and questionnaires() == 0


@with_rosters
def test_a_row_needs_an_amount_or_withhold_reasons(county):
    rows = six_rows(home(county.v_a))
    rows[2][8] = ""
    plan = validate(rows, county.tina, county.campaign)
    assert [(e["row"], e["column"]) for e in plan.errors] == [(4, "可授信额度(元)")]
    assert "待授信原因代码" in plan.errors[0]["message"]
    rows[2][9] = "7"
    assert validate(rows, county.tina, county.campaign).ok


@with_rosters
def test_every_bad_row_is_reported_not_only_the_first(county):
    rows = six_rows(home(county.v_a))
    rows[0][2] = "99"
    rows[3][4] = "x"
    rows[5][3] = "maybe"
    plan = validate(rows, county.tina, county.campaign)
    assert [(e["row"], e["column"]) for e in plan.errors] == [(2, "经营项目代码"), (5, "家庭总资产(元)"), (7, "成员务工")]


def test_amounts_accept_wan_and_yuan_text():
    assert parse_amount("3万") == Decimal("30000.00")
    assert parse_amount("3.5万元") == Decimal("35000.00")
    assert parse_amount("30,000元") == Decimal("30000.00")
    assert parse_amount(83500.0) == Decimal("83500.00")
    assert parse_amount("") is None and parse_amount(None) is None
    assert parse_codes("1，7、3", range(1, 17)) == (1, 3, 7) and parse_codes(2.0, range(1, 10)) == (2,)


@with_rosters
def test_wan_amounts_are_stored_in_yuan(county):
    rows = six_rows(home(county.v_a))
    rows[0][8] = "8.3万"
    rows[0][4] = "30万元"
    plan, _ = apply(rows, county.tina, county.campaign)
    with scopes_disabled():
        q = Questionnaire.objects.get(respondent__code=f"{county.v_a.code}-R01")
    assert plan.ok and q.amount == Decimal(83000) and q.total_assets == Decimal(300000)


@with_rosters
def test_a_second_row_for_the_same_pair_in_the_file_is_an_error(county):
    rows = six_rows(home(county.v_a))
    rows.append(list(rows[1]))  # sheet row 8 repeats row 3
    plan, summary = apply(rows, county.tina, county.campaign)
    assert summary == {} and questionnaires() == 0
    assert [(e["row"], e["column"]) for e in plan.errors] == [(8, "调查对象编号")]
    assert "3" in plan.errors[0]["message"] and f"{county.v_a.code}-R02" in plan.errors[0]["message"]


@with_rosters
def test_reimporting_the_same_file_changes_nothing_and_says_so(county):
    rows = six_rows(home(county.v_a)) + six_rows(home(county.v_a, 2))
    apply(rows, county.tina, county.campaign)
    with scopes_disabled():
        before = list(Questionnaire.objects.values_list("id", "updated_at", "version").order_by("id"))
        pool = Respondent.objects.count()
    plan, summary = apply(rows, county.tina, county.campaign)
    assert plan.ok and summary == {"questionnaires_created": 0, "questionnaires_unchanged": 12,
                                   "respondents_created": 0}
    assert plan.villages[0]["unchanged"] == 12
    with scopes_disabled():
        assert list(Questionnaire.objects.values_list("id", "updated_at", "version").order_by("id")) == before
        assert Respondent.objects.count() == pool


@with_rosters
def test_a_pair_with_a_different_stored_questionnaire_is_refused_not_overwritten(county):
    rows = six_rows(home(county.v_a))
    apply(rows, county.tina, county.campaign)
    rows[4][8] = 99000  # sheet row 6
    rows.extend(six_rows(home(county.v_a, 2)))  # new households are not written either
    plan, summary = apply(rows, county.tina, county.campaign)
    assert summary == {} and questionnaires() == 6
    assert [(e["row"], e["column"]) for e in plan.errors] == [(6, "调查对象编号")]
    with scopes_disabled():
        assert Questionnaire.objects.get(respondent__code=f"{county.v_a.code}-R05").amount == Decimal(85000)


@with_rosters
def test_the_same_pair_in_another_campaign_is_a_new_questionnaire(county):
    rows = six_rows(home(county.v_a))
    apply(rows, county.tina, county.campaign)
    with scopes_disabled():
        second = CampaignFactory(head_office=county.head_office, code="2026-2")
    plan, summary = apply(rows, county.tina, second)
    assert plan.ok and summary["questionnaires_created"] == 6 and questionnaires() == 12


@with_rosters
def test_representative_must_be_a_member_of_the_household(county):
    rows = six_rows(home(county.v_a))
    head_of_2, spouse_of_1 = ids_of(home(county.v_a, 2))[0], ids_of(home(county.v_a))[1]
    rows[1][7] = head_of_2
    rows[2][7] = spouse_of_1  # the spouse may be the representative
    rows[3][7] = ""           # blank: the household's representative (H1)
    plan = validate(rows, county.tina, county.campaign)
    assert [(e["row"], e["column"]) for e in plan.errors] == [(3, "授信代表人身份证号码")]
    assert home(county.v_a) in plan.errors[0]["message"]
    rows[1][7] = " " + ids_of(home(county.v_a))[0].lower() + " "  # normalised like the roster
    plan, _ = apply(rows, county.tina, county.campaign)
    assert plan.ok
    with scopes_disabled():
        household = Household.objects.get(code=home(county.v_a))
        reps = dict(Questionnaire.objects.values_list("respondent__code", "representative__id_number"))
        assert reps[f"{county.v_a.code}-R03"] == spouse_of_1
        representative_id = Questionnaire.objects.get(respondent__code=f"{county.v_a.code}-R04").representative_id
        assert representative_id == household.representative_id


@with_rosters
def test_household_outside_the_scope_reads_like_a_missing_one_and_nothing_is_written(county):
    b_respondent = f"{county.v_b.code}-R01"
    rows = six_rows(home(county.v_a)) + [survey_row(home(county.v_b), b_respondent, rep=ids_of(home(county.v_b))[0]),
                                         survey_row(home(county.v_b, 99999), b_respondent)]
    plan, summary = apply(rows, county.tina, county.campaign)
    assert summary == {} and questionnaires() == 0
    assert [(e["row"], e["column"]) for e in plan.errors] == [(8, "户号代码"), (9, "户号代码")]
    message = gettext("Household %(code)s does not exist or is outside your scope.")
    assert plan.errors[0]["message"] == message % {"code": home(county.v_b)}
    assert plan.errors[1]["message"] == message % {"code": home(county.v_b, 99999)}
    with scopes_disabled():
        assert not Respondent.objects.exists()
    # Bob, whose village it is, may import it.
    plan, summary = apply(rows[6:7], county.bob, county.campaign)
    assert plan.ok and summary["questionnaires_created"] == 1


@with_rosters
def test_read_only_roles_may_not_write_even_in_their_scope(county):
    plan = validate(six_rows(home(county.v_a)), county.pat, county.campaign)
    assert {e["column"] for e in plan.errors} == {"户号代码"}


@with_rosters
def test_a_campaign_of_another_head_office_sees_none_of_our_households(county):
    with scopes_disabled():
        foreign = CampaignFactory(head_office__code="HQ2", code="X")
    plan = validate(six_rows(home(county.v_a)), county.tina, foreign)
    assert len(plan.errors) == 6 and {e["column"] for e in plan.errors} == {"户号代码"}


@with_rosters
def test_wrong_header_is_refused_in_row_1(county):
    header = list(HEADER)
    header[1] = "调查对象"
    plan = survey_validate(open_upload(survey_bytes(six_rows(home(county.v_a)), header)).rows,
                           scope=scope_for_user(county.tina), campaign=county.campaign)
    assert plan.errors[0]["row"] == 1 and "调查对象编号" in plan.errors[0]["message"]


def run_command(*args):
    return run_json("import_surveys", *args)  # exactly one JSON object, nothing else


@with_rosters
def test_command_dry_run_writes_nothing_then_import_is_recorded(county, tmp_path):
    path = tmp_path / "surveys.xlsx"
    path.write_bytes(survey_bytes(six_rows(home(county.v_a)) + six_rows(home(county.v_a, 2))))
    user = county.tina.username
    code, result = run_command(county.campaign.code, str(path), "--dry-run", "--user", user)
    assert code == 0 and result["ok"] and result["status"] == "valid" and questionnaires() == 0
    with scopes_disabled():
        assert not Respondent.objects.exists()
    code, result = run_command(county.campaign.code, str(path), "--user", user)
    assert code == 0 and result["summary"]["questionnaires_created"] == 12 and questionnaires() == 12
    record = SurveyImport.objects.get(pk=result["import_id"])
    assert record.created_by == county.tina and record.campaign == county.campaign and record.status == "applied"
    assert len(record.sha256) == 64 and record.applied_at is not None and record.summary["respondents_created"] == 6
    code, result = run_command(county.campaign.code, str(path), "--user", user)
    assert code == 0 and result["summary"]["questionnaires_created"] == 0
    assert result["summary"]["questionnaires_unchanged"] == 12 and questionnaires() == 12


@with_rosters
def test_command_reports_codes_never_names(county, tmp_path):
    with scopes_disabled():
        RespondentFactory(village=county.v_a, code=f"{county.v_a.code}-R01", name="保密的名字")
    path = tmp_path / "surveys.xlsx"
    path.write_bytes(survey_bytes(six_rows(home(county.v_a))))
    out = io.StringIO()
    call_command("import_surveys", county.campaign.code, str(path), "--json", "--user", county.tina.username,
                 stdout=out)
    assert "保密的名字" not in out.getvalue() and f"{county.v_a.code}-R02" in out.getvalue()


@with_rosters
def test_command_refusal_exits_1_with_one_json_object(county, tmp_path):
    rows = six_rows(home(county.v_a))
    rows[3][2] = "42"
    path = tmp_path / "bad.xlsx"
    path.write_bytes(survey_bytes(rows))
    code, result = run_command(county.campaign.code, str(path), "--user", county.tina.username)
    assert code == 1 and result["ok"] is False and questionnaires() == 0
    assert result["errors"] == [{"row": 5, "column": "经营项目代码", "message": result["errors"][0]["message"]}]
    assert SurveyImport.objects.get().status == "invalid"
    path.write_text("not a workbook")
    code, result = run_command(county.campaign.code, str(path), "--user", county.tina.username)
    assert code == 1 and ".xlsx" in result["message"]


@pytest.mark.parametrize("args", [
    ("CAMPAIGN", "missing.xlsx"),  # CAMPAIGN: the county's campaign
    ("NOPE", "surveys.xlsx"),
    ("CAMPAIGN", "surveys.xlsx", "--no-user"),
])
@with_rosters
def test_command_usage_errors_exit_2(county, tmp_path, args):
    (tmp_path / "surveys.xlsx").write_bytes(survey_bytes(six_rows(home(county.v_a))))
    args = [str(tmp_path / a) if a.endswith(".xlsx") else county.campaign.code if a == "CAMPAIGN" else a for a in args]
    user = [] if args[-1] == "--no-user" else ["--user", county.tina.username]
    args = [a for a in args if a != "--no-user"]
    code, result = run_command(*args, *user)
    assert code == 2 and result["ok"] is False and questionnaires() == 0


def test_the_sample_workbooks_org_roster_then_surveys_import_cleanly_and_idempotently():
    """../shared/samples: org.xlsx and roster.xlsx through their commands, then surveys.xlsx through ours."""

    from django.contrib.auth import get_user_model

    from sunshine_credit.models import HeadOffice

    samples = SAMPLES
    if not (samples / "surveys.xlsx").exists():
        pytest.skip("sample workbooks not available")
    call_command("import_org", str(samples / "org.xlsx"), "--json", stdout=io.StringIO())
    with scopes_disabled():
        office = HeadOffice.objects.get()
        admin = StaffFactory(role=Role.ADMIN, branch=None, head_office=office, user__username="it")
        CampaignFactory(head_office=office, code="2026-1")
    call_command("import_roster", str(samples / "roster.xlsx"), "--json", "--user", "it", stdout=io.StringIO())
    archive_all(head_office=office)
    code, result = run_command("2026-1", str(samples / "surveys.xlsx"), "--user", "it")
    assert code == 0, result["errors"][:5]
    assert result["summary"]["questionnaires_created"] == result["rows"] == 984 == questionnaires()
    code, again = run_command("2026-1", str(samples / "surveys.xlsx"), "--user", "it")
    assert code == 0 and again["summary"]["questionnaires_created"] == 0
    assert again["summary"]["questionnaires_unchanged"] == 984
    assert admin.user == get_user_model().objects.get(username="it")
