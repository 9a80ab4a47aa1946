"""SPEC §0 money: one amount parser and one yuan formatter (sunshine_credit.lib.money).

The same typed amounts give the same value, or the same Chinese message, at every door: the parser itself,
the survey grid's row save, the survey import, the booklet import, the reviewer's entry, and every money
form field."""

import io
from decimal import Decimal

import pytest
from django.utils.translation import gettext
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from appraisal.exports import COLUMNS as BOOKLET_COLUMNS
from appraisal.exports import HEADER_ROW, booklet_write
from appraisal.forms import DecisionForm, parse_entry
from appraisal.imports import booklet_validate, read_booklet
from appraisal.services.entry import EntryRefused
from credit_use.forms import DrawdownForm, GuarantorForm, LineChangeForm, RepaymentForm
from households.forms import ExistingLoanForm
from households.models import ArchiveStatus
from publicity.forms import ReconsiderForm
from sunshine_credit.lib.money import MAX_AMOUNT, AmountError, AmountField, parse_amount, yuan
from sunshine_credit.scoping import activate
from surveys.models import Questionnaire
from tests.appraisal.factories import make_panel_world
from tests.surveys.factories import CampaignFactory, RespondentFactory
from tests.surveys.test_entry import post_row, save_url
from tests.surveys.test_survey_import import apply, load_roster, six_rows

UNREADABLE = "The amount cannot be read: write yuan (30000) or ten-thousands of yuan (3万)."
NEGATIVE = "An amount may not be negative."
TOO_LARGE = "The amount is too large: at most %(max)s yuan."


def message(msgid: str) -> str:
    """The message in the active language (tests run in zh-hans)."""
    return gettext(msgid) % {"max": "999,999,999,999.99"} if "%(max)s" in msgid else gettext(msgid)


class Refused:
    def __init__(self, msgid: str):
        self.msgid = msgid

    def __repr__(self):
        return f"Refused({self.msgid!r})"


# (typed, expected): a Decimal, None (blank: not given), or Refused(the msgid every door shows).
TABLE = [
    ("83000", Decimal("83000.00")),
    ("8.3万", Decimal("83000.00")),
    ("8.3w", Decimal("83000.00")),
    ("8.3W", Decimal("83000.00")),
    ("83,000", Decimal("83000.00")),
    ("83，000", Decimal("83000.00")),     # full-width comma
    ("83000元", Decimal("83000.00")),
    ("8.3 万元", Decimal("83000.00")),
    ("８３０００", Decimal("83000.00")),   # full-width digits
    ("  83000 ", Decimal("83000.00")),
    ("", None),
    ("abc", Refused(UNREADABLE)),
    ("8,3w", Refused(UNREADABLE)),
    ("1e5", Refused(UNREADABLE)),
    ("-1", Refused(NEGATIVE)),
    ("1.005", Decimal("1.01")),           # half-up to the fen
    ("8.33333万", Decimal("83333.30")),
    ("10000000000000", Refused(TOO_LARGE)),
]
IDS = [repr(typed) for typed, _ in TABLE]


def check(door: str, typed, expected, got_value=None, got_error=None):
    """got_value: what the door took (when it took it); got_error: the message it showed for the amount."""
    if isinstance(expected, Refused):
        assert got_error == message(expected.msgid), f"{door}: {typed!r} → {got_error!r}"
    else:
        assert got_error is None, f"{door}: {typed!r} refused with {got_error!r}"
        assert got_value == expected, f"{door}: {typed!r} → {got_value!r}"


# --- (a) the parser ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, expected", TABLE, ids=IDS)
def test_the_parser(typed, expected):
    try:
        check("parse_amount", typed, expected, got_value=parse_amount(typed))
    except AmountError as exc:
        check("parse_amount", typed, expected, got_error=str(exc))


def test_the_messages_are_chinese():
    with pytest.raises(AmountError) as exc:
        parse_amount("abc")
    assert exc.value.code == "format" and "金额" in str(exc.value) and "abc" not in str(exc.value)
    with pytest.raises(AmountError) as exc:
        parse_amount("-1")
    assert exc.value.code == "negative" and str(exc.value) == "金额不能为负数。"
    with pytest.raises(AmountError) as exc:
        parse_amount("100000000w")
    assert exc.value.code == "too_large" and "999,999,999,999.99" in str(exc.value)


@pytest.mark.parametrize("cell, expected", [
    (83000, Decimal("83000.00")), (83000.0, Decimal("83000.00")), (1.005, Decimal("1.01")),  # 1.005, not 1.00499…
    (Decimal("12.345"), Decimal("12.35")), (0, Decimal("0.00")), (-0.0, Decimal("0.00")), (None, None),
    (MAX_AMOUNT, MAX_AMOUNT), (Decimal("999999999999.994"), MAX_AMOUNT),
])
def test_spreadsheet_number_cells(cell, expected):
    value = parse_amount(cell)
    assert value == expected and (value is None or str(value) == str(expected))


@pytest.mark.parametrize("cell, code", [
    (-5, "negative"), (Decimal("-0.01"), "negative"), (float("nan"), "format"), (Decimal("Infinity"), "format"),
    (True, "format"), (Decimal("999999999999.995"), "too_large"), (10 ** 30, "too_large"), ("1" * 41, "format"),
    ("9" * 30 + "万", "too_large"), ("83 000", "format"), ("8.3k", "format"), ("+5", "format"),
])
def test_spreadsheet_and_odd_cells_are_refused(cell, code):
    with pytest.raises(AmountError) as exc:
        parse_amount(cell)
    assert exc.value.code == code


# --- (b) the survey grid's row save (JSON in, JSON out) --------------------------------------------------------

@pytest.fixture
def grid_world(county):
    """The county with household A-0001 of 东岭村 1组 (archived: only archived households are surveyed, issue 15)
    and respondent R01, tina on the campaign's survey team."""
    with scopes_disabled():
        county.h1 = county.household(county.v_a, group=county.g1, code="A-0001")
        county.r1 = RespondentFactory(village=county.v_a, code="R01")
        county.campaign.survey_team.add(county.tina)
    return county


@pytest.mark.django_db
def test_the_survey_grid(client, grid_world):
    client.force_login(grid_world.tina)
    version = 0
    for typed, expected in TABLE:
        # The typed amount goes in 家庭总资产 (the proposed amount stays given: a blank one is its own rule).
        response = post_row(client, save_url(grid_world), household=grid_world.h1.pk, version=version,
                            total_assets=typed, amount="8.3w")
        if response.status_code == 200:
            version = response.json()["version"]
            taken = response.json()["values"]["total_assets"]
            check("grid", typed, expected, got_value=None if taken is None else Decimal(taken))
        else:
            assert response.status_code == 400, response.content
            check("grid", typed, expected, got_error=response.json()["errors"].get("total_assets"))


# --- (c) the survey import --------------------------------------------------------------------------------------

@pytest.fixture
def import_world(county):
    """东岭村 with one household of two from a roster loaded by tina (codes `<village code>-00001`)."""
    load_roster(county.v_a, county.tina.staff_profile, 1, first_seq=0)
    return county


@pytest.mark.django_db
def test_the_survey_import(import_world):
    village, tina = import_world.v_a, import_world.tina.staff_profile
    for n, (typed, expected) in enumerate(TABLE):
        with scopes_disabled():  # a campaign per input: an import never overwrites a questionnaire
            campaign = CampaignFactory(head_office=village.branch.head_office, code=f"M{n:02d}")
        rows = six_rows(f"{village.code}-00001", village=village.code)
        rows[0][4] = typed  # sheet row 2, 家庭总资产(元)
        plan, _ = apply(rows, tina, campaign)
        if plan.ok:
            with scopes_disabled():
                taken = Questionnaire.objects.get(campaign=campaign,
                                                  respondent__code=f"{village.code}-R01").total_assets
            check("survey import", typed, expected, got_value=taken)
        else:
            assert [(e["row"], e["column"]) for e in plan.errors] == [(2, "家庭总资产(元)")], plan.errors
            check("survey import", typed, expected, got_error=plan.errors[0]["message"])


# --- (d) the booklet import, and the reviewer's entry (the same reader) ------------------------------------------

@pytest.fixture
def booklet_world(county):
    """东岭村's open panel over one household, A-0001 (make_panel_world), and its blank booklet."""
    make_panel_world(county, households=1)
    scope = county.scope(county.tina)
    out = io.BytesIO()
    with activate(scope):
        booklet_write(panel=county.panel, out=out)
    return county, scope, out.getvalue()


@pytest.mark.django_db
def test_the_booklet_import(booklet_world):
    county, scope, blank_book = booklet_world
    amount_col, reasons_col, rating_col = (BOOKLET_COLUMNS.index(c) for c in ("授信额度(元)", "待授信原因代码", "评级"))
    for typed, expected in TABLE:
        workbook = load_workbook(io.BytesIO(blank_book))
        row = workbook["评议员1"][HEADER_ROW + 1]
        assert row[0].value == "A-0001"
        row[amount_col].value = typed
        # A blank amount is an entry with withhold reasons; an amount goes with a rating.
        (row[reasons_col] if typed == "" else row[rating_col]).value = "2" if typed == "" else "AAA"
        out = io.BytesIO()
        workbook.save(out)
        with activate(scope):
            plan = booklet_validate(read_booklet(out.getvalue()), scope=scope, panel=county.panel)
        if plan.ok:
            check("booklet", typed, expected, got_value=plan.records[0][2].amount)
        else:
            assert [(e["row"], e["column"]) for e in plan.errors] == [(HEADER_ROW + 1, "授信额度(元)")], plan.errors
            check("booklet", typed, expected, got_error=plan.errors[0]["message"])


@pytest.mark.parametrize("typed, expected", TABLE, ids=IDS)
def test_the_reviewers_entry(typed, expected):
    try:
        entry = parse_entry({"amount": typed, "rating": "1"})
    except EntryRefused as exc:
        check("reviewer entry", typed, expected, got_error=exc.errors.get("amount"))
    else:
        check("reviewer entry", typed, expected, got_value=entry.amount)


# --- (e) every money form field ---------------------------------------------------------------------------------

FORMS = {  # name → (build the form from the amount, field, required)
    "drawdown": (lambda v: DrawdownForm({"amount": v}), "amount", True),
    "guarantor": (lambda v: GuarantorForm({"code": "A-0001", "amount": v}), "amount", False),
    "repayment": (lambda v: RepaymentForm({"amount": v}), "amount", True),
    "line change": (lambda v: LineChangeForm({"amount": v}), "amount", True),
    "decision": (lambda v: DecisionForm({"amount": v}), "amount", False),
    "reconsideration": (lambda v: ReconsiderForm({"amount": v}), "amount", False),
}


def check_form(name, form, field, required, typed, expected):
    form.is_valid()
    if expected is None and required:
        assert form.errors.get(field) == [gettext("This field is required.")], (name, form.errors)
    elif field in form.errors:
        check(name, typed, expected, got_error=form.errors[field][0])
    else:
        check(name, typed, expected, got_value=form.cleaned_data[field])


@pytest.mark.parametrize("name", FORMS)
@pytest.mark.parametrize("typed, expected", TABLE, ids=IDS)
def test_every_money_form_field(name, typed, expected):
    build, field, required = FORMS[name]
    check_form(name, build(typed), field, required, typed, expected)


@pytest.mark.django_db
def test_the_existing_loan_form(county):
    household = county.household(archive_status=ArchiveStatus.ON_ROSTER)
    with scopes_disabled():
        for typed, expected in TABLE:
            form = ExistingLoanForm({"amount": typed, "balance": typed}, household=household)
            assert isinstance(form.fields["amount"], AmountField) and isinstance(form.fields["balance"], AmountField)
            check_form("existing loan", form, "amount", True, typed, expected)
            check_form("existing loan", form, "balance", True, typed, expected)


def test_the_drawdown_form_still_wants_more_than_zero():
    form = DrawdownForm({"amount": "0"})
    form.is_valid()
    assert form.errors["amount"] == [gettext("Enter the amount of the drawdown.")]


def test_a_money_field_renders_for_typing():
    html = str(DecisionForm()["amount"])
    assert 'inputmode="decimal"' in html and 'maxlength="20"' in html


# --- yuan() ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("amount, shown", [
    (Decimal("83250"), "83,250"), (Decimal("83250.00"), "83,250"), (Decimal("83250.0000"), "83,250"),
    (Decimal("83250.5"), "83,250.50"), (Decimal("1234.005"), "1,234.01"), (Decimal("0.5"), "0.50"),
    (0, "0"), (50000, "50,000"), (Decimal("999999999999.99"), "999,999,999,999.99"), (12.5, "12.50"),
    (Decimal("-1234.5"), "-1,234.50"), (None, "—"),
])
def test_yuan(amount, shown):
    assert yuan(amount) == shown


@pytest.mark.parametrize("amount, shown", [
    (Decimal("12000"), "12,000.00"), (Decimal("1234.5"), "1,234.50"), (0, "0.00"), (None, "—"),
])
def test_yuan_with_the_fen_as_a_slip_prints(amount, shown):
    assert yuan(amount, fen=True) == shown


def test_yuan_reads_back_through_the_parser():
    for amount in (Decimal("83250.00"), Decimal("83250.50"), Decimal("999999999999.99"), Decimal("0.01")):
        assert parse_amount(yuan(amount)) == amount
