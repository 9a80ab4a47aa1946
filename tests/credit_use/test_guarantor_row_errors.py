"""Issue 15 item 9: a guarantor row's error is shown in that row, also while the application's own fields are
refused (both are checked on one submit), and nothing is written."""

import re

import pytest
from django.utils.html import escape
from django_scopes import scopes_disabled

from credit_use.models import Drawdown
from tests.credit_use.factories_drawdowns import make_drawdown_world
from tests.credit_use.test_drawdown_views import form_data
from tests.surveys.campaign_world import zh

pytestmark = pytest.mark.django_db

CODE_MISSING = "An amount is typed in this row: type the guarantor's household code too."


@pytest.fixture
def county(county):
    return make_drawdown_world(county)


def row_html(page: str, row_id: str) -> str:
    match = re.search(rf'<tr[^>]*id="{row_id}"[^>]*>(.*?)</tr>', page, re.S)
    assert match, f"no row {row_id}"
    return match.group(0)


def test_an_amount_without_a_code_is_refused_in_its_row(client, county):
    client.force_login(county.tina)
    data = form_data(guarantee="guarantors")
    data["guarantors-1-amount"] = "5000"
    response = client.post(f"/lines/{county.lines[0].pk}/drawdowns/new/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert zh(CODE_MISSING) in row_html(page, "guarantor-row-2")
    assert zh(CODE_MISSING) not in row_html(page, "guarantor-row-1")
    assert "table-danger" in row_html(page, "guarantor-row-2")
    with scopes_disabled():
        assert Drawdown.objects.count() == 0


def test_row_errors_show_together_with_the_form_errors(client, county):
    client.force_login(county.tina)
    data = form_data(guarantee="guarantors", amount="")
    data["guarantors-0-amount"] = "abc"
    response = client.post(f"/lines/{county.lines[0].pk}/drawdowns/new/", data)
    assert response.status_code == 200
    assert response.context["form"].errors.get("amount")
    row = row_html(response.content.decode(), "guarantor-row-1")
    message = response.context["guarantors"].forms[0].errors["amount"][0]
    assert "field-error" in row and escape(message) in row
    with scopes_disabled():
        assert Drawdown.objects.count() == 0


def test_a_blank_row_and_a_row_with_a_code_only_pass(client, county):
    """The other side: a blank row, or a code without an amount (the whole drawdown), is no error."""
    client.force_login(county.tina)
    data = form_data(guarantee="guarantors")
    data["guarantors-0-code"] = "NO-SUCH-HOUSEHOLD"
    response = client.post(f"/lines/{county.lines[0].pk}/drawdowns/new/", data)
    assert not any(form.errors for form in response.context["guarantors"].forms)
