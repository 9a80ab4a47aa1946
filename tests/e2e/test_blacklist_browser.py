"""Issue 16 item 5 (C4, R2) in a real Chromium: the officer finds the blacklist from the post-loan menu, adds a
person with reason, source and evidence, asks for the removal; she cannot approve it herself (no button for her);
the branch president approves it in the approvals inbox and the entry shows who removed it and why."""

import pytest
from django_scopes import scopes_disabled

from sunshine_credit.models import BlacklistEntry
from tests.county import build_county
from tests.e2e.browsing import login
from tests.factories import make_id_number

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/blacklist-e2e"



def test_an_entry_is_added_and_removed_only_by_a_second_person(live_server, page):
    import os

    os.makedirs(SHOTS, exist_ok=True)
    build_county()
    number = make_id_number(sequence=77)
    base = live_server.url

    login(page, base, "tina")
    page.goto(f"{base}/post-loan/visits/")
    page.click("#post-loan-nav a[href='/post-loan/blacklist/']")
    page.click("#blacklist-add")
    page.fill("input[name=name]", "钱多多")
    page.fill("input[name=id_number]", number)
    page.fill("input[name=reason]", "恶意拖欠贷款本息")
    page.fill("input[name=source]", "清收台账")
    page.fill("textarea[name=evidence]", "律师函回执，(2026)执字第7号")
    page.click("#blacklist-form button[type=submit]")
    page.wait_for_url("**/post-loan/blacklist/*/")
    assert page.locator("#entry-id").inner_text() == number   # the maker sees the whole number
    page.fill("#removal-form textarea[name=reason]", "借款人已结清全部本息，经核实")
    page.click("#removal-form button[type=submit]")
    page.locator("#removal-pending").wait_for()
    page.screenshot(path=f"{SHOTS}/1-requested.png", full_page=True)

    page.goto(f"{base}/post-loan/blacklist/")
    page.fill("#blacklist-search input[name=q]", number)
    page.click("#blacklist-search-go")
    page.wait_for_url("**/post-loan/blacklist/?*search=1")
    assert number not in page.url                              # R5: no ID number in a URL
    assert page.locator(".blacklist-row").count() == 1
    assert number not in page.locator("#blacklist-table").inner_text()   # the list masks it
    page.screenshot(path=f"{SHOTS}/2-list.png", full_page=True)

    login(page, base, "pat")
    page.goto(f"{base}/approvals/")
    page.screenshot(path=f"{SHOTS}/3-inbox.png", full_page=True)
    page.click(".approval-form button[value=approve]")
    page.wait_for_load_state()
    with scopes_disabled():
        entry = BlacklistEntry.objects.get(id_number=number)
    assert not entry.active and entry.removed_by.username == "pat"
    page.goto(f"{base}/post-loan/blacklist/{entry.pk}/")
    assert page.locator("#entry-removed").count() == 1
    assert number not in page.locator("#entry-id").inner_text()   # a president is not a maker: masked
    page.screenshot(path=f"{SHOTS}/4-removed.png", full_page=True)
