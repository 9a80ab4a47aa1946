"""Passwords: every logged-in user changes their own (old password first, errors in Chinese, the session kept;
reviewers too, through their allow-list); the head office's administrator gives a staff user a new password
(one-time and shown once, or typed and validated), recorded in the audit log with the value masked (R4), which
lifts a lockout (R9). Other roles, and the administrator of another head office (R1), get 404 and nothing is
written."""

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django_scopes import scopes_disabled

from sunshine_credit.models import HeadOffice, Role
from tests.county import PASSWORD
from tests.factories import StaffFactory, staff_for

pytestmark = pytest.mark.django_db
NEW = "Shu-ye-Liang-7"


@pytest.fixture
def county(county):
    """The county (tina, pat, sue, ada …), a reviewer's login rita of branch A, root — an administrator who is a
    superuser — and olga, the administrator of another head office."""
    with scopes_disabled():
        other = HeadOffice.objects.create(code="HQ2", name="另一家农商银行")
        county.rita = staff_for(county.v_a, role=Role.REVIEWER, user__username="rita").user
        county.root = StaffFactory(role=Role.ADMIN, branch=None, head_office=county.head_office,
                                   user__username="root", user__is_superuser=True).user
        county.olga = StaffFactory(role=Role.ADMIN, branch=None, head_office=other, user__username="olga").user
    return county


def login(client, user, password):
    return client.post("/login/", {"username": user.username, "password": password}, REMOTE_ADDR="10.0.0.1")


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def password_of(user) -> str:
    return get_user_model().objects.get(pk=user.pk).password


def audit_rows(user):
    return list(LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(get_user_model()),
                                        object_pk=str(user.pk)).values_list("actor_id", "changes"))


# --- one's own password ---------------------------------------------------------------------------------------

def test_a_wrong_old_password_is_refused_in_chinese_and_nothing_changes(client, county):
    tina = county.tina
    before = password_of(tina)
    client.force_login(tina)
    page = client.post("/password/", {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW})
    assert page.status_code == 200 and "你的旧密码不正确" in page.content.decode()
    assert password_of(tina) == before and audit_rows(tina) == []


def test_the_new_password_must_pass_the_configured_validators(client, county):
    tina = county.tina
    before = password_of(tina)
    client.force_login(tina)
    page = client.post("/password/", {"old_password": PASSWORD, "new_password1": "12345678",
                                      "new_password2": "12345678"})
    assert page.status_code == 200 and "这个密码太常见了" in page.content.decode()
    assert password_of(tina) == before


def test_changing_ones_own_password_keeps_the_session_and_the_new_one_works(client, county):
    tina = county.tina
    assert login(client, tina, PASSWORD).status_code == 302
    assert 'href="/password/"' in client.get("/").content.decode()  # the header links to it
    response = client.post("/password/", {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200 and logged_in(client)  # still logged in
    assert audit_rows(tina) == [(tina.pk, {"password": ["***", "***"]})]
    client.logout()
    login(client, tina, PASSWORD)
    assert not logged_in(client)
    login(client, tina, NEW)
    assert logged_in(client)


def test_a_reviewer_changes_their_own_password_and_reaches_nothing_else(client, county):
    rita = county.rita
    client.force_login(rita)
    assert client.get("/password/").status_code == 200
    response = client.post("/password/", {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302 and get_user_model().objects.get(pk=rita.pk).check_password(NEW)
    assert client.get("/staff/").status_code == 404 and client.get("/households/").status_code == 404


def test_the_password_page_needs_a_login(client, county):
    response = client.get("/password/")
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- the administrator sets another user's password ---------------------------------------------------------

def test_the_administrator_gives_an_officer_a_one_time_password(client, county):
    tina, ada = county.tina, county.ada
    client.force_login(ada)
    home = client.get("/").content.decode()
    assert 'href="/staff/"' in home
    staff = client.get("/staff/").content.decode()
    assert tina.username in staff and f"/staff/{tina.pk}/password/" in staff
    assert county.olga.username not in staff  # another head office's staff
    assert client.get(f"/staff/{tina.pk}/password/").status_code == 200
    page = client.post(f"/staff/{tina.pk}/password/", {"password1": "", "password2": ""})
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    password = page.context["password"]
    assert f'id="login-password">{password}<' in page.content.decode()
    assert audit_rows(tina) == [(ada.pk, {"password": ["***", "***"]})]
    client.logout()
    login(client, tina, PASSWORD)
    assert not logged_in(client)
    login(client, tina, password)
    assert logged_in(client)


def test_the_administrator_types_a_password_checked_by_the_validators(client, county):
    tina, ada = county.tina, county.ada
    before = password_of(tina)
    client.force_login(ada)
    url = f"/staff/{tina.pk}/password/"
    assert client.post(url, {"password1": "12345678", "password2": "12345678"}).status_code == 200
    assert client.post(url, {"password1": NEW, "password2": NEW + "x"}).status_code == 200
    assert password_of(tina) == before and audit_rows(tina) == []
    response = client.post(url, {"password1": NEW, "password2": NEW})
    assert response.status_code == 302 and response["Location"] == "/staff/"
    assert get_user_model().objects.get(pk=tina.pk).check_password(NEW)
    assert audit_rows(tina) == [(ada.pk, {"password": ["***", "***"]})]


def test_a_new_password_lifts_the_lockout(client, county):
    tina = county.tina
    for _ in range(5):
        login(client, tina, "wrong")
    assert login(client, tina, PASSWORD).status_code == 429
    client.force_login(county.ada)
    client.post(f"/staff/{tina.pk}/password/", {"password1": NEW, "password2": NEW})
    client.logout()
    assert login(client, tina, NEW).status_code == 302 and logged_in(client)


@pytest.mark.parametrize("user", ["tina", "pat", "sue", "rita"])
def test_other_roles_get_404_and_nothing_is_written(client, county, user):
    target = county.pat if user == "tina" else county.tina
    before = password_of(target)
    client.force_login(county[user])
    assert client.get("/staff/").status_code == 404
    assert client.get(f"/staff/{target.pk}/password/").status_code == 404
    assert client.post(f"/staff/{target.pk}/password/", {"password1": "", "password2": ""}).status_code == 404
    assert password_of(target) == before and audit_rows(target) == []
    assert 'href="/staff/"' not in client.get("/password/").content.decode()


def test_the_administrator_of_another_head_office_gets_404(client, county):
    tina = county.tina
    before = password_of(tina)
    client.force_login(county.olga)
    assert tina.username not in client.get("/staff/").content.decode()
    assert client.get(f"/staff/{tina.pk}/password/").status_code == 404
    assert client.post(f"/staff/{tina.pk}/password/", {"password1": NEW, "password2": NEW}).status_code == 404
    assert password_of(tina) == before and audit_rows(tina) == []


@pytest.mark.parametrize("target", ["ada", "root"])
def test_neither_ones_own_nor_a_superusers_password_is_set_here(client, county, target):
    """One's own needs the old password (a session left open must not hand over the account); a superuser's
    login reaches every head office through Django's admin, so only a superuser resets it."""
    before = password_of(county[target])
    client.force_login(county.ada)
    assert client.post(f"/staff/{county[target].pk}/password/", {"password1": "", "password2": ""}).status_code == 404
    assert password_of(county[target]) == before
