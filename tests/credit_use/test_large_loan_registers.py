"""P6: the monthly large-loan register of each village lists the month's drawdowns above the threshold, masked;
one register per village and month however often the job runs."""

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from credit_use.services.large_loans import large_loan_registers, previous_period
from publicity.models import Notice, NoticeKind
from tests.credit_use.factories_loans import household_with_line, make_drawdown

pytestmark = pytest.mark.django_db

NOVEMBER = datetime.date(2026, 11, 12)


@pytest.fixture
def county(county, settings):
    """Drawdowns of 东岭村 of 150,000 and 100,000 元 in November 2026 (threshold 100,000) and one in October."""
    settings.LARGE_LOAN_DISCLOSURE_THRESHOLD = 100000
    big, big_line = household_with_line(county)
    small, small_line = household_with_line(county)
    county.big = make_drawdown(county, big, big_line, amount=Decimal(150000), disbursed_on=NOVEMBER,
                                 due_on=datetime.date(2027, 6, 1))
    make_drawdown(county, small, small_line, amount=Decimal(100000), disbursed_on=NOVEMBER,
                  due_on=datetime.date(2027, 6, 1))  # at the threshold: not listed
    make_drawdown(county, big, big_line, amount=Decimal(120000), disbursed_on=datetime.date(2026, 10, 30),
                  due_on=datetime.date(2027, 6, 1))  # October's
    return county


def registers():
    with scopes_disabled():
        return list(Notice.objects.filter(kind=NoticeKind.LARGE_LOANS))


def test_the_register_lists_the_months_large_loans_once(county):
    assert previous_period(datetime.date(2026, 12, 1)) == "2026-11"
    result = large_loan_registers(today=datetime.date(2026, 12, 1))
    assert (result["period"], result["published"]) == ("2026-11", 1)
    [register] = registers()
    assert register.period == "2026-11" and register.village == county.big.village
    rows = [row for group in register.snapshot["groups"] for row in group["rows"]]
    assert [row[2] for row in rows] == ["150,000"] and "*" in rows[0][1]
    assert large_loan_registers(today=datetime.date(2026, 12, 2))["published"] == 0
    assert len(registers()) == 1


def test_the_command_names_the_month(county):
    out = StringIO()
    call_command("publish_large_loan_registers", "--period", "2026-10", "--json", stdout=out)
    assert json.loads(out.getvalue())["published"] == 1 and registers()[0].period == "2026-10"
    with pytest.raises(SystemExit) as exit_:
        call_command("publish_large_loan_registers", "--period", "2026-13", "--json", stdout=StringIO())
    assert exit_.value.code == 2
