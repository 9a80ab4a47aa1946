"""Issue 18 (load): a session's user is read with their staff profile in one query (StaffBackend), so every page
pays one query fewer; the backend keeps ModelBackend's rules (a deactivated login is nobody)."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, get_user
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from sunshine_credit.models import Role
from sunshine_credit.staff.backends import StaffBackend
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_user_and_their_profile_are_one_query():
    with scopes_disabled():
        profile = StaffFactory(role=Role.PRESIDENT)
    with CaptureQueriesContext(connection) as queries:
        user = StaffBackend().get_user(profile.user_id)
        assert user.staff_profile.role == Role.PRESIDENT
    assert len(queries) == 1


def test_a_user_without_a_profile_is_read_and_has_none():
    user = UserFactory()
    found = StaffBackend().get_user(user.pk)
    assert found == user
    assert getattr(found, "staff_profile", None) is None


def test_a_deactivated_login_is_nobody_and_a_missing_one_too():
    with scopes_disabled():
        profile = StaffFactory(role=Role.OFFICER)
    assert StaffBackend().get_user(profile.user_id) is not None
    profile.user.is_active = False
    profile.user.save(update_fields=["is_active"])
    assert StaffBackend().get_user(profile.user_id) is None
    assert StaffBackend().get_user(profile.user_id + 1000) is None


def test_a_logged_in_request_reads_the_user_with_the_profile_in_one_query(client):
    with scopes_disabled():
        profile = StaffFactory(role=Role.OFFICER)
    client.force_login(profile.user)
    request = RequestFactory().get("/")
    request.session = client.session
    assert request.session[BACKEND_SESSION_KEY] == "sunshine_credit.staff.backends.StaffBackend"
    with CaptureQueriesContext(connection) as queries:
        user = get_user(request)
        assert user.staff_profile.pk == profile.pk
    assert len(queries) == 1  # the session was read above: the user joined with the profile, nothing more
