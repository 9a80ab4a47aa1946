"""Issue 18 item 5: the staff pages (/staff/), the second factor (/otp/) and the audit log's reader (/audit/) used
as a bank's administrator, supervisor, auditor and a new loan officer use them, in a real Chromium under the app's
Content-Security-Policy. Every page is looked at 390 px (phone) and 1366 px wide: no sideways scroll, no console
error; screenshots in /tmp/shots/staff/.

1. ada (administrator) makes a loan officer with two villages and sees the one-time password once; the officer
   logs in, must choose their own password first (a short one is refused with the 10-character rule), then sees
   their home page.
2. ada asks for a role change; the person's page shows it waiting; ada cannot approve her own request, sue
   (supervisor) approves it in the approvals inbox.
3. ada deactivates the login (after a question in a dialog); the person cannot log in and is told why, in Chinese.
4. With OTP_REQUIRED_ROLES naming the supervisor: sue logs in, enrols (QR code), a wrong code is refused with a
   clear message, the code computed from the device's key lets her in; the next login asks for the code only.
5. aude (audit) searches the audit log by person: ID and phone numbers masked.
"""

import os

import pytest
from auditlog.context import set_actor
from django.contrib.auth import get_user_model
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from tests.county import PASSWORD, build_county
from tests.e2e.browsing import DESKTOP, LOGIN_BUTTON, PHONE, login
from tests.factories import HouseholdFactory, MemberFactory, make_id_number

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/shots/staff"
NEW_PASSWORD = "Qing-shan-2026"
PHONE_NUMBER = "13912345678"
# The county's people have Latin first names (tests/county.py), user names are Latin, a key is called Ctrl; no other
# Latin word should show.
APPS = ("Microsoft", "Authenticator", "FreeOTP")  # the authenticator apps the enrolment page names
NAMES = ("Ctrl", "liming", "Ada", "Aude", "Bob", "Pat", "Pete", "Sue", "Tess", "Tina", "Tom")
# Every CSP violation the page sees (Chromium also logs them to the console, which is watched too).
WATCH_CSP = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
             "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
# Latin words of three letters or more in the visible text outside user names, codes and numbers (class mono).
ENGLISH = """() => { const out = [], walk = document.createTreeWalker(document.querySelector('main') || document.body,
  NodeFilter.SHOW_TEXT); let node;
  while ((node = walk.nextNode())) { const el = node.parentElement;
    if (!el || el.closest('.mono, script, style, svg, option') || !el.offsetParent) continue;
    const words = node.textContent.match(/[A-Za-z]{3,}/g); if (words) out.push(...words); }
  return out; }"""


class Eyes:
    """Looks at each page at both widths: screenshots, sideways scroll, console errors and English words."""

    def __init__(self, page, allowed_words=NAMES):
        self.page, self.problems, self.allowed = page, [], set(allowed_words)
        os.makedirs(SHOTS, exist_ok=True)
        page.on("console", lambda m: m.type == "error" and "favicon" not in m.text and self.problems.append(m.text))
        page.on("pageerror", lambda error: self.problems.append(str(error)))
        page.add_init_script(WATCH_CSP)

    def look(self, name: str, *, also=()) -> None:
        page = self.page
        for label, size in (("phone", PHONE), ("desk", DESKTOP)):
            page.set_viewport_size(size)
            page.wait_for_timeout(50)
            wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert wide[0] <= wide[1], f"{name} scrolls sideways at {size['width']} px: {wide}"
            page.screenshot(path=f"{SHOTS}/{name}-{label}.png", full_page=True)
        english = set(page.evaluate(ENGLISH)) - self.allowed - set(also)
        assert not english, f"{name} shows English: {sorted(english)}"
        assert page.evaluate("window.__csp || []") == [] and self.problems == [], f"{name}: {self.problems}"


def test_an_administrator_makes_a_loan_officer_who_changes_roles_and_leaves(live_server, page):
    county = build_county()
    base = live_server.url
    eyes = Eyes(page)

    # 1. the administrator makes the login; the one-time password is shown once
    login(page, base, "ada")
    page.goto(f"{base}/staff/")
    eyes.look("01-list")
    page.click("#staff-create-link")
    page.fill("input[name=username]", "liming")
    page.fill("input[name=name]", "李明")
    page.select_option("select[name=role]", "officer")
    page.select_option("select[name=branch]", str(county.branch_a.pk))
    page.select_option("select[name=villages]", [str(county.v_a.pk), str(county.v_a2.pk)])
    page.fill("input[name=phone]", PHONE_NUMBER)
    eyes.look("02-new-login")
    page.click("#staff-create-form button[type=submit]")
    page.locator("#login-password").wait_for()
    given = page.locator("#login-password").inner_text().strip()
    assert page.locator("#login-username").inner_text().strip() == "liming" and len(given) >= 10
    eyes.look("03-one-time-password")
    page.click("#staff-list-link")
    page.wait_for_url(f"{base}/staff/")
    assert given not in page.content()                                     # shown once, nowhere else
    row = page.locator("#staff-table tr", has_text="liming")
    assert "东岭村" in row.inner_text() and "南坡村" in row.inner_text()
    assert PHONE_NUMBER not in row.inner_text() and "5678" in row.inner_text()   # the phone masked
    liming = get_user_model().objects.get(username="liming")

    # the new officer logs in and must choose their own password first
    login(page, base, "liming", given)
    page.wait_for_url(f"{base}/password/")
    assert page.locator("#must-change-password").is_visible()
    page.fill("input[name=old_password]", given)
    page.fill("input[name=new_password1]", "Short-26")
    page.fill("input[name=new_password2]", "Short-26")
    page.click("#password-change-form button[type=submit]")
    error = page.locator("#password-change-form .invalid-feedback")
    error.first.wait_for()
    assert "10 个字符" in error.first.inner_text()                          # the rule, said in Chinese
    eyes.look("04-password-too-short")
    page.goto(f"{base}/households/")                                       # nowhere else before the change
    page.wait_for_url(f"{base}/password/")
    page.fill("input[name=old_password]", given)
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    page.click("#password-change-form button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert "东岭村" in page.locator("main").inner_text()
    eyes.look("05-officer-home")

    # 2. a role change: asked by ada, waiting, not hers to approve; sue approves it
    login(page, base, "ada")
    page.goto(f"{base}/staff/{liming.pk}/")
    eyes.look("06-person")
    page.click("#staff-role-link")
    page.select_option("select[name=role]", "president")
    page.select_option("select[name=branch]", str(county.branch_b.pk))
    page.fill("textarea[name=reason]", "王庄支行行长调任，总行党委会决定")
    eyes.look("07-role-change")
    page.click("#staff-role-form button[type=submit]")
    page.locator("#pending-role-change").wait_for()
    assert "王庄支行" in page.locator("#pending-role-change").inner_text()
    assert page.locator("#staff-role-link").count() == 0                 # one request at a time
    eyes.look("08-role-change-waiting")
    page.goto(f"{base}/staff/?role=officer")
    assert page.locator("#staff-table tr", has_text="liming").locator(".badge").count() == 1
    page.goto(f"{base}/approvals/")
    mine = page.locator("#inbox-pending tr", has_text="liming")
    assert mine.locator(".own-request").count() == 1 and mine.locator("button[value=approve]").count() == 0
    eyes.look("09-ada-inbox")

    login(page, base, "sue")
    page.goto(f"{base}/")
    page.click("a[href*='/approvals/']")
    page.wait_for_url("**/approvals/**")
    request = page.locator("#inbox-pending tr", has_text="liming")
    assert "王庄支行行长调任" in request.inner_text()
    assert request.locator("a[href*='/staff/']").count() == 0               # the staff pages are not hers (404)
    assert "西河村" not in request.inner_text() and "东岭村" not in request.inner_text()  # no village to it
    eyes.look("10-sue-inbox")
    request.locator("button[value=approve]").click()
    page.locator(".alert-success").wait_for()
    liming.staff_profile.refresh_from_db()
    assert liming.staff_profile.role == "president" and liming.staff_profile.branch_id == county.branch_b.pk
    with scopes_disabled():
        assert not liming.assigned_villages.exists()                      # a president has no villages

    # 3. deactivation, confirmed first; the person is told why they cannot log in
    login(page, base, "ada")
    page.goto(f"{base}/staff/{liming.pk}/")
    assert "支行行长" in page.locator("#staff-role").inner_text()
    page.click("#deactivate")                                              # asks first
    question = page.locator("#deactivate-question")
    question.wait_for()
    assert "liming" in question.inner_text() and "李明" in question.inner_text()
    eyes.look("11-deactivate-question")
    page.click("#deactivate-dialog .modal-footer .btn-link")              # cancelled: nothing happened
    question.wait_for(state="hidden")
    liming.refresh_from_db()
    assert liming.is_active
    page.click("#deactivate")
    page.click("#deactivate-confirm")
    page.locator("#reactivate").wait_for()
    assert page.locator(".alert-success").count() == 1
    eyes.look("12-deactivated")

    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "liming")
    page.fill("input[name=password]", NEW_PASSWORD)
    page.click(LOGIN_BUTTON)
    page.locator("form .alert-danger").wait_for()
    assert "/login/" in page.url and "停用" in page.locator("form .alert-danger").inner_text()
    eyes.look("13-deactivated-login")
    page.fill("input[name=username]", "liming")
    page.fill("input[name=password]", "wrong-password-1")                 # a wrong password says nothing more
    page.click(LOGIN_BUTTON)
    page.locator("form .alert-danger").wait_for()
    assert "停用" not in page.locator("form .alert-danger").inner_text()


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0 - steps_ahead * device.step, device.digits):06d}"


def test_a_supervisor_enrols_and_then_verifies_a_code(live_server, page, settings):
    settings.OTP_REQUIRED_ROLES = frozenset({"supervisor", "admin"})
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    build_county()
    base = live_server.url
    eyes = Eyes(page)

    login(page, base, "sue")
    page.wait_for_url("**/otp/**")
    assert page.locator("#otp-qr svg").is_visible()
    key = page.locator("#otp-key").inner_text()
    device = TOTPDevice.objects.get(user__username="sue", confirmed=False)
    assert key.replace(" ", "") == __import__("base64").b32encode(device.bin_key).decode()
    eyes.look("20-otp-enrol", also=APPS)
    right = code(device)
    page.fill("input[name=token]", "000000" if right != "000000" else "111111")
    page.click("#second-factor-form button[type=submit]")
    page.locator("#second-factor-form .invalid-feedback").wait_for()
    assert "验证码" in page.locator("#second-factor-form .invalid-feedback").inner_text()
    assert page.locator("#otp-qr svg").is_visible()                        # still enrolling: the code again
    eyes.look("21-otp-wrong", also=APPS)
    page.fill("input[name=token]", right)
    page.click("#second-factor-form button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert page.locator("main h1").count() >= 1 and "/otp/" not in page.url
    eyes.look("22-supervisor-home")

    login_again = page.context
    login_again.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "sue")
    page.fill("input[name=password]", PASSWORD)
    page.click(LOGIN_BUTTON)
    page.wait_for_url("**/otp/**")
    assert page.locator("#otp-qr").count() == 0 and page.locator("#otp-key").count() == 0
    eyes.look("23-otp-verify")
    page.fill("input[name=token]", code(device, 1))                       # the next step's code (the last is used)
    page.click("#second-factor-form button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_the_auditor_searches_the_log_by_person_with_numbers_masked(live_server, page):
    county = build_county()
    base = live_server.url
    number = make_id_number(sequence=51)
    with scopes_disabled(), set_actor(county.tina):
        home = HouseholdFactory(village=county.v_a, code="H-TINA", phone=PHONE_NUMBER)
        MemberFactory(household=home, name="王小二", relation="子", id_number=number)
    eyes = Eyes(page)

    login(page, base, "aude")
    page.goto(f"{base}/audit/")
    page.fill("input[name=person]", "tina")
    page.click("#audit-search button[type=submit]")
    page.wait_for_url("**/audit/?*person=tina*")
    table = page.locator("#audit-table").inner_text()
    assert "Tina" in table and page.locator("#audit-table tbody tr").count() >= 2
    assert number not in table and PHONE_NUMBER not in table
    assert f"{number[:6]}********{number[-4:]}" in table and "139****5678" in table   # masked, still telling
    assert "身份证号码" in table and "id_number" not in table              # the field by its name
    eyes.look("30-audit-person", also=("TINA",))                          # the household code H-TINA
    page.fill("input[name=person]", "nobody-here")
    page.click("#audit-search button[type=submit]")
    page.wait_for_url("**/audit/?*person=nobody-here*")
    assert page.locator("#audit-table tbody tr").count() == 1
    eyes.look("31-audit-none")
