"""A loan officer, in a real Chromium, types one household's six questionnaires (S2) by keyboard alone:
one grid per respondent, no clicks once the grid is shown, each row saved as the cursor leaves it.
The keystrokes per questionnaire are counted and printed (run with -s to see them)."""

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from surveys.models import Questionnaire
from tests.factories import HouseholdFactory, MemberFactory, VillageFactory, VillageGroupFactory, staff_for
from tests.surveys.factories import CampaignFactory, RespondentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# What each respondent said about household A-0001, as typed: one string per cell, in column order
# (经营项目, 成员务工, 总资产, 总负债, 净收入, 可授信额度, 待授信原因). None in 成员务工 keeps the prefilled 否.
# The row starts with 授信代表人 (a choice: Enter keeps the household's representative).
TYPED = {
    "R01": ["1 7", None, "20w", "2w", "8w", "8w", ""],
    "R02": ["1", "y", "25w", "3w", "9w", "8.5w", ""],
    "R03": ["1,7", None, "30w", "", "10w", "9w", ""],
    "R04": ["1.7", None, "20w", "2w", "8w", "8.3w", ""],
    "R05": ["1", None, "18w", "5w", "6w", "40000", ""],
    "R06": ["1 2", None, "20w", "2w", "8w", "", "2 8"],
}
EXPECTED = {  # business codes, members away, assets, liabilities, income, amount, reasons
    "R01": ([1, 7], False, "200000", "20000", "80000", "80000", []),
    "R02": ([1], True, "250000", "30000", "90000", "85000", []),
    "R03": ([1, 7], False, "300000", None, "100000", "90000", []),
    "R04": ([1, 7], False, "200000", "20000", "80000", "83000", []),
    "R05": ([1], False, "180000", "50000", "60000", "40000", []),
    "R06": ([1, 2], False, "200000", "20000", "80000", None, [2, 8]),
}


class Keyboard:
    """page.keyboard, counting key presses (one per character typed, one per key pressed)."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def type(self, text: str):
        self.page.keyboard.type(text)
        self.count += len(text)

    def press(self, key: str):
        self.page.keyboard.press(key)
        self.count += 1


def type_row(keyboard: Keyboard, cells: list, representative: str = ""):
    """Every cell alike (issue 15): type its value, if any, then Enter. 成员务工 included: typing never moves on."""
    for text in [representative, *cells]:
        if text:
            keyboard.type(text)
        keyboard.press("Enter")


def test_officer_types_six_questionnaires_by_keyboard(live_server, page):
    with scopes_disabled():
        village = VillageFactory(name="东岭村")
        group = VillageGroupFactory(village=village, name="1组")
        target = HouseholdFactory(village=village, group=group, code="A-0001", head__name="李大山")
        HouseholdFactory(village=village, group=group, code="A-0002", head__name="陈二")
        respondents = {code: RespondentFactory(village=village, code=code, name=f"评{code}") for code in TYPED}
        campaign = CampaignFactory()
        officer = staff_for(village, user__username="officer_survey").user

    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", officer.username)
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    counts = {}
    for code, cells in TYPED.items():
        page.goto(f"{live_server.url}/surveys/entry/{campaign.pk}/{village.pk}/{group.pk}/{respondents[code].pk}/")
        # The cursor starts in the first cell of the first row not yet saved: no click, no Tab.
        page.locator(f"tr[data-household='{target.pk}'] [name=representative]:focus").wait_for()
        keyboard = Keyboard(page)
        type_row(keyboard, cells)
        counts[code] = keyboard.count
        # Enter on the last cell moved the cursor to the next household's row; leaving the row saved it.
        assert page.evaluate("document.activeElement.closest('tr').dataset.household") != str(target.pk)
        page.locator(f"tr[data-household='{target.pk}'] [data-state=saved]").wait_for()
        assert page.locator(f"tr[data-household='{target.pk}'] [name=total_assets]").input_value() != ""

    print("\nkeystrokes per questionnaire:", counts, "mean", sum(counts.values()) / len(counts))
    assert max(counts.values()) <= 24

    with scopes_disabled():
        saved = {q.respondent.code: q for q in Questionnaire.objects.filter(household=target)
                 .select_related("respondent")}
    assert set(saved) == set(TYPED)
    for code, (business, away, assets, liabilities, income, amount, reasons) in EXPECTED.items():
        q = saved[code]
        money = [None if v is None else Decimal(v) for v in (assets, liabilities, income, amount)]
        assert [q.business_codes, q.members_away, q.total_assets, q.total_liabilities, q.net_income, q.amount,
                q.withhold_reasons] == [business, away, *money, reasons], code
        assert q.campaign_id == campaign.pk and q.surveyor_id == officer.pk
        assert q.representative_id == target.representative_id and q.version == 1


def test_a_row_error_is_shown_on_the_row_and_fixed_by_keyboard(live_server, page):
    with scopes_disabled():
        village = VillageFactory(name="东岭村")
        group = VillageGroupFactory(village=village, name="1组")
        target = HouseholdFactory(village=village, group=group, code="A-0001")
        HouseholdFactory(village=village, group=group, code="A-0002")
        respondent = RespondentFactory(village=village, code="R01")
        campaign = CampaignFactory()
        officer = staff_for(village, user__username="officer_survey2").user

    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", officer.username)
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/surveys/entry/{campaign.pk}/{village.pk}/{group.pk}/{respondent.pk}/")
    page.locator("[name=representative]:focus").wait_for()

    row = page.locator(f"tr[data-household='{target.pk}']")
    type_row(Keyboard(page), ["1 17", None, "20w", "2w", "8w", "", ""])   # code 17 and neither amount nor reason
    row.locator("[data-state=error]").wait_for()
    assert row.locator(".is-invalid").count() == 2
    assert "17" in row.locator(".entry-status").inner_text()
    assert row.locator(".entry-net").inner_text() == "180,000"
    for _ in range(8):
        page.keyboard.press("Shift+Tab")                                    # back to the first cell of the row
    type_row(Keyboard(page), ["1 7", None, "20w", "2w", "8w", "8w", ""])
    row.locator("[data-state=saved]").wait_for()
    assert row.locator(".is-invalid").count() == 0
    with scopes_disabled():
        q = Questionnaire.objects.get(household=target)
    assert q.business_codes == [1, 7] and q.amount == Decimal(80000)


# --- issue 15 items 6 and 9: every cell alike, the representative by keyboard, why a save failed -----------------

SHOTS = "/tmp/grids_shots"


def grid_world(username: str, members: int = 0):
    with scopes_disabled():
        village = VillageFactory(name="东岭村")
        group = VillageGroupFactory(village=village, name="1组")
        target = HouseholdFactory(village=village, group=group, code="A-0001", head__name="李大山")
        spouses = [MemberFactory(household=target, name=f"王秀英{i}") for i in range(members)]
        HouseholdFactory(village=village, group=group, code="A-0002", head__name="陈二")
        respondent = RespondentFactory(village=village, code="R01")
        campaign = CampaignFactory()
        officer = staff_for(village, user__username=username).user
    return village, group, target, spouses, respondent, campaign, officer


def message(page, name: str, selector: str = "#entry-grid") -> str:
    """One of the page's messages (data-msg-*), in the page's language: the tests do not depend on the catalog."""
    return page.locator(selector).get_attribute(f"data-msg-{name}")


def open_grid(live_server, page, world):
    village, group, target, _spouses, respondent, campaign, officer = world
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", officer.username)
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/surveys/entry/{campaign.pk}/{village.pk}/{group.pk}/{respondent.pk}/")
    page.locator(f"tr[data-household='{target.pk}'] [name=representative]:focus").wait_for()
    return page.locator(f"tr[data-household='{target.pk}']")


def test_a_full_row_typed_with_enter_lands_every_value_in_its_column(live_server, page):
    world = grid_world("officer_columns", members=2)
    target, spouses = world[2], world[3]
    row = open_grid(live_server, page, world)
    options = row.locator("[name=representative] option").all_inner_texts()
    number = next(text.split()[0] for text in options if spouses[1].name in text)
    # Every value followed by Enter, 成员务工's one key too: nothing moves on by itself, so nothing shifts.
    type_row(Keyboard(page), ["1 7", "1", "20w", "2w", "8w", "8w", ""], representative=number)
    row.locator("[data-state=saved]").wait_for()
    assert page.evaluate("document.activeElement.closest('tr').dataset.household") != str(target.pk)
    assert row.locator("[name=members_away]").input_value() == "是"
    with scopes_disabled():
        q = Questionnaire.objects.get(household=target)
    assert [q.business_codes, q.members_away, q.total_assets, q.total_liabilities, q.net_income, q.amount,
            q.withhold_reasons] == [[1, 7], True, Decimal(200000), Decimal(20000), Decimal(80000), Decimal(80000), []]
    assert q.representative_id == spouses[1].pk                      # chosen by its number, by keyboard

    # The arrow keys choose too: back to the first row, one choice up, leave the row.
    page.keyboard.press("Shift+Tab")
    for _ in range(7):
        page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.name") == "representative"
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Shift+Tab")                                  # leaves the row: saved
    row.locator("[data-state=saved]").wait_for()
    with scopes_disabled():
        q.refresh_from_db()
    assert q.representative_id != spouses[1].pk and q.version == 2


def test_why_a_save_failed_is_shown_in_the_row_with_the_unsaved_count(live_server, page):
    world = grid_world("officer_failures")
    target = world[2]
    row = open_grid(live_server, page, world)
    unsaved = page.locator("#entry-unsaved")
    assert unsaved.inner_text().strip() == message(page, "none", "#entry-unsaved")

    # A server error: its own message and the count of unsaved rows, which stays on screen.
    page.route("**/save/", lambda route: route.fulfill(status=500, body="<h1>Server Error (500)</h1>",
                                                       content_type="text/html"))
    type_row(Keyboard(page), ["1", "", "20w", "2w", "8w", "8w", ""])
    row.locator("[data-error=server]").wait_for()
    assert message(page, "server").replace("{status}", "500") in row.locator(".entry-status").inner_text()
    assert message(page, "login") not in row.locator(".entry-status").inner_text()
    assert message(page, "one", "#entry-unsaved") in unsaved.inner_text()             # e.g. 1 行未保存
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    box = unsaved.bounding_box()
    assert box is not None and box["y"] >= 0                             # sticky: still in view
    page.screenshot(path=f"{SHOTS}/survey_server_error.png")

    # The network fails: another message.
    page.unroute("**/save/")
    page.route("**/save/", lambda route: route.abort())
    row.locator(".entry-retry-row").click()
    row.locator("[data-error=network]").wait_for()
    assert message(page, "failed") in row.locator(".entry-status").inner_text()

    # Leaving the page with the row unsaved asks first.
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.locator("#entry-next").click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]

    # The network is back: Retry saves the row and the count clears.
    page.unroute("**/save/")
    page.locator("#entry-retry").click()
    row.locator("[data-state=saved]").wait_for()
    assert unsaved.inner_text().strip() == message(page, "none", "#entry-unsaved")
    with scopes_disabled():
        assert Questionnaire.objects.get(household=target).amount == Decimal(80000)


def test_a_stale_row_says_so_and_reloads(live_server, page):
    world = grid_world("officer_stale")
    _village, _group, target, _spouses, respondent, campaign, officer = world
    row = open_grid(live_server, page, world)
    with scopes_disabled():  # someone else saves the same questionnaire after the grid was loaded
        Questionnaire.objects.create(campaign=campaign, household=target, respondent=respondent, version=3,
                                     business_codes=[2], total_assets=Decimal(90000), net_income=Decimal(50000),
                                     amount=Decimal(30000), surveyor=officer, surveyed_on="2026-01-05")
    type_row(Keyboard(page), ["1", "", "20w", "2w", "8w", "8w", ""])
    row.locator("[data-error=stale]").wait_for()
    assert message(page, "stale") in row.locator(".entry-status").inner_text()
    row.locator(".entry-reload").click()                                 # the saved values replace the typed ones
    row.locator("[data-state=saved]").wait_for()
    assert row.locator("[name=amount]").input_value() == "30,000"
    assert row.get_attribute("data-version") == "3"


def test_on_a_phone_the_row_status_is_in_view(live_server, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    world = grid_world("officer_phone")
    row = open_grid(live_server, page, world)
    type_row(Keyboard(page), ["1", "", "20w", "2w", "8w", "", ""])    # neither amount nor reason: refused
    status = row.locator(".entry-status [data-state]")
    status.wait_for()
    row.locator("[data-state=error]").wait_for()
    box = status.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    page.screenshot(path=f"{SHOTS}/survey_phone.png")
    context.close()


def test_logged_out_says_so_and_retry_works_after_logging_in_again(live_server, page):
    world = grid_world("officer_logout")
    target, officer = world[2], world[6]
    row = open_grid(live_server, page, world)
    page.context.clear_cookies()                                         # the session ended
    type_row(Keyboard(page), ["1", "", "20w", "2w", "8w", "8w", ""])
    row.locator("[data-error=logged_out]").wait_for()
    assert message(page, "login") in row.locator(".entry-status").inner_text()
    # Logging in again in another tab gives a new CSRF token: the grid fetches it and the retry goes through.
    other = page.context.new_page()
    other.goto(f"{live_server.url}/login/")
    other.fill("input[name=username]", officer.username)
    other.fill("input[name=password]", "pass-word-123")
    other.click("button[type=submit]")
    other.wait_for_url(f"{live_server.url}/")
    row.locator(".entry-retry-row").click()
    row.locator("[data-state=saved]").wait_for()
    with scopes_disabled():
        assert Questionnaire.objects.get(household=target).amount == Decimal(80000)
