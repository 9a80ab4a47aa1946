"""Household rules (H2, H3, R5) without a database: pytest-django fails these if a rule touches it."""

import datetime

import pytest
from stdnum.cn import ric

from households.rules import RuleViolation, age_on, check_one_head, mask_id, mask_phone, parse_resident_id


def with_check_digit(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_gb11643_examples_pass(number):
    assert parse_resident_id(number).number == number


def test_wrong_check_digit_fails():
    with pytest.raises(RuleViolation) as exc:
        parse_resident_id("110105194912310021")
    assert exc.value.code == "check_digit"


def test_lower_case_x_is_accepted_and_stored_upper_case():
    assert parse_resident_id("11010519491231002x").number == "11010519491231002X"


def test_fifteen_digits_convert_to_eighteen():
    resident = parse_resident_id("110105491231002")
    assert resident.number == "11010519491231002X"
    assert resident.birth_date == datetime.date(1949, 12, 31)


def test_invalid_birth_date_fails():
    with pytest.raises(RuleViolation) as exc:
        parse_resident_id(with_check_digit("11010519900230123"))  # 30 February
    assert exc.value.code == "birth_date"


def test_future_birth_date_fails():
    number = with_check_digit("11010520300101123")
    with pytest.raises(RuleViolation) as exc:
        parse_resident_id(number, today=datetime.date(2025, 1, 1))
    assert exc.value.code == "birth_date"


def test_birth_date_today_is_possible():
    number = with_check_digit("11010520250101123")
    assert parse_resident_id(number, today=datetime.date(2025, 1, 1)).birth_date == datetime.date(2025, 1, 1)


@pytest.mark.parametrize("digit17,sex", [("1", "M"), ("3", "M"), ("9", "M"), ("0", "F"), ("2", "F"), ("8", "F")])
def test_sex_comes_from_the_17th_digit(digit17, sex):
    assert parse_resident_id(with_check_digit("1101051980010112" + digit17)).sex == sex


def test_birth_date_is_derived():
    assert parse_resident_id("440524188001010014").birth_date == datetime.date(1880, 1, 1)


@pytest.mark.parametrize("raw", ["", None, "1234", "11010519491231002Y", "99010519491231002X"])
def test_malformed_numbers_fail(raw):
    with pytest.raises(RuleViolation):
        parse_resident_id(raw)


@pytest.mark.parametrize("day,age", [
    (datetime.date(2020, 5, 16), 39),   # the day before the birthday
    (datetime.date(2020, 5, 17), 40),   # on the birthday
    (datetime.date(2020, 5, 18), 40),
    (datetime.date(2020, 12, 31), 40),
    (datetime.date(2021, 1, 1), 40),
])
def test_age_on_birthday_edges(day, age):
    assert age_on(datetime.date(1980, 5, 17), day) == age


def test_age_of_a_leap_day_baby():
    born = datetime.date(2000, 2, 29)
    assert age_on(born, datetime.date(2001, 2, 28)) == 0
    assert age_on(born, datetime.date(2001, 3, 1)) == 1
    assert age_on(born, datetime.date(2004, 2, 29)) == 4


def test_mask_id_keeps_first_six_and_last_four():
    assert mask_id("410902198001011234") == "410902********1234"
    assert mask_id("11010519491231002X") == "110105********002X"
    assert mask_id("") == ""
    assert mask_id(None) == ""


def test_mask_phone():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("") == ""
    assert "1234567" not in mask_phone("0371-1234567")


def test_check_one_head():
    check_one_head(["户主", "配偶", "子"])
    with pytest.raises(RuleViolation) as none:
        check_one_head(["配偶", "子"])
    assert none.value.code == "no_head"
    with pytest.raises(RuleViolation) as many:
        check_one_head(["户主", "户主"])
    assert many.value.code == "many_heads"
