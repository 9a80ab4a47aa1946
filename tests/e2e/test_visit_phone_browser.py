"""Issue 16 (C1) as the officer meets it, in a real Chromium on a phone-size window (390×844): the day's visit
list, the visit record filled in with a thumb, both signatures drawn on the screen (mouse strokes for the borrower,
touch-pointer strokes for the officer), and the saved visit shown with its signatures."""

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from post_loan.models import Visit
from post_loan.services.visits import schedule_visits
from tests.county import build_county
from tests.credit_use.factories_drawdowns import make_drawdown_world
from tests.e2e.browsing import login
from tests.post_loan.visit_world import loan

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/visit-e2e"


def draw_with_mouse(page, selector):
    box = page.locator(selector).bounding_box()
    x, y = box["x"] + 20, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 25):
        page.mouse.move(x + step * 12, y + (18 if step % 2 else -18), steps=2)
    page.mouse.up()


def draw_with_touch(page, selector):
    """A finger's stroke, as the phone's touch screen sends it (Chromium's touch input: pointer events of type
    "touch")."""
    box = page.locator(selector).bounding_box()
    x, y = box["x"] + 30, box["y"] + 40
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 20):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove",
                                              "touchPoints": [{"x": x + step * 14, "y": y + step * 4}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_an_officer_records_a_visit_on_the_phone_with_drawn_signatures(live_server, phone):
    import os

    os.makedirs(SHOTS, exist_ok=True)
    world = make_drawdown_world(build_county())
    d = loan(world, 0)
    with scopes_disabled():
        schedule_visits(today=timezone.localdate())
        visit = Visit.objects.get(drawdown=d)
    base, page = live_server.url, phone

    login(page, base, "tina")
    page.goto(f"{base}/post-loan/visits/")
    page.screenshot(path=f"{SHOTS}/1-list.png", full_page=True)
    page.click(f"a[data-visit='{visit.pk}']")
    page.wait_for_url(f"**/post-loan/visits/{visit.pk}/record/")
    # One column: nothing wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.fill("input[name=place]", "王一明家中")
    page.click("label[for=funds-1]")
    page.fill("textarea[name=operation]", "种植葡萄12亩，预计年收入6万元")
    page.check("#risk-debts")
    page.fill("textarea[name=risk_note]", "另欠亲戚2万元")
    page.fill("input[name=next_action]", "下季度回访")
    page.locator("#pad-borrower_signature").scroll_into_view_if_needed()
    draw_with_mouse(page, "#pad-borrower_signature")
    draw_with_touch(page, "#pad-officer_signature")
    assert page.input_value("#id_borrower_signature").startswith("data:image/png;base64,")
    assert page.input_value("#id_officer_signature").startswith("data:image/png;base64,")
    page.screenshot(path=f"{SHOTS}/2-form.png", full_page=True)
    page.click("#visit-save")
    page.wait_for_url(f"**/post-loan/visits/{visit.pk}/")
    page.screenshot(path=f"{SHOTS}/3-saved.png", full_page=True)

    assert page.locator("#visited-on").inner_text() == timezone.localdate().isoformat()
    for image in ("#img-borrower", "#img-officer"):
        assert page.evaluate(f"document.querySelector('{image}').naturalWidth") > 100  # the picture loaded
    with scopes_disabled():
        visit.refresh_from_db()
    assert visit.visited_on and visit.risks == ["debts"] and visit.borrower_signature and visit.officer_signature
    page.goto(f"{base}/post-loan/visits/?tab=done")
    assert page.locator(f"a[data-visit='{visit.pk}']").count() == 1
