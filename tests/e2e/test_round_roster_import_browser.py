"""Issue 15, "Done when", in a real Chromium: an officer imports a roster during an open round and the round's
grids stay as they were. A reviewer on a phone saves a row of 1组; the officer uploads a §11 roster with three
new households of 东岭村 1组 and confirms it; the reviewer reloads and sees the same households, their value
still saved. The officer archives the newcomers from the village's household list: the panel page lists them as
waiting for the next round, and the reviewer's grid still does not change."""

import datetime

import pytest
from django_scopes import scopes_disabled

from appraisal.models import PanelHousehold
from households.models import ArchiveStatus, Household
from tests.appraisal.factories import make_panel_world
from tests.e2e.browsing import login
from tests.factories import make_id_number
from tests.households.roster_files import roster_bytes, roster_row

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
NEW = ["A-NEW-001", "A-NEW-002", "A-NEW-003"]




def grid(page) -> list[tuple[str, str]]:
    """(household code, amount shown) of every row of the reviewer's grid."""
    rows = page.locator("tr.entry-row")
    rows.first.wait_for()
    return [(row.locator("td:first-child .mono").inner_text().strip(), row.locator("[name=amount]").input_value())
            for row in rows.all()]


def test_a_roster_imported_during_the_round_leaves_the_reviewers_grid_as_it_was(live_server, browser, page,
                                                                                  tmp_path):
    world = make_panel_world(households=4)                       # A-0001, A-0003 in 1组
    roster = tmp_path / "roster.xlsx"
    roster.write_bytes(roster_bytes([
        roster_row(world.branch_a.code, world.v_a.code, code, f"新户{i}",
                   make_id_number(datetime.date(1975, 3, 1), sequence=700 + i), group=world.g1.name,
                   address=f"东岭村1组{20 + i}号")
        for i, code in enumerate(NEW)]))

    phone = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    phone.set_default_timeout(15000)
    login(phone, live_server.url, world.reviewers[0].user.username)
    phone.click("#my-panels a")
    phone.click("#seat-groups a >> nth=0")                          # 1组
    phone.locator("[name=amount]:focus").wait_for()
    phone.keyboard.type("45000")
    phone.keyboard.press("Enter")
    phone.keyboard.press("Enter")
    phone.keyboard.type("2")
    phone.keyboard.press("Enter")                                    # leaving the row saves it
    phone.locator("tr.entry-row >> nth=0").locator("[data-state=saved]").wait_for()
    before = grid(phone)
    assert before == [("A-0001", "45,000"), ("A-0003", "")]

    login(page, live_server.url, world.tina.username)                # the officer, on a desktop
    page.goto(f"{live_server.url}/households/imports/")
    page.set_input_files("input[type=file]", str(roster))
    page.click("#upload-form button[type=submit]")
    page.click("#confirm-import")
    page.locator("#import-done").wait_for()
    with scopes_disabled():
        assert set(Household.objects.filter(code__in=NEW, group=world.g1).values_list("code", flat=True)) == set(NEW)

    phone.reload()
    assert grid(phone) == before                                      # the same households, the value still there
    assert phone.locator("tr.entry-row >> nth=0").locator("[data-state=saved]").count() == 1

    # The officer archives the newcomers (建档) from 东岭村's list; they wait for the next round.
    page.goto(f"{live_server.url}/households/?village={world.v_a.pk}")
    for code in NEW:
        page.check(f"#household-table input[aria-label='{code}']")
    page.click("#bulk-archive button[type=submit]")
    page.wait_for_load_state()
    with scopes_disabled():
        assert Household.objects.filter(code__in=NEW, archive_status=ArchiveStatus.ARCHIVED).count() == 3
        assert set(PanelHousehold.objects.filter(panel=world.panel).values_list("household__code", flat=True)) == {
            "A-0001", "A-0002", "A-0003", "A-0004"}
    page.goto(f"{live_server.url}/appraisal/panels/{world.panel.pk}/")
    assert "4" in page.locator("#round-households").inner_text()
    waiting = page.locator("#households-waiting")
    assert "3" in waiting.locator("summary").inner_text()
    waiting.locator("summary").click()
    listed = waiting.inner_text()
    assert all(code in listed for code in NEW) and "A-0001" not in listed

    phone.reload()
    assert grid(phone) == before
    phone.context.close()
