"""C6: the daily classification in SQL (classify_all) — the same boundaries as the Python rule, the manual grade
never below the floor, idempotence, loans leaving the book, the village snapshots — and the manual grade change
by maker-checker (R2)."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django_scopes import scopes_disabled

from credit_use.models import Drawdown
from post_loan.models import CollectionCase, Grade, GradeChange, InstalmentItem, InstalmentPlan, RiskGrade, RiskSnapshot
from post_loan.rules import classification as rules
from post_loan.services.classification import GradeChangeRefused, classify_all, grade_change_request
from sunshine_credit.approvals import ApprovalRefused, approval_decide
from sunshine_credit.models import Approval
from tests.post_loan.classification_world import TODAY, loan, overdue, repay

D = datetime.date
DAYS = [0, 1, 90, 91, 270, 271, 360, 361]


def grades() -> dict:
    with scopes_disabled():
        return {row.drawdown_id: row for row in RiskGrade.objects.all()}


def state() -> list:
    with scopes_disabled():
        return (list(RiskGrade.objects.order_by("drawdown_id").values_list(
                    "drawdown_id", "village_id", "as_of", "overdue_days", "floor", "manual", "grade", "changed_on"))
                + list(RiskSnapshot.objects.order_by("village_id", "on").values_list("village_id", "on", "figures")))


def test_sql_classification_has_the_rule_s_boundaries_on_both_sides(county):
    loans = {days: overdue(county, days) for days in DAYS}
    future = loan(county, due_on=TODAY + datetime.timedelta(days=10))
    classify_all(today=TODAY)
    rows = grades()
    for days, drawdown in loans.items():
        row = rows[drawdown.pk]
        assert row.overdue_days == days
        assert row.floor == rules.floor_for(days, settings.RISK_GRADE_FLOORS), days
        assert row.grade == row.floor and row.manual is None and row.as_of == TODAY and row.changed_on == TODAY
    assert [rows[loans[d].pk].floor for d in DAYS] == [1, 2, 2, 3, 3, 4, 4, 5]
    assert (rows[future.pk].overdue_days, rows[future.pk].floor) == (0, Grade.NORMAL)


def test_a_partly_repaid_loan_stays_overdue_and_a_repaid_one_leaves_the_book(county):
    part = overdue(county, 91, amount=10000, outstanding=2000)
    paid = overdue(county, 10)
    classify_all(today=TODAY)
    assert grades()[part.pk].floor == Grade.SUBSTANDARD
    repay(paid, 10000, TODAY, user=county.tom)
    counts = classify_all(today=TODAY)
    assert paid.pk not in grades() and counts["removed"] == 1


def test_three_runs_on_one_day_give_one_result(county):
    for days in DAYS:
        overdue(county, days)
    loan(county, due_on=TODAY - datetime.timedelta(days=5), village=county.v_b)
    first = classify_all(today=TODAY)
    after_one = state()
    second, third = classify_all(today=TODAY), classify_all(today=TODAY)
    assert state() == after_one
    assert first["written"] == len(DAYS) + 1 and second["written"] == third["written"] == 0
    assert first["loans"] == second["loans"] == third["loans"] == len(DAYS) + 1


def test_the_grade_date_moves_only_when_the_grade_changes(county):
    drawdown = overdue(county, 89)
    classify_all(today=TODAY)
    classify_all(today=TODAY + datetime.timedelta(days=1))  # 90 days: still 关注
    row = grades()[drawdown.pk]
    assert (row.grade, row.changed_on, row.as_of) == (Grade.SPECIAL, TODAY, TODAY + datetime.timedelta(days=1))
    classify_all(today=TODAY + datetime.timedelta(days=2))  # 91 days: 次级 from today
    row = grades()[drawdown.pk]
    assert (row.grade, row.changed_on) == (Grade.SUBSTANDARD, TODAY + datetime.timedelta(days=2))


def test_the_manual_grade_counts_but_never_below_the_floor(county):
    worse, better = overdue(county, 10), overdue(county, 100)
    classify_all(today=TODAY)
    with scopes_disabled():
        RiskGrade.objects.filter(drawdown=worse).update(manual=Grade.DOUBTFUL)
        RiskGrade.objects.filter(drawdown=better).update(manual=Grade.NORMAL)
    classify_all(today=TODAY + datetime.timedelta(days=1))
    rows = grades()
    assert rows[worse.pk].grade == Grade.DOUBTFUL and rows[worse.pk].floor == Grade.SPECIAL
    assert rows[better.pk].grade == Grade.SUBSTANDARD  # the floor of 101 days, not the manual 正常


def test_an_instalment_plan_does_not_reset_the_floor(county):
    drawdown = overdue(county, 120)
    with scopes_disabled():
        case = CollectionCase.objects.create(head_office=county.head_office, village=county.v_a, drawdown=drawdown,
                                             opened_on=drawdown.due_on + datetime.timedelta(days=1),
                                             status=CollectionCase.Status.INSTALMENTS,
                                             cause=CollectionCase.Cause.HARDSHIP, limitation_from=drawdown.due_on,
                                             limitation_ends_on=drawdown.due_on + datetime.timedelta(days=1095))
        plan = InstalmentPlan.objects.create(case=case, status=InstalmentPlan.Status.ACTIVE, created_by=county.tina)
        InstalmentItem.objects.create(plan=plan, due_on=TODAY + datetime.timedelta(days=30), amount=5000)
    classify_all(today=TODAY)
    assert grades()[drawdown.pk].floor == Grade.SUBSTANDARD and grades()[drawdown.pk].overdue_days == 120


def test_each_village_gets_its_day_s_snapshot(county):
    overdue(county, 0, amount=30000)
    overdue(county, 45, amount=20000)
    overdue(county, 100, amount=10000, outstanding=4000)
    overdue(county, 400, amount=5000, village=county.v_b)
    counts = classify_all(today=TODAY)
    with scopes_disabled():
        snaps = {s.village_id: s.figures for s in RiskSnapshot.objects.filter(on=TODAY)}
    assert counts["snapshots"] == 2 and set(snaps) == {county.v_a.pk, county.v_b.pk}
    a = snaps[county.v_a.pk]
    assert a["outstanding"] == "54000.00" and a["loans"] == 3
    assert a["grade"] == {"1": "30000.00", "2": "20000.00", "3": "4000.00", "4": "0.00", "5": "0.00"}
    assert a["ageing"]["current"] == "30000.00" and a["ageing"]["31_90"] == "20000.00"
    assert a["ageing"]["91_180"] == "4000.00" and a["par30"] == "24000.00" and a["par90"] == "4000.00"
    assert snaps[county.v_b.pk]["grade"]["5"] == "5000.00"
    assert counts["grades"] == {"1": 1, "2": 1, "3": 1, "4": 0, "5": 1}


# --- manual changes, maker-checker (R2) ---------------------------------------------------------------------

def request_change(county, drawdown, grade=Grade.DOUBTFUL, user=None, reason="借款人外出务工失联"):
    user = user or county.tina
    return grade_change_request(scope=county.scope(user), actor=user, drawdown_id=drawdown.pk, grade=grade,
                                reason=reason)


def decide(county, change, user, approve=True):
    return approval_decide(scope=county.scope(user), actor=user, approval_id=change.approval_id, approve=approve,
                           note="" if approve else "理由不足")


def test_a_grade_change_waits_for_the_president_and_applies_when_approved(county):
    drawdown = overdue(county, 10)
    classify_all(today=TODAY)
    change = request_change(county, drawdown)
    assert grades()[drawdown.pk].grade == Grade.SPECIAL  # nothing changes before the decision
    assert (change.grade_before, change.grade_proposed) == (Grade.SPECIAL, Grade.DOUBTFUL)
    decide(county, change, county.pat)
    row = grades()[drawdown.pk]
    assert (row.manual, row.grade) == (Grade.DOUBTFUL, Grade.DOUBTFUL)
    classify_all(today=TODAY + datetime.timedelta(days=1))
    assert grades()[drawdown.pk].grade == Grade.DOUBTFUL  # the daily job keeps it


def test_the_maker_never_decides_and_other_deciders_are_refused(county):
    drawdown = overdue(county, 10)
    classify_all(today=TODAY)
    change = request_change(county, drawdown, user=county.ada)  # an administrator proposes …
    with pytest.raises(PermissionDenied):
        decide(county, change, county.ada)  # … and may not decide (role), nor a supervisor, nor the officer
    with pytest.raises(PermissionDenied):
        decide(county, change, county.tina)
    with pytest.raises(Approval.DoesNotExist):
        decide(county, change, county.pete)  # the president of the other branch does not even see it
    with scopes_disabled():
        Approval.objects.filter(pk=change.approval_id).update(requested_by=county.pat)
    with pytest.raises(ApprovalRefused):
        decide(county, change, county.pat)  # a president who asked does not decide it either
    assert grades()[drawdown.pk].manual is None


def test_a_refused_change_leaves_the_grade(county):
    drawdown = overdue(county, 10)
    classify_all(today=TODAY)
    decide(county, request_change(county, drawdown), county.pat, approve=False)
    assert grades()[drawdown.pk].manual is None and grades()[drawdown.pk].grade == Grade.SPECIAL


def test_a_change_below_the_floor_is_refused_when_asked_and_when_decided(county):
    drawdown = overdue(county, 100)
    classify_all(today=TODAY)
    with pytest.raises(GradeChangeRefused):
        request_change(county, drawdown, grade=Grade.SPECIAL)  # floor 次级
    change = request_change(county, drawdown, grade=Grade.DOUBTFUL)
    with scopes_disabled():
        RiskGrade.objects.filter(drawdown=drawdown).update(floor=Grade.LOSS, grade=Grade.LOSS)  # 361 days meanwhile
    with pytest.raises(ApprovalRefused):
        decide(county, change, county.pat)
    assert grades()[drawdown.pk].manual is None


def test_upgrade_to_the_floor_after_a_downgrade(county):
    drawdown = overdue(county, 10)
    classify_all(today=TODAY)
    decide(county, request_change(county, drawdown, grade=Grade.LOSS), county.pat)
    decide(county, request_change(county, drawdown, grade=Grade.SPECIAL, reason="已联系上，承诺还款"), county.pat)
    assert grades()[drawdown.pk].grade == Grade.SPECIAL
    with scopes_disabled():
        assert GradeChange.objects.filter(drawdown=drawdown).count() == 2


def test_requests_are_refused_outside_the_scope_for_non_makers_and_twice(county):
    mine, theirs = overdue(county, 10), overdue(county, 10, village=county.v_b)
    with pytest.raises(Http404):
        request_change(county, theirs)  # R1: bob's village
    for user in (county.pat, county.sue, county.tom):
        with pytest.raises(PermissionDenied):
            request_change(county, mine, user=user)
    with pytest.raises(GradeChangeRefused):
        request_change(county, mine, reason="  ")
    with pytest.raises(GradeChangeRefused):
        request_change(county, mine, grade=Grade.NORMAL)  # the grade it has (not classified yet: its floor today)
    request_change(county, mine)
    with pytest.raises(ApprovalRefused):
        request_change(county, mine, grade=Grade.LOSS)  # one change of a loan waits at a time
    repaid = loan(county, due_on=TODAY, status=Drawdown.Status.REPAID)
    with pytest.raises(Http404):
        request_change(county, repaid)
    with scopes_disabled():
        assert GradeChange.objects.count() == 1


def test_approving_a_change_for_a_loan_not_yet_classified_creates_its_row(county):
    drawdown = overdue(county, 0, amount=Decimal(8000))
    decide(county, request_change(county, drawdown, grade=Grade.SPECIAL), county.pat)
    row = grades()[drawdown.pk]
    assert (row.floor, row.manual, row.grade) == (Grade.NORMAL, Grade.SPECIAL, Grade.SPECIAL)
