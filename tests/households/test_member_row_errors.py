"""Issue 15 item 9: the household form's member rows show their own errors in the row — the form's checks (a bad
ID number) and the service's (an ID number typed twice) — and nothing is written."""

import re

import pytest
from django_scopes import scopes_disabled

from households.models import Household, Member
from tests.factories import make_id_number
from tests.households.test_household_views import form_data, zh

pytestmark = pytest.mark.django_db

CHECK_DIGIT = "The check digit is wrong: the last character should be %(digit)s."


def row_html(page: str, row_id: str) -> str:
    match = re.search(rf'<tr[^>]*id="{row_id}"[^>]*>(.*?)</tr>', page, re.S)
    assert match, f"no row {row_id}"
    return match.group(0)


def post_members(client, county, members):
    client.force_login(county.tina)
    return client.post("/households/new/", form_data(village=county.v_a, group=county.g1, code="A-ROW",
                                                    members=members))


def nothing_written() -> bool:
    with scopes_disabled():
        return not Household.objects.filter(code="A-ROW").exists() and not Member.objects.filter(
            name__in=["甲", "乙", "丙"]).exists()


def test_a_bad_id_number_is_shown_in_its_row(client, county):
    response = post_members(client, county, [
        {"name": "甲", "id_number": make_id_number(), "relation": "户主"},
        {"name": "乙", "id_number": "110105194912310021", "relation": "配偶"},
        {"name": "丙", "id_number": make_id_number(), "relation": "子"}])
    assert response.status_code == 200
    page = response.content.decode()
    message = zh(CHECK_DIGIT, digit="X")
    assert message in row_html(page, "member-row-2") and "table-danger" in row_html(page, "member-row-2")
    assert message not in row_html(page, "member-row-1") and message not in row_html(page, "member-row-3")
    assert page.count(message) == 1
    assert nothing_written()


def test_an_id_number_typed_twice_is_shown_in_the_second_row(client, county):
    """The service's refusal (H3 across the rows) names its row and is shown there, not above the form."""
    twice = make_id_number()
    response = post_members(client, county, [
        {"name": "甲", "id_number": make_id_number(), "relation": "户主"},
        {"name": "乙", "id_number": twice, "relation": "配偶"},
        {"name": "丙", "id_number": twice, "relation": "子"}])
    assert response.status_code == 200
    page = response.content.decode()
    message = zh("Row %(row)d: this ID number is also in row %(other)d.", row=3, other=2)
    assert message in row_html(page, "member-row-3")
    assert message not in row_html(page, "member-row-2")
    assert nothing_written()


def test_a_tampered_member_formset_shows_its_own_error_above_the_rows(client, county):
    client.force_login(county.tina)
    data = form_data(village=county.v_a, group=county.g1, code="A-ROW",
                     members=[{"name": "甲", "id_number": make_id_number(), "relation": "户主"}])
    del data["members-TOTAL_FORMS"]
    response = client.post("/households/new/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["formset"].non_form_errors() and "formset-errors" in page
    assert page.index("formset-errors") < page.index('id="member-formset"')
    assert nothing_written()


def test_valid_rows_are_saved(client, county):
    """The other side: the same rows with a good ID number are saved."""
    response = post_members(client, county, [
        {"name": "甲", "id_number": make_id_number(), "relation": "户主"},
        {"name": "乙", "id_number": make_id_number(), "relation": "配偶"}])
    assert response.status_code == 302, response.content.decode()[:2000]
    with scopes_disabled():
        assert Household.objects.get(code="A-ROW").members.count() == 2
