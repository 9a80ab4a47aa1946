"""Issue 16 item 4 (C6, R2) in a real Chromium: the officer finds the risk classification in the post-loan menu, reads
PAR30 and the ageing tables, opens a village's 次级 loans and a loan's risk page, and asks for a downgrade with its
reason; she sees no way to approve it; the branch president approves it in the approvals inbox and the loan's page
shows the new grade and the change in its history."""

import pytest
from django.utils import timezone

from post_loan.services.classification import classify_all
from tests.county import build_county
from tests.e2e.browsing import login
from tests.post_loan.classification_world import overdue

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/risk-e2e"



def test_a_downgrade_is_asked_by_the_officer_and_approved_by_the_president(live_server, page):
    import os

    os.makedirs(SHOTS, exist_ok=True)
    county = build_county()
    today = timezone.localdate()
    overdue(county, 0, today=today, amount=30000)
    bad = overdue(county, 95, today=today, amount=10000)
    overdue(county, 400, today=today, amount=5000, village=county.v_a2)
    classify_all(today=today)
    base = live_server.url

    login(page, base, "tina")
    page.goto(f"{base}/post-loan/visits/")
    page.click("#post-loan-nav a[href='/post-loan/risk/']")
    assert page.locator("#par30-total").inner_text().strip() == "33.33 %"  # 15,000 of 45,000 over 30 days
    page.screenshot(path=f"{SHOTS}/1-report.png", full_page=True)
    page.click("#ageing-village a:has-text('东岭村')")
    page.click("#grade-filter a[href='?grade=3']")
    assert page.locator("#grade-table tbody tr").count() == 1
    page.click("#grade-table tbody a")
    page.wait_for_url(f"{base}/post-loan/risk/loans/{bad.pk}/")
    page.select_option("select[name=grade]", "4")
    page.fill("textarea[name=reason]", "借款人外出务工失联，担保人无力代偿")
    page.click("#grade-change-form button[type=submit]")
    assert page.locator("#change-pending").count() == 1
    page.goto(f"{base}/approvals/")
    assert page.locator(".approval-form button[value=approve]").count() == 0  # the maker has no button
    page.screenshot(path=f"{SHOTS}/2-pending.png", full_page=True)

    login(page, base, "pat")
    page.goto(f"{base}/approvals/")
    page.click(".approval-form button[value=approve]")
    page.wait_for_load_state()
    page.goto(f"{base}/post-loan/risk/loans/{bad.pk}/")
    assert page.locator("#manual").inner_text().strip() == "可疑"
    assert page.locator("#grade-history .change-row").count() == 1
    page.screenshot(path=f"{SHOTS}/3-approved.png", full_page=True)
