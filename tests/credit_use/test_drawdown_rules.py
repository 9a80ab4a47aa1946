"""U1, U2, U4, U5, U6, G5, G6 and the amount in capitals as pure functions (no database)."""

import datetime
from decimal import Decimal

import pytest

from credit_use.rules import drawdowns as rules
from credit_use.rules.guarantee import (
    GuarantorFacts,
    check_guarantors,
    check_no_circle,
    guarantee_chain,
    guarantor_capacity,
)
from sunshine_credit.errors import RuleViolation

D = Decimal
TODAY = datetime.date(2026, 12, 10)


def violation(check, **kwargs) -> RuleViolation:
    with pytest.raises(RuleViolation) as info:
        check(**kwargs)
    return info.value


# --- U1 ---

def test_available_is_the_line_less_outstanding_and_reserved():
    assert rules.available_amount(line_amount=D(50000), outstanding=D(20000), reserved=D(10000)) == D(20000)
    assert rules.available_amount(line_amount=D(50000), outstanding=D(45000), reserved=D(10000)) == 0
    rules.check_amount(amount=D(20000), available=D(20000))
    error = violation(rules.check_amount, amount=D("20000.01"), available=D(20000))
    assert error.code == "U1" and error.field == "amount" and "20,000.01" in error.message


def test_the_line_must_be_in_effect_today():
    start, end = datetime.date(2026, 1, 1), datetime.date(2027, 12, 31)
    rules.check_line_open(status="active", effective_on=start, expires_on=end, today=end)
    assert violation(rules.check_line_open, status="revoked", effective_on=start, expires_on=end, today=TODAY).code == "U1"
    violation(rules.check_line_open, status="active", effective_on=start, expires_on=end,
              today=end + datetime.timedelta(days=1))
    violation(rules.check_line_open, status="active", effective_on=start, expires_on=end,
              today=start - datetime.timedelta(days=1))


# --- U2 ---

@pytest.mark.parametrize(("applied", "latest"), [
    (datetime.date(2026, 3, 15), datetime.date(2026, 12, 15)),
    (datetime.date(2026, 5, 31), datetime.date(2027, 2, 28)),   # clamped to the month's end
    (datetime.date(2027, 5, 31), datetime.date(2028, 2, 29)),   # a leap year
    (datetime.date(2026, 4, 30), datetime.date(2027, 1, 30)),
])
def test_nine_calendar_months_same_day_or_month_end(applied, latest):
    assert rules.latest_due_on(applied) == latest


def test_nine_months_is_allowed_nine_months_and_a_day_is_refused():
    applied, expires = datetime.date(2026, 3, 15), datetime.date(2028, 1, 1)
    rules.check_term(applied_on=applied, due_on=datetime.date(2026, 12, 15), expires_on=expires)
    error = violation(rules.check_term, applied_on=applied, due_on=datetime.date(2026, 12, 16), expires_on=expires)
    assert error.code == "U2" and error.field == "due_on" and "2026-12-15" in error.message


def test_never_past_the_lines_expiry_and_after_the_application():
    applied = datetime.date(2026, 3, 15)
    rules.check_term(applied_on=applied, due_on=datetime.date(2026, 6, 30), expires_on=datetime.date(2026, 6, 30))
    error = violation(rules.check_term, applied_on=applied, due_on=datetime.date(2026, 7, 1),
                      expires_on=datetime.date(2026, 6, 30))
    assert error.field == "due_on" and "2026-06-30" in error.message
    violation(rules.check_term, applied_on=applied, due_on=applied, expires_on=datetime.date(2027, 1, 1))
    violation(rules.check_term, applied_on=applied, due_on=None, expires_on=datetime.date(2027, 1, 1))


def test_purpose_and_application_date():
    assert violation(rules.check_purpose, purpose="  ").field == "purpose"
    start = datetime.date(2026, 1, 1)
    rules.check_applied_on(applied_on=TODAY, effective_on=start, today=TODAY)
    assert violation(rules.check_applied_on, applied_on=TODAY + datetime.timedelta(days=1), effective_on=start,
                     today=TODAY).field == "applied_on"
    violation(rules.check_applied_on, applied_on=datetime.date(2025, 12, 31), effective_on=start, today=TODAY)


# --- U4 ---

def docs(**kwargs):
    values = {"first": False, "amount": D(30000), "guarantee": "group", "has_spouse": True, "spouse_away": False}
    values.update(kwargs)
    return rules.required_documents(**values)


def test_first_drawdown_checklist_by_guarantee():
    assert docs(first=True) == ["borrower_id", "spouse_id", "marriage_proof", "group_contract", "application",
                                "officer_form"]
    assert docs(first=True, guarantee="guarantors", amount=D(5000)) == [
        "borrower_id", "spouse_id", "marriage_proof", "guarantee_contract", "guarantor_id", "application",
        "officer_form"]
    assert docs(first=True, spouse_away=True) == docs(first=True)  # both spouses come the first time


def test_first_drawdown_without_a_spouse_needs_no_spouse_id_or_marriage_proof():
    assert docs(first=True, has_spouse=False) == ["borrower_id", "group_contract", "application", "officer_form"]


def test_later_drawdowns_the_30000_line_and_a_spouse_away():
    assert docs(amount=D(30000)) == ["borrower_id", "application"]
    assert docs(amount=D("30000.01")) == ["borrower_id", "spouse_id", "application"]
    assert docs(amount=D(30001), spouse_away=True) == ["borrower_id", "application", "officer_confirmation"]
    assert docs(amount=D(30001), has_spouse=False) == ["borrower_id", "application"]


def test_missing_documents_are_named():
    required = docs(amount=D(30001))
    rules.check_documents(required, ["borrower_id", "spouse_id", "application", "extra"])
    error = violation(rules.check_documents, required=required, received=["borrower_id"])
    assert error.code == "U4" and error.field == "documents"
    assert rules.missing_documents(required, ["borrower_id"]) == ["spouse_id", "application"]


# --- U5 ---

def test_30000_needs_no_investigation_30001_does():
    assert not rules.needs_investigation(D(30000)) and rules.needs_investigation(D(30001))
    rules.check_investigation(amount=D(30000), investigated_on=None, investigation="", today=TODAY)
    assert violation(rules.check_investigation, amount=D(30001), investigated_on=None, investigation="",
                     today=TODAY).field == "investigated_on"
    assert violation(rules.check_investigation, amount=D(30001), investigated_on=TODAY, investigation=" ",
                     today=TODAY).field == "investigation"
    rules.check_investigation(amount=D(30001), investigated_on=TODAY, investigation="实地查看葡萄园", today=TODAY)
    rules.check_investigation(amount=D(30001), investigated_on=None, investigation="", today=TODAY, required=False)


# --- U6 ---

def test_previous_member_must_have_been_checked():
    rules.check_previous_member(previous_number=None, previous_checked_on=None)
    rules.check_previous_member(previous_number="BRA202612100001", previous_checked_on=TODAY)
    error = violation(rules.check_previous_member, previous_number="BRA202612100001", previous_checked_on=None)
    assert error.code == "U6" and "BRA202612100001" in error.message
    error = violation(rules.check_previous_member, previous_number="BRA202612100001", previous_checked_on=TODAY,
                      previous_problem=True)  # checked, but it found a problem
    assert error.code == "U6"


# --- G5 ---

LINE, GUARANTEED = D(40000), D(15000)


def facts(pk=2, line=LINE, guaranteed=GUARANTEED, allows_outside=None) -> GuarantorFacts:
    return GuarantorFacts(household_id=pk, code=f"A-{pk:04d}", line_amount=line, guaranteed=guaranteed,
                          allows_outside=allows_outside)


def test_capacity_boundary():
    assert guarantor_capacity(line_amount=D(40000), guaranteed=D(15000)) == D(25000)
    assert guarantor_capacity(line_amount=None, guaranteed=D(0)) == 0
    check_guarantors(borrower_id=1, amount=D(25000), guarantors=[(facts(), D(25000))])
    error = violation(check_guarantors, borrower_id=1, amount=D(25001), guarantors=[(facts(), D(25001))])
    assert error.code == "G5" and "25,000" in error.message and "A-0002" in error.message


def test_group_that_agreed_no_outside_guarantees_refuses():
    check_guarantors(borrower_id=1, amount=D(1000), guarantors=[(facts(allows_outside=True), D(1000))])
    assert violation(check_guarantors, borrower_id=1, amount=D(1000),
                     guarantors=[(facts(allows_outside=False), D(1000))]).code == "G5"


def test_guarantors_cover_the_drawdown_and_are_not_the_borrower():
    assert violation(check_guarantors, borrower_id=1, amount=D(1000), guarantors=[]).code == "U3"
    assert violation(check_guarantors, borrower_id=2, amount=D(1000), guarantors=[(facts(), D(1000))]).code == "U3"
    two = [(facts(2), D(6000)), (facts(3), D(4000))]
    check_guarantors(borrower_id=1, amount=D(10000), guarantors=two)
    assert violation(check_guarantors, borrower_id=1, amount=D(10001), guarantors=two).code == "U3"
    assert violation(check_guarantors, borrower_id=1, amount=D(1000),
                     guarantors=[(facts(line=None, guaranteed=D(0)), D(1000))]).code == "G5"


# --- G6 ---

def test_a_for_b_then_b_for_a_is_a_circle():
    edges = [(1, 2)]  # 1 guarantees a loan of 2
    check_no_circle(edges=edges, borrower_id=1, guarantor_ids=[3], codes={})
    error = violation(check_no_circle, edges=edges, borrower_id=1, guarantor_ids=[2], codes={1: "A", 2: "B"})
    assert error.code == "G6" and "A → B → A" in error.message


def test_a_three_household_chain_closes_a_circle():
    edges = [(1, 2), (2, 3)]  # 1 for 2, 2 for 3; now 3 guaranteeing 1's loan closes 1 → 2 → 3 → 1
    assert guarantee_chain(edges, 1, {3}) == [1, 2, 3]
    violation(check_no_circle, edges=edges, borrower_id=1, guarantor_ids=[3], codes={})
    check_no_circle(edges=edges, borrower_id=3, guarantor_ids=[1], codes={})  # 1 for 3 again: no circle


# --- capitals ---

@pytest.mark.parametrize(("amount", "words"), [
    ("12000", "壹万贰仟元整"), ("30001", "叁万零壹元整"), ("100000", "壹拾万元整"), ("10", "壹拾元整"),
    ("1005000", "壹佰万零伍仟元整"), ("200010", "贰拾万零壹拾元整"), ("100100000", "壹亿零壹拾万元整"),
    ("1234.05", "壹仟贰佰叁拾肆元零伍分"), ("1234.5", "壹仟贰佰叁拾肆元伍角"), ("0.05", "伍分"), ("0", "零元整"),
])
def test_chinese_capitals(amount, words):
    assert rules.chinese_capitals(D(amount)) == words


# --- issue 15: the teller's references at disbursement ------------------------------------------------------

def test_disbursement_references_are_normalised_and_both_required():
    from credit_use.rules.drawdowns import disbursement_references
    assert disbursement_references(settlement_account=" 6228 4800 12 ", core_loan_number="jk-2026 01") == (
        "6228480012", "JK-202601")
    assert disbursement_references(settlement_account="1" * 32, core_loan_number="A" * 40) == ("1" * 32, "A" * 40)
    for account, number, fields in (("123456789", "JK01", {"settlement_account"}),      # 9 digits: too short
                                    ("1" * 33, "JK01", {"settlement_account"}),         # 33: too long
                                    ("62284800AB", "JK01", {"settlement_account"}),     # digits only
                                    ("1234567890", "JK0", {"core_loan_number"}),        # 3: too short
                                    ("1234567890", "A" * 41, {"core_loan_number"}),
                                    ("", "", {"settlement_account", "core_loan_number"})):
        with pytest.raises(RuleViolation) as refused:
            disbursement_references(settlement_account=account, core_loan_number=number)
        assert {field for field, _text in refused.value.errors} == fields
