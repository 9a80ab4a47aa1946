"""The staff navigation bar (templates/base.html) in a real Chromium: for each role's user, named like the demo's
(supervision/demo/county.py), the bar is one row on a 1366 px screen — every item of it side by side, the menu
button hidden — and its dropdowns open inside the window; on a 390 px phone the menu folds behind one button and
nothing scrolls sideways, with the menu and a dropdown open too. Screenshots: /tmp/shots/nav/."""

import os

import pytest
from django_scopes import scopes_disabled

from tests.e2e.browsing import login, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/shots/nav"
# county user → the demo's full name for that role (the bar shows name · role)
USERS = {"ada": "王建国", "sue": "李文华", "aude": "赵敏", "pat": "陈志强", "tina": "吴秀兰", "tom": "周丽",
         "reviewer": "孙德胜"}
# how many top-level entries each role's bar holds (a teller reads no dashboards, only the administrator has the
# administration menu, an external reviewer their panels alone)
ENTRIES = {"ada": 10, "sue": 9, "aude": 9, "pat": 9, "tina": 9, "tom": 8, "reviewer": 3}
# The bar's top-level entries: the links and dropdown buttons, the user's menu and the language switch.
TOP_LEVEL = "#main-nav > ul > li.nav-item, #main-nav > form"
ROWS = """selector => { const tops = [...document.querySelectorAll(selector)]
  .filter(el => el.offsetParent !== null).map(el => Math.round(el.getBoundingClientRect().top));
  return [tops.length, Math.max(...tops) - Math.min(...tops)]; }"""
SIDEWAYS = "document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    """R9's second factor is another test module's subject; here everyone signs in with the password."""
    settings.OTP_REQUIRED_ROLES = frozenset()


def nav_world():
    from tests.appraisal.factories import reviewer_with_login
    from tests.county import build_county

    county = build_county()
    with scopes_disabled():
        county.reviewer = reviewer_with_login(county.branch_a).user
        for username, name in USERS.items():
            user = county[username]
            user.first_name, user.last_name = name, ""
            user.save(update_fields=["first_name", "last_name"])
    return county


def one_row(page) -> tuple[int, int, float]:
    """(top-level entries shown, spread of their tops in px, the bar's height)."""
    shown, spread = page.evaluate(ROWS, TOP_LEVEL)
    return shown, spread, page.locator("#site-nav").bounding_box()["height"]


@pytest.mark.parametrize("who", list(USERS))
def test_the_bar_is_one_row_on_a_desk_and_folds_on_a_phone(live_server, browser, who):
    os.makedirs(SHOTS, exist_ok=True)
    county = nav_world()
    username = county[who].username
    context, desk = new_page(browser)
    login(desk, live_server.url, username)
    desk.goto(f"{live_server.url}/")
    assert not desk.locator("#main-nav-toggle").is_visible()  # expanded: no menu button
    assert "{#" not in desk.locator("body").inner_text()  # no template comment leaks onto the page
    shown, spread, height = one_row(desk)
    brand = desk.locator(".navbar-brand").bounding_box()
    desk.screenshot(path=f"{SHOTS}/{who}-1366.png", clip={"x": 0, "y": 0, "width": 1366, "height": 160})
    assert shown == ENTRIES[who], shown
    assert spread <= 4, f"{who}: the bar's entries sit on different rows ({spread} px apart)"
    assert height <= brand["height"] + 24, f"{who}: the bar is {height} px high"
    assert desk.evaluate(SIDEWAYS) <= 0
    # every dropdown opens inside the window, on top of the page
    for toggle in desk.locator("#main-nav .dropdown-toggle").all():
        toggle.click()
        menu = desk.locator(".dropdown-menu.show")
        assert menu.count() == 1 and menu.is_visible()
        box = menu.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1366, (who, toggle.inner_text(), box)
        assert menu.locator("a, button").first.is_visible()
        desk.keyboard.press("Escape")
    desk.locator("#nav-user").click()
    desk.screenshot(path=f"{SHOTS}/{who}-1366-user-menu.png", clip={"x": 0, "y": 0, "width": 1366, "height": 260})
    desk.keyboard.press("Escape")
    context.close()

    context, phone = new_page(browser, phone=True)
    login(phone, live_server.url, username)
    phone.goto(f"{live_server.url}/")
    assert phone.locator("#main-nav-toggle").is_visible() and not phone.locator("#main-nav").is_visible()
    assert phone.locator("#site-nav").bounding_box()["height"] < 80  # folded: brand and button only
    assert phone.evaluate(SIDEWAYS) <= 0, f"{who}: the phone page scrolls sideways"
    phone.screenshot(path=f"{SHOTS}/{who}-390.png")
    phone.locator("#main-nav-toggle").click()
    phone.locator("#main-nav.show").wait_for()  # (a locator: the CSP refuses the eval of a JS predicate)
    toggles = phone.locator("#main-nav .dropdown-toggle")
    toggles.nth(0 if who == "reviewer" else 2).click()  # a dropdown opens in place, under its button
    assert phone.locator(".dropdown-menu.show").is_visible()
    assert phone.evaluate(SIDEWAYS) <= 0, f"{who}: the open menu scrolls sideways"
    phone.screenshot(path=f"{SHOTS}/{who}-390-open.png", full_page=True)
    context.close()


def test_the_bar_is_one_row_in_english_too(live_server, browser):
    """The administrator's bar (the most entries) in English, whose labels are the longest."""
    county = nav_world()
    context, desk = new_page(browser)
    login(desk, live_server.url, county.ada.username)
    desk.goto(f"{live_server.url}/")
    desk.locator("button[name=language][value=en]").click()
    desk.locator("html[lang=en]").wait_for(state="attached")
    shown, spread, _height = one_row(desk)
    desk.screenshot(path=f"{SHOTS}/ada-1366-en.png", clip={"x": 0, "y": 0, "width": 1366, "height": 160})
    assert shown == ENTRIES["ada"] and spread <= 4, (shown, spread)
    context.close()
