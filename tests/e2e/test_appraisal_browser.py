"""A3 as a new user meets it, in a real Chromium: a reviewer on a phone-sized window (390×844) enters a
villagers' group's appraisals by keyboard and sees only their own; the officer closes the round and sees
the medians and the decisions to make."""

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from appraisal.models import Appraisal, Decision
from appraisal.services import entry as services_entry
from appraisal.services import panels as services_panels
from appraisal.services.entry import EntryInput
from sunshine_credit.scoping import scope_for_user
from tests.appraisal.factories import make_panel_world
from tests.e2e.browsing import login, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# Reviewer 1's appraisals of group 1组 (households A-0001, A-0003, A-0005), as typed: amount, reasons, rating key.
TYPED = [("5w", "", "2"), ("", "2 8", "3"), ("32000", "", "1")]
EXPECTED = [(Decimal("50000"), [], 2), (None, [2, 8], 3), (Decimal("32000"), [], 1)]
OTHERS = [Decimal("47000"), Decimal("51000"), Decimal("53000"), Decimal("60000")]  # reviewers 2–5, A-0001




def test_reviewer_on_a_phone_then_officer_closes(live_server, browser):
    world = make_panel_world(households=6)
    first = world["households"][0]
    for reviewer, amount in zip(world["reviewers"][1:], OTHERS, strict=True):
        services_entry.appraisal_save(actor=reviewer.user, panel_id=world["panel"].pk, household_id=first.pk,
                                      values=EntryInput(amount=amount, rating=2), version=0)
    reviewer = world["reviewers"][0]
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    login(page, live_server.url, reviewer.user.username)
    page.wait_for_url(f"{live_server.url}/appraisal/my/")          # a reviewer lands on their panels
    page.click("#my-panels a")
    page.click("#seat-groups a >> nth=0")                            # 1组
    # The cursor lands in the first amount cell (a :focus selector: no script evaluated under the page's CSP).
    page.locator("[name=amount]:focus").wait_for()
    for amount, reasons, rating in TYPED:
        if amount:
            page.keyboard.type(amount)
        page.keyboard.press("Enter")
        if reasons:
            page.keyboard.type(reasons)
        page.keyboard.press("Enter")
        page.keyboard.type(rating)                                   # one key fills the rating; the cursor stays
        assert page.evaluate("document.activeElement.name") == "rating"
        page.keyboard.press("Enter")                                 # Enter moves on, as in every cell
    assert page.evaluate("document.activeElement.id") == "entry-next"
    for row in page.locator("tr.entry-row").all():
        row.locator("[data-state=saved]").wait_for()
    # Nothing of the other reviewers' entries reaches this page, and the page fits the phone's width.
    text = page.content()
    for amount in OTHERS:
        assert f"{amount:,.0f}" not in text and str(int(amount)) not in text
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()

    with scopes_disabled():
        saved = {e.household.code: e for e in Appraisal.objects.filter(member__reviewer=reviewer)
                 .select_related("household")}
    codes = [h.code for h in world["households"] if h.group_id == world["g1"].pk]
    assert sorted(saved) == codes
    for code, (amount, reasons, rating) in zip(codes, EXPECTED, strict=True):
        assert (saved[code].amount, saved[code].withhold_reasons, saved[code].rating) == (amount, reasons, rating)

    officer = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    login(officer, live_server.url, world["tina"].username)
    officer.goto(f"{live_server.url}/appraisal/panels/{world['panel'].pk}/")
    assert "47,000" not in officer.content()                        # before closing: counts only
    officer.click("#close-round")
    officer.click("#confirm-action")                               # the confirmation page (issue 15 item 5)
    officer.locator("#panel-status").wait_for()
    assert officer.locator("#panel-status").inner_text() == "背靠背已结束：待决定"
    officer.click("#decisions-link")                                # the summary: every entry, now
    with scopes_disabled():
        decision = Decision.objects.get(household=first)
    row = officer.locator(f"#decision-{decision.pk}")
    cells = row.locator("td").all_inner_texts()
    for amount in [Decimal("50000"), *OTHERS]:
        assert any(cell.startswith(f"{amount:,.0f}") for cell in cells), amount
    assert "AA" in cells[3 + len(world["seats"])]                    # the median rating (all rated 2 = AA)
    assert "51,000" in cells[4 + len(world["seats"])]                # drop 47,000 and 60,000: mean 51,333 → 51,000
    assert row.get_attribute("data-status") == ""                    # a decision to make
    officer.click("#accept-computed")
    officer.locator(f"#decision-{decision.pk}[data-status=granted]").wait_for()
    with scopes_disabled():
        decision.refresh_from_db()
    assert (decision.status, decision.amount, decision.decided_by_id) == ("granted", Decimal("51000"),
                                                                          world["tina"].pk)


# --- issue 15 items 6 and 9: the reviewer grid's failures on a phone; the decisions page at 1366 px and on a phone --

SHOTS = "/tmp/grids_shots"
DESKTOP = {"width": 1366, "height": 768}


def message(page, name: str, selector: str = "#appraisal-grid") -> str:
    """One of the page's messages (data-msg-*), in the page's language: the tests do not depend on the catalog."""
    return page.locator(selector).get_attribute(f"data-msg-{name}")


def phone_page(browser):
    return new_page(browser, phone=True)


def test_reviewer_grid_tells_why_a_save_failed_on_a_phone(live_server, browser):
    world = make_panel_world(households=4)
    reviewer, first = world["reviewers"][0], world["households"][0]
    context, page = phone_page(browser)
    login(page, live_server.url, reviewer.user.username)
    page.wait_for_url(f"{live_server.url}/appraisal/my/")
    page.goto(f"{live_server.url}/appraisal/my/{world['panel'].pk}/groups/{world['g1'].pk}/")
    page.locator("[name=amount]:focus").wait_for()
    row = page.locator(f"tr[data-household='{first.pk}']")
    unsaved = page.locator("#entry-unsaved")

    page.route("**/save/", lambda route: route.fulfill(status=502, body="Bad gateway", content_type="text/plain"))
    page.keyboard.type("5w")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("2")
    page.keyboard.press("Enter")                                       # the row is left: it is saved
    row.locator("[data-error=server]").wait_for()
    assert message(page, "server").replace("{status}", "502") in row.locator(".entry-status").inner_text()
    assert message(page, "one", "#entry-unsaved") in unsaved.inner_text()
    status = row.locator(".entry-status [data-state]")
    box = status.bounding_box()                                        # the row's status, without scrolling sideways
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.screenshot(path=f"{SHOTS}/reviewer_phone_server_error.png")

    page.unroute("**/save/")
    page.route("**/save/", lambda route: route.abort("internetdisconnected"))
    row.locator(".entry-retry-row").click()
    row.locator("[data-error=network]").wait_for()
    assert message(page, "failed") in row.locator(".entry-status").inner_text()

    page.unroute("**/save/")
    page.locator("#entry-retry").click()
    row.locator("[data-state=saved]").wait_for()
    assert unsaved.inner_text().strip() == message(page, "none", "#entry-unsaved")

    # Someone saved this seat's entry meanwhile (another tab): stale, and the row reloads with the saved values.
    with scopes_disabled():
        entry = Appraisal.objects.get(member__reviewer=reviewer, household=first)
    services_entry.appraisal_save(actor=reviewer.user, panel_id=world["panel"].pk, household_id=first.pk,
                                  values=EntryInput(amount=Decimal(61000), rating=1), version=entry.version)
    row.locator("[name=amount]").focus()
    page.keyboard.type("7w")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("3")
    page.keyboard.press("Enter")                                       # leaving the row saves it
    row.locator("[data-error=stale]").wait_for()
    assert message(page, "stale") in row.locator(".entry-status").inner_text()
    page.screenshot(path=f"{SHOTS}/reviewer_phone_stale.png")
    row.locator(".entry-reload").click()
    row.locator("[data-state=saved]").wait_for()
    assert (row.locator("[name=amount]").input_value(), row.locator("[name=rating]").input_value()) == ("61,000", "1")
    context.close()


def closed_world():
    """make_panel_world with six households, every reviewer's entry, the round closed, one household flagged."""
    world = make_panel_world(households=6)
    for index, household in enumerate(world["households"]):
        for seat_index, reviewer in enumerate(world["reviewers"]):
            values = (EntryInput(reasons=[2, 8]) if index == 1 and seat_index < 3 else
                      EntryInput(amount=Decimal(45000 + 1000 * seat_index + 10000 * index), rating=1 + seat_index % 3))
            services_entry.appraisal_save(actor=reviewer.user, panel_id=world["panel"].pk, household_id=household.pk,
                                          values=values, version=0)
    with scopes_disabled():
        world["panel"].refresh_from_db()
    services_panels.round_close(scope=scope_for_user(world["tina"]), actor=world["tina"], panel_id=world["panel"].pk,
                                version=world["panel"].version)
    with scopes_disabled():
        Decision.objects.filter(household=world["households"][3]).update(precheck_flags=[2, 5])
    return world


def test_decision_summary_fits_1366_and_is_cards_on_a_phone(live_server, browser):
    world = closed_world()
    context = browser.new_context(locale="zh-CN", viewport=DESKTOP)
    page = context.new_page()
    login(page, live_server.url, world["tina"].username)
    page.goto(f"{live_server.url}/appraisal/panels/{world['panel'].pk}/decisions/")
    page.locator("#decision-table details summary >> nth=0").click()  # an open decision form, the widest row
    assert page.evaluate("document.scrollingElement.scrollWidth") <= DESKTOP["width"]
    assert page.evaluate("(t => t.scrollWidth <= t.parentElement.clientWidth)(document.getElementById('decision-table'))")
    page.screenshot(path=f"{SHOTS}/decisions_1366.png", full_page=True)

    page.set_viewport_size(PHONE)
    assert page.evaluate("getComputedStyle(document.querySelector('#decision-table tbody tr')).display") == "block"
    assert page.evaluate("getComputedStyle(document.querySelector('#decision-table thead')).display") == "none"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    first = page.locator("#decision-table tbody tr >> nth=0")
    assert first.bounding_box()["width"] <= PHONE["width"]
    label = page.evaluate("getComputedStyle(document.querySelector('#decision-table tbody td'), '::before').content")
    assert label.strip('"') == page.locator("#decision-table tbody td >> nth=0").get_attribute("data-label") != ""
    page.screenshot(path=f"{SHOTS}/decisions_phone_officer.png", full_page=True)
    context.close()

    # The reviewers sign off on their phones: the same summary, as cards.
    context, page = phone_page(browser)
    login(page, live_server.url, world["reviewers"][0].user.username)
    page.wait_for_url(f"{live_server.url}/appraisal/my/")
    page.goto(f"{live_server.url}/appraisal/my/{world['panel'].pk}/decisions/")
    assert page.evaluate("getComputedStyle(document.querySelector('#decision-table tbody tr')).display") == "block"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=f"{SHOTS}/decisions_phone_reviewer.png", full_page=True)
    context.close()


def test_a_refused_decision_is_shown_in_its_households_row(live_server, browser):
    world = closed_world()
    with scopes_disabled():
        decision = Decision.objects.get(household=world["households"][0])
    context = browser.new_context(locale="zh-CN", viewport=DESKTOP)
    page = context.new_page()
    login(page, live_server.url, world["tina"].username)
    page.goto(f"{live_server.url}/appraisal/panels/{world['panel'].pk}/decisions/")
    row = page.locator(f"#decision-{decision.pk}")
    row.locator("summary").click()
    row.locator("[name=amount]").fill("30000")                        # a changed amount without its reason
    row.locator("[name=reason]").fill("")
    row.locator("button[type=submit]").click()
    error = row.locator(".decision-error")
    error.wait_for()
    assert error.inner_text() != "" and error.inner_text() in page.locator(".alert-danger").inner_text()
    assert "is-invalid" in row.locator("[name=reason]").get_attribute("class")
    assert row.locator("[name=amount]").input_value() == "30000"       # what was typed stays
    assert row.locator("details").get_attribute("open") is not None
    page.screenshot(path=f"{SHOTS}/decision_refused.png")
    row.locator("[name=reason]").fill("家庭负债较多")
    row.locator("button[type=submit]").click()
    page.locator(f"#decision-{decision.pk}[data-status=granted]").wait_for()
    assert page.locator(".decision-error").count() == 0
    context.close()
