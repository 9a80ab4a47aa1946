"""P4 as the village lives it, in a real Chromium: a villager opens the board's QR link on a phone, objects
anonymously to line 2 and gets a reference number; the officer sees the line frozen and records the panel's
reconsideration (amount lowered, with reasons); the villager looks the outcome up by the reference."""

import pytest
from django_scopes import scopes_disabled

from publicity.models import ItemStatus, NoticeItem
from tests.publicity.factories import make_notice_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_villager_objects_officer_reconsiders_villager_reads_the_outcome(live_server, browser, page, tmp_path):
    world = make_notice_world(households=4)
    notice = world["notice"]
    with scopes_disabled():
        tina = world["tina"]
        tina.set_password("pass-word-123")
        tina.save()

    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    villager = phone.new_page()
    villager.goto(f"{live_server.url}/public/n/{notice.public_token}/")
    villager.select_option("select[name=line_no]", "2")
    villager.fill("textarea[name=content]", "该户常年在外打工，家中无人经营，额度偏高。")
    villager.click("#objection-form button[type=submit]")
    villager.wait_for_url("**/done/**")
    villager.screenshot(path=str(tmp_path / "objection-done.png"), full_page=True)
    reference = villager.url.rstrip("/").rsplit("/", 1)[-1]
    assert reference in villager.inner_text("body") and "受理" in villager.inner_text("body")
    with scopes_disabled():
        assert NoticeItem.objects.get(notice=notice, line_no=2).status == ItemStatus.FROZEN

    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", tina.username)
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/publicity/notices/{notice.pk}/")
    row = page.locator("#notice-items tr.table-warning")
    assert row.count() == 1 and "冻结" in row.inner_text()
    row.locator("a.btn-warning").click()
    page.check("input[name=outcome][value=changed]")
    page.fill("input[name=amount]", "4万")
    page.fill("textarea[name=reason]", "经评议小组复议，该户经营规模较小，额度调整为4万元。")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"**/publicity/notices/{notice.pk}/")
    assert "40,000" in page.inner_text("#notice-items") or "40000" in page.inner_text("#notice-items")

    villager.goto(f"{live_server.url}/public/lookup/")
    villager.fill("input[name=reference]", reference.lower())
    villager.keyboard.press("Enter")
    text = villager.locator("#lookup-result").inner_text()
    villager.screenshot(path=str(tmp_path / "lookup.png"), full_page=True)
    assert "40,000" in text and "经营规模较小" in text
    phone.close()
