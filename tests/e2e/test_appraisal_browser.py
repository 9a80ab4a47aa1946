"""A3 as a new user meets it, in a real Chromium: a reviewer on a phone-sized window (390×844) enters a
villagers' group's appraisals by keyboard and sees only their own; the officer closes the round and sees
the medians and the decisions to make."""

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from appraisal.models import Appraisal, Decision
from appraisal.services import entry as services_entry
from appraisal.services.entry import EntryInput
from tests.appraisal.factories import make_panel_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# Reviewer 1's appraisals of group 1组 (households A-0001, A-0003, A-0005), as typed: amount, reasons, rating key.
TYPED = [("5w", "", "2"), ("", "2 8", "3"), ("32000", "", "1")]
EXPECTED = [(Decimal("50000"), [], 2), (None, [2, 8], 3), (Decimal("32000"), [], 1)]
OTHERS = [Decimal("47000"), Decimal("51000"), Decimal("53000"), Decimal("60000")]  # reviewers 2–5, A-0001


def login(page, url, username):
    page.goto(f"{url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")


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
        page.keyboard.type(rating)                                   # one key: fills the rating and moves on
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
