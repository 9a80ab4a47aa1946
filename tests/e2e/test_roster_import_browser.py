"""A loan officer, in a real Chromium: log in, import a roster through the upload page (first with a
wrong check digit in row 57, then fixed), and find a household by name."""

import pytest

from tests.factories import StaffFactory, VillageFactory
from tests.households.roster_files import roster_bytes
from tests.households.test_roster_import import households_rows

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_officer_imports_a_roster_and_finds_a_household(live_server, page, tmp_path):
    village = VillageFactory(code="BR01V01", branch__code="BR01")
    officer = StaffFactory(branch=village.branch, villages=[village], user__username="officer_e2e")
    rows = households_rows(village, 40, 2)
    rows[10][5] = "欧阳春花"  # the head of household BR01V01-00006 (sheet row 12)
    good = rows[55][6]
    rows[55][6] = good[:17] + ("0" if good[17] != "0" else "1")
    bad, fixed = tmp_path / "roster-bad.xlsx", tmp_path / "roster.xlsx"
    bad.write_bytes(roster_bytes(rows))
    rows[55][6] = good
    fixed.write_bytes(roster_bytes(rows))

    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", officer.user.username)
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/households/imports/")
    page.set_input_files("input[type=file]", str(bad))
    page.click("#upload-form button[type=submit]")
    errors = page.locator("#import-errors")
    errors.wait_for()
    assert "第57行" in errors.inner_text() or "Row 57" in errors.inner_text()
    assert "身份证号码" in errors.inner_text() and "校验" in errors.inner_text()
    assert page.locator("#confirm-import").count() == 0

    page.goto(f"{live_server.url}/households/imports/")
    page.set_input_files("input[type=file]", str(fixed))
    page.click("#upload-form button[type=submit]")
    page.click("#confirm-import")
    page.locator("#import-done").wait_for()

    page.goto(f"{live_server.url}/households/")
    page.fill("input[name=q]", "欧阳春花")
    page.keyboard.press("Enter")
    page.wait_for_url("**search=1**")
    table = page.locator("table").first.inner_text()
    assert "BR01V01-00006" in table and "欧阳春花" in table
    assert "BR01V01-00007" not in table
    assert rows[10][6] not in page.content() and rows[10][6][:6] in table  # IDs masked on the list (R5)
