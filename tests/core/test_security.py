"""R9 (lockout per username), R10 (deploy checks, refused default key), R5 (no-store)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.county import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_KEY = "k9#T2vQe!pX7wZr4LmN8sB1yD5hJ0cF3gU6aE-iO_RtYk2WqHs"


def _login(client, username, password, ip):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_five_failures_lock_the_username_from_any_address_but_not_others_behind_the_same_address(
        client, settings, county):
    assert settings.AXES_FAILURE_LIMIT == 5
    tina, tom = county.tina, county.tom
    for n in range(5):   # from five different addresses: lockout follows the name, not the IP
        response = _login(client, tina.username, "wrong", f"10.1.0.{n + 1}")
        assert not _logged_in(client)

    response = _login(client, tina.username, PASSWORD, "10.9.9.9")   # even the right password
    assert response.status_code == 429
    assert not _logged_in(client)

    # A whole branch shares one address: tom, the teller behind tina's last address, still logs in.
    response = _login(client, tom.username, PASSWORD, "10.1.0.5")
    assert response.status_code == 302
    assert _logged_in(client)


@pytest.mark.django_db
def test_four_failures_do_not_lock(client, county):
    bob = county.bob
    for _ in range(4):
        _login(client, bob.username, "wrong", "10.2.0.1")
    assert _login(client, bob.username, PASSWORD, "10.2.0.1").status_code == 302


@pytest.mark.django_db
def test_login_page_is_in_simplified_chinese_by_default(client):
    response = client.get("/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert "登录" in html


@pytest.mark.django_db
def test_authenticated_pages_are_not_stored_by_caches(client, county):
    response = county.login(client, county.tina).get("/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def _manage(*args, env: dict) -> subprocess.CompletedProcess:
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; production never does.
    dropped = ("DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


def test_deploy_check_passes_with_production_settings():
    result = _manage("manage.py", "check", "--deploy", "--fail-level", "DEBUG",
                     env={"DEBUG": "false", "SECRET_KEY": PRODUCTION_KEY, "ALLOWED_HOSTS": "credit.example.cn",
                          "PUBLIC_BASE_URL": "https://credit.example.cn"})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output


def test_default_secret_key_is_refused_when_debug_is_off():
    result = _manage("-c", "import sunshine_credit.settings", env={"DEBUG": "false"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_the_development_public_address_is_refused_when_debug_is_off():
    # Archived boards keep the address in their QR codes for good (P3): production must name its own.
    result = _manage("-c", "import sunshine_credit.settings", env={"DEBUG": "false", "SECRET_KEY": PRODUCTION_KEY})
    assert result.returncode != 0 and "PUBLIC_BASE_URL" in result.stderr


def test_default_secret_key_is_accepted_in_development():
    result = _manage("-c", "import sunshine_credit.settings", env={"DEBUG": "true"})
    assert result.returncode == 0, result.stderr


def test_chinese_is_the_default_whatever_the_browser_asks_and_english_is_a_choice(client, db):
    from django.conf import settings

    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in page and "登录" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/login/").content.decode()
    assert 'lang="en"' in page and "Log in" in page


@pytest.mark.parametrize("key", [
    "change-me-to-a-long-random-string",                  # .env.example's placeholder, as copied
    "change-me-" + PRODUCTION_KEY,                        # the placeholder, lengthened
    PRODUCTION_KEY[:49],                                  # too short (Django's security.W009)
    "ab" * 30,                                            # too few distinct characters (W009)
])
def test_placeholder_and_weak_secret_keys_are_refused_when_debug_is_off(key):
    result = _manage("-c", "import sunshine_credit.settings", env={"DEBUG": "false", "SECRET_KEY": key,
                                                                   "PUBLIC_BASE_URL": "https://credit.example.cn"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY" in result.stderr
