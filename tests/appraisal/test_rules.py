"""A1 composition presets, A2 recusal, A5 median rating, A7 decision reason, L6: pure rules, no database."""

import datetime
from decimal import Decimal

import pytest

from appraisal import rules
from appraisal.rules import Seat
from sunshine_credit.errors import RuleViolation
from surveys import rules as limit_rules


def seats(*kinds, positions=None, **extra):
    positions = positions or ["member"] * len(kinds)
    return [Seat(reviewer_id=i + 1, name=f"R{i + 1}", kind=kind, position=positions[i], user_id=100 + i, **extra)
            for i, kind in enumerate(kinds)]


def check(seat_list, unit="village", preset="standard", officers=(), team=()):
    rules.check_composition(seat_list, unit_kind=unit, preset=preset, area_officer_ids=set(officers),
                            survey_team_ids=set(team))


def code_of(seat_list, **kwargs):
    with pytest.raises(RuleViolation) as exc:
        check(seat_list, **kwargs)
    return exc.value.code


def test_standard_five_with_two_cadres():
    check(seats("cadre", "village_secretary", "villager", "villager", "bank_staff"))
    check(seats("villager", "villager", "villager", "villager", "villager"), unit="street")


def test_standard_refuses_a_third_cadre_and_wrong_size():
    assert code_of(seats("cadre", "village_secretary", "cadre", "villager", "villager")) == "cadres"
    assert code_of(seats("villager", "villager", "villager", "villager")) == "size"
    assert code_of(seats(*["villager"] * 6)) == "size"


def test_institution_three_external_two_bank():
    check(seats("external", "external", "external", "bank_staff", "bank_staff"), unit="school", preset="institution")
    assert code_of(seats("external", "external", "bank_staff", "bank_staff", "bank_staff"), unit="institution",
                   preset="institution") == "institution"
    assert code_of(seats("external", "external", "external", "bank_staff"), unit="school",
                   preset="institution") == "institution"


def test_internal_at_least_three_bank_staff():
    check(seats("bank_staff", "bank_staff", "bank_staff"), unit="internal", preset="internal")
    check(seats(*["bank_staff"] * 7), unit="internal", preset="internal")
    assert code_of(seats("bank_staff", "bank_staff"), unit="internal", preset="internal") == "internal"
    assert code_of(seats("bank_staff", "bank_staff", "villager"), unit="internal", preset="internal") == "internal"


def test_preset_must_fit_the_unit():
    assert code_of(seats(*["bank_staff"] * 3), unit="village", preset="internal") == "preset_unit"
    assert code_of(seats(*["villager"] * 5), unit="school", preset="standard") == "preset_unit"


def large(**changes):
    members = [Seat(1, "镇干部", "township_cadre", "leader", user_id=1),
               Seat(2, "村书记", "village_secretary", "deputy", user_id=2),
               Seat(3, "行长", "bank_staff", "deputy", user_id=3, is_branch_president=True),
               Seat(4, "村主任", "cadre", "member", user_id=4),
               Seat(5, "会计", "cadre", "member", user_id=5),
               Seat(6, "调查员", "bank_staff", "member", user_id=6)]
    for index, seat in changes.items():
        members[int(index[1:])] = seat
    return members


def test_large_panel_preset():
    check(large(), preset="large", team={6})
    assert code_of(large(s0=Seat(1, "村民", "villager", "leader", user_id=1)), preset="large") == "large_leader"
    assert code_of(large(s2=Seat(3, "员工", "bank_staff", "deputy", user_id=3)), preset="large") == "large_deputies"
    assert code_of(large(s3=Seat(4, "村民", "villager", "member", user_id=4),
                         s4=Seat(5, "村民", "villager", "member", user_id=5)), preset="large") == "large_committee"
    assert code_of(large(), preset="large", team={6, 77}) == "large_survey_team"


def test_large_panel_does_not_require_the_recused_area_officer():
    check(large(), preset="large", team={6, 77}, officers={77})


def test_recusal_area_officer_refused_at_formation():
    panel = seats("bank_staff", "villager", "villager", "villager", "villager")
    assert code_of(panel, officers={100}) == "recusal_officer"
    check(panel, officers={999})


def test_recusal_own_household():
    with pytest.raises(RuleViolation) as exc:
        rules.check_not_own_household(reviewer_household_id=7, household_id=7)
    assert exc.value.code == "recusal_own"
    rules.check_not_own_household(reviewer_household_id=7, household_id=8)
    rules.check_not_own_household(reviewer_household_id=None, household_id=8)


def test_one_reviewer_once_and_one_leader():
    twice = seats("villager", "villager", "villager", "villager", "villager")
    twice[1] = Seat(1, "R1", "villager")
    assert code_of(twice) == "duplicate"
    assert code_of(seats(*["villager"] * 5, positions=["leader", "leader", "member", "member", "member"])) == "leaders"


@pytest.mark.parametrize(("ratings", "median"), [
    ([1, 2, 2, 3, 1], 2), ([4, 4, 1], 4), ([1, 2], 2), ([3], 3), ([None, 2, None], 2), ([], None), ([None], None),
    ([1, 1, 4, 4], 4),
])
def test_median_rating(ratings, median):
    assert rules.median_rating(ratings) == median


def test_panel_outcome_is_the_booklet_trimmed_mean():
    entries = [rules.Entry(member_id=i, seat=i, amount=Decimal(a)) for i, a in
               enumerate([30000, 50000, 52000, 55000, 90000], start=1)]
    outcome = rules.panel_outcome(entries, expected=5, settings=limit_rules.Settings(), birth_date=None,
                                  approval_authority=Decimal(100000))
    assert outcome.status == "ineligible"  # no representative: L3
    outcome = rules.panel_outcome(entries, expected=5, settings=limit_rules.Settings(),
                                  birth_date=datetime.date(1980, 1, 1), approval_authority=Decimal(50000))
    assert (outcome.status, outcome.amount, outcome.dropped_low, outcome.dropped_high) == (
        "granted", Decimal("52000.00"), 1, 5)
    assert outcome.flags == ["needs_escalation"]
    short = rules.panel_outcome(entries[:4], expected=5, settings=limit_rules.Settings(),
                                birth_date=datetime.date(1980, 1, 1), approval_authority=Decimal(50000))
    assert short.status == "incomplete"


def test_decision_needs_reason_to_change():
    rules.check_decision(computed_amount=Decimal(5000), amount=Decimal(5000), reason="")
    with pytest.raises(RuleViolation):
        rules.check_decision(computed_amount=Decimal(5000), amount=Decimal(6000), reason=" ")
    rules.check_decision(computed_amount=Decimal(5000), amount=Decimal(6000), reason="经营扩大")
    assert rules.needs_escalation(Decimal("100000.01"), Decimal(100000))
    assert not rules.needs_escalation(Decimal(100000), Decimal(100000))
