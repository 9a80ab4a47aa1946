"""V4 as a villager lives it, in a real Chromium on a 390×844 phone: the QR code on loan officer tina's card opens
the evaluation form; the villager rates her "有问题" with a comment and gets a reference number; head-office audit
records the outcome on its list; the villager looks the reply up by the reference. Screenshots in
$E2E_SHOTS (default: pytest's tmp_path)."""

import os
from pathlib import Path

import pytest

from supervision.models import Complaint, ComplaintChannel
from supervision.services.complaints import channels_ensure
from tests.e2e.browsing import login, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_villager_scans_officer_card_files_evaluation_and_reads_reply(live_server, browser, phone, county, tmp_path):
    shots = Path(os.environ.get("E2E_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    channels_ensure(scope=county.scope(county.aude))
    token = ComplaintChannel.objects.get(officer=county.tina).token

    phone.goto(f"{live_server.url}/public/complaint/?officer={token}")
    assert phone.locator("#complaint-privacy").is_visible()
    # Nothing overflows the phone's width.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(shots / "complaint-form.png"), full_page=True)
    # Submitting without a rating: the error names the field, nothing is written.
    phone.check("input[name=kind][value=evaluation]")
    phone.click("#complaint-form button[type=submit]")
    assert phone.locator("#form-errors li[data-field=rating]").count() == 1
    phone.screenshot(path=str(shots / "complaint-form-error.png"), full_page=True)
    assert not Complaint.objects.exists()

    phone.check("input[name=rating][value=problem]")
    phone.fill("textarea[name=content]", "办贷时让我跑了三趟，材料一次没讲清楚。")
    phone.click("#complaint-form button[type=submit]")
    phone.wait_for_url("**/complaint/done/**")
    reference = phone.inner_text("#reference").strip()
    phone.screenshot(path=str(shots / "complaint-done.png"), full_page=True)
    complaint = Complaint.objects.get(reference=reference)
    assert (complaint.officer, complaint.rating, complaint.status) == (county.tina, "problem", "open")

    # Head-office audit handles it (the branch never sees it).
    context, desk = new_page(browser)
    login(desk, live_server.url, county.aude.username)
    desk.goto(f"{live_server.url}/complaints/?todo=handle")
    desk.click(f"tr[data-reference={reference}] a")
    desk.fill("textarea[name=result]", "已约谈信贷员，要求一次性告知材料清单。")
    desk.fill("textarea[name=reply]", "您反映的问题已核实，已要求信贷员一次性告知所需材料。感谢监督！")
    desk.click("#complaint-handle-form button[type=submit]")
    desk.wait_for_selector("[data-status=handled]")
    desk.screenshot(path=str(shots / "complaint-handled.png"), full_page=True)
    context.close()

    phone.goto(f"{live_server.url}/public/complaint/lookup/")
    phone.fill("input[name=reference]", reference.lower())
    phone.click("#complaint-lookup-form button[type=submit]")
    text = phone.locator("#lookup-result").inner_text()
    phone.screenshot(path=str(shots / "complaint-lookup.png"), full_page=True)
    assert "一次性告知所需材料" in text and reference in text
    assert "约谈" not in phone.inner_text("body")  # audit's own result stays internal
