"""C6 and C5, the pure rules (no database): the overdue-day floors of the 2023 regulation with their boundaries on
both sides, the manual grade never below the floor, the ageing buckets and the grace date."""

import datetime

import pytest
from django.conf import settings

from post_loan.models import Grade
from post_loan.rules import classification as rules
from post_loan.rules.repayment_rate import add_months, rate

D = datetime.date
FLOORS = settings.RISK_GRADE_FLOORS

BOUNDARIES = [(0, Grade.NORMAL), (1, Grade.SPECIAL), (90, Grade.SPECIAL), (91, Grade.SUBSTANDARD),
              (270, Grade.SUBSTANDARD), (271, Grade.DOUBTFUL), (360, Grade.DOUBTFUL), (361, Grade.LOSS),
              (5000, Grade.LOSS)]


@pytest.mark.parametrize(("days", "grade"), BOUNDARIES)
def test_floor_by_days_overdue_is_strictly_greater_than_the_key(days, grade):
    assert rules.floor_for(days, FLOORS) == grade


def test_floors_come_from_the_settings():
    assert rules.floor_for(31, {30: Grade.DOUBTFUL}) == Grade.DOUBTFUL
    assert rules.floor_for(30, {30: Grade.DOUBTFUL}) == Grade.NORMAL


def test_days_overdue_start_the_day_after_the_due_date():
    due = D(2027, 6, 30)
    assert rules.overdue_days(due_on=due, outstanding=1, today=due) == 0
    assert rules.overdue_days(due_on=due, outstanding=1, today=D(2027, 7, 1)) == 1
    assert rules.overdue_days(due_on=due, outstanding=0, today=D(2027, 7, 1)) == 0  # nothing owed: not overdue
    assert rules.overdue_days(due_on=due, outstanding=1, today=D(2028, 6, 30)) == 366


def test_a_manual_grade_never_goes_below_the_floor():
    assert rules.grade_for(Grade.SUBSTANDARD, Grade.NORMAL) == Grade.SUBSTANDARD
    assert rules.grade_for(Grade.SUBSTANDARD, Grade.DOUBTFUL) == Grade.DOUBTFUL
    assert rules.grade_for(Grade.SPECIAL, None) == Grade.SPECIAL


def test_floor_history_of_an_unpaid_loan():
    due = D(2027, 1, 31)
    assert rules.floor_history(due_on=due, today=due, floors=FLOORS) == []
    assert rules.floor_history(due_on=due, today=D(2027, 5, 2), floors=FLOORS) == [
        (D(2027, 2, 1), Grade.SPECIAL), (D(2027, 5, 2), Grade.SUBSTANDARD)]  # day 1 and day 91


@pytest.mark.parametrize(("days", "bucket"), [(0, "current"), (1, "1_30"), (30, "1_30"), (31, "31_90"),
                                              (90, "31_90"), (91, "91_180"), (180, "91_180"), (181, "181_360"),
                                              (360, "181_360"), (361, "over_360")])
def test_ageing_buckets(days, bucket):
    assert rules.bucket_for(days) == bucket


def test_three_months_grace_ends_on_the_month_end_when_the_day_does_not_exist():
    assert add_months(D(2027, 1, 15), 3) == D(2027, 4, 15)
    assert add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)
    assert add_months(D(2027, 11, 30), 3) == D(2028, 2, 29)
    assert add_months(D(2027, 10, 31), 3) == D(2028, 1, 31)


def test_rate_is_a_percentage_and_none_without_anything_due():
    assert str(rate(994, 1000)) == "99.40"
    assert str(rate(2, 3)) == "66.67"
    assert rate(0, 0) is None
