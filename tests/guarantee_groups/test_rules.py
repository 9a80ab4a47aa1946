"""G1–G3 as pure functions: no database (pytest-django fails a test here that touches it)."""

from decimal import Decimal

import pytest
from django.utils.translation import gettext

from guarantee_groups.rules import RuleViolation, check_group, group_rule_breaks, group_rule_problems

V = 7  # the group's village


def members(*amounts, village=V):
    return [(i + 1, village, None if a is None else Decimal(a)) for i, a in enumerate(amounts)]


def breaks(ms, leader=1):
    return group_rule_breaks(ms, village_id=V, leader_id=leader)


def test_three_households_of_the_village_with_lines_may_stand():
    assert breaks(members(30000, 20000, 10000)) == []
    check_group(members(30000, 20000, 10000), village_id=V, leader_id=2)  # does not raise


def test_g1_two_households_are_too_few():
    assert breaks(members(10000, 10000)) == ["G1"]
    assert breaks([]) == ["G1", "G3"]


def test_g1_a_household_of_another_village_breaks_it():
    ms = members(10000, 10000, 10000)
    ms[2] = (3, V + 1, Decimal(10000))
    assert breaks(ms) == ["G1"]


def test_g1_a_household_without_a_line_in_effect_breaks_it():
    assert breaks(members(10000, 10000, None)) == ["G1"]
    assert breaks(members(10000, 10000, None, 10000)) == ["G1"]


def test_g2_largest_equal_to_the_sum_of_the_others_is_allowed_one_yuan_more_is_not():
    assert breaks(members(50000, 30000, 20000)) == []
    assert breaks(members(50001, 30000, 20000)) == ["G2"]
    assert breaks(members("50000.01", 30000, 20000)) == ["G2"]


def test_g2_message_names_both_amounts():
    (code, message), = group_rule_problems(members(50000, 30000, 10000), village_id=V, leader_id=1)
    assert code == "G2"
    expected = gettext("G2: the largest member's line (%(largest)s yuan) exceeds the sum of the other members' "
                       "lines (%(others)s yuan).") % {"largest": "50,000", "others": "40,000"}
    assert message == expected


def test_g3_the_leader_must_be_a_member():
    assert breaks(members(10000, 10000, 10000), leader=99) == ["G3"]
    assert breaks(members(10000, 10000, 10000), leader=None) == ["G3"]


def test_several_broken_rules_are_all_reported_once_each():
    assert breaks(members(None, None), leader=5) == ["G1", "G3"]  # too few and no lines: G1 once
    assert breaks(members(90000, 10000), leader=5) == ["G1", "G2", "G3"]


def test_g2_counts_a_member_without_a_line_as_nothing():
    assert breaks(members(30000, 20000, 20000, None)) == ["G1"]
    assert breaks(members(30000, 20000, None)) == ["G1", "G2"]


def test_check_group_raises_the_first_broken_rule():
    with pytest.raises(RuleViolation) as exc:
        check_group(members(90000, 10000, 10000), village_id=V, leader_id=1)
    assert exc.value.code == "G2" and "90,000" in str(exc.value)
