"""R9: the second factor (TOTP, django-otp) for the roles OTP_REQUIRED_ROLES names, and the session limits.

When set, an administrator or a supervisor reaches only /otp/ after their password until they enter the code of
their authenticator app: the first time they enrol (a QR code drawn as SVG here, and the key), afterwards they
verify. Other roles, and everyone when the setting is empty, go straight in. The codes in these tests are computed
from the device's key (django_otp.oath.totp), as the phone app does. A session ends after IDLE_TIMEOUT_MINUTES
without a request and SESSION_COOKIE_AGE after the login."""

import time

import pytest
from auditlog.models import LogEntry
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from sunshine_credit.staff.login import LAST_SEEN, LOGIN_AT
from tests.county import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def otp_on(settings):
    """On, without django-otp's throttle (a second try within a second of a wrong code would wait):
    test_wrong_codes_are_throttled keeps it."""
    settings.OTP_REQUIRED_ROLES = frozenset({"admin", "supervisor"})
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0 - steps_ahead * device.step, device.digits):06d}"


def log_in(client, username: str):
    assert client.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302


def enrol(client) -> TOTPDevice:
    page = client.get("/otp/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user__username=page.wsgi_request.user.username, confirmed=False)
    assert client.post("/otp/", {"token": code(device), "next": "/"})["Location"] == "/"
    return device


def test_an_administrator_enrols_then_reaches_the_pages(client, county, otp_on):
    log_in(client, "ada")
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"] == "/otp/?next=%2Fstaff%2F"
    assert client.get("/households/")["Location"].startswith("/otp/")
    page = client.get("/otp/?next=/staff/")
    text = page.content.decode()
    assert "<svg" in text and 'id="otp-key"' in text and "otpauth" not in text.split("<svg")[0]
    device = TOTPDevice.objects.get(user=county.ada)
    assert not device.confirmed
    assert client.get("/otp/").content.decode().count(page.context["picture"]["key"]) == 1  # the same key again
    wrong = client.post("/otp/", {"token": "000000" if code(device) != "000000" else "111111", "next": "/staff/"})
    assert wrong.status_code == 200 and wrong.context["form"].errors["token"]
    response = client.post("/otp/", {"token": code(device), "next": "/staff/"})
    assert response.status_code == 302 and response["Location"] == "/staff/"
    device.refresh_from_db()
    assert device.confirmed and client.get("/staff/").status_code == 200
    assert LogEntry.objects.filter(object_pk=str(county.ada.pk), changes__has_key="second_factor").exists()


def test_the_next_login_verifies_without_showing_the_key_again(client, county, otp_on):
    log_in(client, "sue")
    device = enrol(client)
    client.logout()
    log_in(client, "sue")
    assert client.get("/")["Location"].startswith("/otp/")
    page = client.get("/otp/")
    assert page.context["picture"] is None and "<svg" not in page.content.decode()
    assert client.post("/otp/", {"token": code(device), "next": "/"}).status_code == 200  # a used code: refused
    assert client.get("/")["Location"].startswith("/otp/")
    assert client.post("/otp/", {"token": code(device, 1), "next": "/"})["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_codes_are_throttled(client, county, otp_on, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    log_in(client, "ada")
    client.get("/otp/")
    device = TOTPDevice.objects.get(user=county.ada)
    client.post("/otp/", {"token": "000000" if code(device) != "000000" else "111111"})
    assert client.post("/otp/", {"token": code(device)}).status_code == 200  # right, but within the wait
    assert client.get("/")["Location"].startswith("/otp/")


def test_an_outside_next_is_not_followed(client, county, otp_on):
    log_in(client, "ada")
    client.get("/otp/")
    device = TOTPDevice.objects.get(user=county.ada)
    assert client.post("/otp/", {"token": code(device), "next": "https://evil.example/"})["Location"] == "/"


@pytest.mark.parametrize("who", ["tina", "pat", "tom", "aude"])
def test_other_roles_need_no_second_factor(client, county, otp_on, who):
    log_in(client, who)
    assert client.get("/").status_code == 200
    assert client.get("/otp/")["Location"] == "/"
    assert not TOTPDevice.objects.exists()


def test_an_empty_setting_turns_it_off(client, county, settings):
    settings.OTP_REQUIRED_ROLES = frozenset()
    log_in(client, "ada")
    assert client.get("/staff/").status_code == 200 and not TOTPDevice.objects.exists()


def test_logging_out_and_the_language_stay_open_before_the_code(client, county, otp_on):
    log_in(client, "ada")
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/otp/"}).status_code == 302
    assert client.post("/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_second_factor_comes_before_the_forced_password_change(client, county, otp_on):
    from sunshine_credit.models import StaffProfile

    StaffProfile.objects.filter(user=county.ada).update(must_change_password=True)
    log_in(client, "ada")
    assert client.get("/password/")["Location"].startswith("/otp/")
    enrol(client)
    assert client.get("/staff/")["Location"] == "/password/"
    assert client.get("/password/").status_code == 200


def test_a_reset_second_factor_is_enrolled_again(client, county, otp_on):
    log_in(client, "sue")
    enrol(client)
    assert client.get("/").status_code == 200
    admin = client.__class__()
    log_in(admin, "ada")
    admin_device = enrol(admin)
    assert admin.post(f"/staff/{county.sue.pk}/second-factor/").status_code == 302
    assert not TOTPDevice.objects.filter(user=county.sue).exists()
    assert client.get("/")["Location"].startswith("/otp/")  # her open session lost its second factor
    assert "<svg" in client.get("/otp/").content.decode()
    # Nobody resets their own (a stolen session must not remove the factor).
    assert admin.post(f"/staff/{county.ada.pk}/second-factor/").status_code == 302
    assert TOTPDevice.objects.filter(pk=admin_device.pk).exists()


# --- session limits -----------------------------------------------------------------------------------------------

def age_session(client, *, seen_ago: int, login_ago: int | None = None):
    session = client.session
    now = int(time.time())
    session[LAST_SEEN] = now - seen_ago
    session[LOGIN_AT] = now - (login_ago if login_ago is not None else seen_ago)
    session.save()


def test_an_idle_session_ends(client, county, settings):
    settings.IDLE_TIMEOUT_MINUTES = 30
    log_in(client, "tina")
    age_session(client, seen_ago=29 * 60)
    assert client.get("/").status_code == 200  # 29 minutes: still in, and the clock starts again
    assert int(time.time()) - client.session[LAST_SEEN] < 5
    age_session(client, seen_ago=31 * 60)
    response = client.get("/households/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    assert "_auth_user_id" not in client.session


def test_a_session_ends_hours_after_the_login_however_busy(client, county, settings):
    log_in(client, "tina")
    age_session(client, seen_ago=10, login_ago=settings.SESSION_COOKIE_AGE - 60)
    assert client.get("/").status_code == 200
    age_session(client, seen_ago=10, login_ago=settings.SESSION_COOKIE_AGE + 60)
    assert client.get("/")["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session


def test_requests_within_a_minute_do_not_write_the_session(client, county):
    log_in(client, "tina")
    seen = client.session[LAST_SEEN]
    client.get("/")
    assert client.session[LAST_SEEN] == seen


@pytest.mark.parametrize("value, roles", [(None, ["admin", "supervisor"]), ("", []),
                                          ("admin, auditor", ["admin", "auditor"])])
def test_the_setting_is_read_from_the_environment(value, roles):
    """Unset: administrators and supervisors (production); empty: nobody (`make run`'s DEV_ENV sets it so)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k != "OTP_REQUIRED_ROLES"}
    if value is not None:
        env["OTP_REQUIRED_ROLES"] = value
    result = subprocess.run([sys.executable, "-c", "import sunshine_credit.settings as s; "
                             "print(','.join(sorted(s.OTP_REQUIRED_ROLES)))"], cwd=root, env={**env, "DEBUG": "true"},
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == ",".join(roles), result.stderr
    assert "OTP_REQUIRED_ROLES=" in (root / "Makefile").read_text().split("DEV_ENV :=")[1].splitlines()[0]
