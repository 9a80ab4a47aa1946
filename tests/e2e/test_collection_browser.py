"""Issue 16 items 2–3 (C2/C3/C7) in a real Chromium: a loan went overdue yesterday; the daily steps issued the
overdue notices (borrower and guarantor) and opened its case. The officer finds them under Letters as undelivered,
records the borrower's signed receipt, sees it delivered, opens the collection case — the limitation period now
runs from the delivery — and logs a promise to pay."""

import datetime
import os

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from post_loan.models import CollectionCase, Letter
from post_loan.services.collection import open_cases
from post_loan.services.letters import issue_due_letters
from tests.county import build_county
from tests.e2e.browsing import login
from tests.post_loan.collection_world import make_collection_world, overdue_loan

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/collection-e2e"



def test_the_officer_delivers_the_overdue_notice_and_works_the_case(live_server, page):
    os.makedirs(SHOTS, exist_ok=True)
    county = make_collection_world(build_county())
    today = timezone.localdate()
    loan = overdue_loan(county, 3, guarantors=(1,), due_on=today - datetime.timedelta(days=1))
    open_cases(today=today)
    issue_due_letters(today=today)
    with scopes_disabled():
        borrower = Letter.objects.get(drawdown=loan, recipient=county.h[3])
        case = CollectionCase.objects.get(drawdown=loan)
    base = live_server.url

    login(page, base, "tina")
    page.goto(f"{base}/post-loan/visits/")
    page.click("#post-loan-nav a[href='/post-loan/letters/']")
    page.select_option("#letter-filter select[name=delivery]", "undelivered")
    page.click("#letter-filter button[type=submit]")
    assert page.locator(".letter-row.undelivered").count() == 2  # borrower and guarantor
    page.screenshot(path=f"{SHOTS}/1-undelivered.png", full_page=True)

    page.click(f"tr[data-letter='{borrower.pk}'] a.btn")
    page.fill("input[name=delivered_to]", "王四明")
    page.check("input[name=signed]")
    page.screenshot(path=f"{SHOTS}/2-receipt.png", full_page=True)
    page.click("#receipt-form button[type=submit]")
    page.wait_for_url("**/post-loan/letters/?*")
    assert page.locator(f"tr[data-letter='{borrower.pk}'].delivered").count() == 1

    page.click("#post-loan-nav a[href='/post-loan/cases/']")
    page.click(f"tr[data-case='{case.pk}'] a")
    clock = page.locator("#limitation-clock").inner_text()
    assert today.isoformat() in clock and today.replace(year=today.year + 3).isoformat() in clock
    page.click("#case-log-add summary")
    page.select_option("#entry-form select[name=kind]", "promise")
    page.fill("#entry-form input[name=promised_amount]", "5000")
    page.fill("#entry-form input[name=promised_by]", (today + datetime.timedelta(days=10)).isoformat())
    page.fill("#entry-form textarea[name=note]", "电话联系，承诺下旬先还5000元")
    page.click("#entry-form button[type=submit]")
    page.wait_for_url(f"**/post-loan/cases/{case.pk}/")
    assert "承诺下旬先还5000元" in page.locator("#case-log").inner_text()
    page.screenshot(path=f"{SHOTS}/3-case.png", full_page=True)
