"""The client's address behind nginx (sunshine_credit/lib/client_ip.py): X-Real-IP from the trusted proxy only,
the same for the public forms' rate limit, the login lockout's records and the audit trail."""

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.test import RequestFactory
from django_scopes import scopes_disabled

from sunshine_credit.lib.client_ip import client_address
from sunshine_credit.middleware import AuditlogMiddleware
from tests.factories import HouseholdFactory
from tests.households.test_household_views import edit_data

rf = RequestFactory()


@pytest.fixture
def behind_nginx(settings):
    settings.PUBLIC_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    settings.TRUSTED_PROXY_IPS = ["127.0.0.1", "::1"]


def test_the_proxys_header_is_the_address_when_the_connection_is_from_the_proxy(behind_nginx):
    assert client_address(rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7")) == "203.0.113.7"
    assert client_address(rf.get("/", REMOTE_ADDR="::1", HTTP_X_REAL_IP="203.0.113.7")) == "203.0.113.7"


def test_the_header_from_anyone_else_is_ignored(behind_nginx):
    # Reaching gunicorn directly (a misconfigured bind), the client could name any address: it is not believed.
    assert client_address(rf.get("/", REMOTE_ADDR="198.51.100.9", HTTP_X_REAL_IP="203.0.113.7")) == "198.51.100.9"


def test_without_a_configured_header_the_connections_address_is_the_clients(settings):
    settings.PUBLIC_CLIENT_IP_HEADER = ""
    assert client_address(rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7")) == "127.0.0.1"


def test_a_missing_header_falls_back_to_the_connection(behind_nginx):
    assert client_address(rf.get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"


def test_the_audit_records_x_real_ip_and_never_the_clients_x_forwarded_for(behind_nginx):
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7",
                     HTTP_X_FORWARDED_FOR="10.6.6.6, 203.0.113.7")
    assert AuditlogMiddleware._get_remote_addr(request) == "203.0.113.7"
    spoofed = rf.get("/", REMOTE_ADDR="198.51.100.9", HTTP_X_REAL_IP="10.6.6.6", HTTP_X_FORWARDED_FOR="10.6.6.6")
    assert AuditlogMiddleware._get_remote_addr(spoofed) == "198.51.100.9"


@pytest.mark.django_db
def test_the_login_lockout_records_the_address_nginx_saw(client, behind_nginx, county):
    client.post("/login/", {"username": county.tina.username, "password": "wrong"},
                REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7")
    client.post("/login/", {"username": county.bob.username, "password": "wrong"},
                REMOTE_ADDR="198.51.100.9", HTTP_X_REAL_IP="10.6.6.6")
    addresses = dict(AccessAttempt.objects.values_list("username", "ip_address"))
    assert addresses == {county.tina.username: "203.0.113.7", county.bob.username: "198.51.100.9"}


@pytest.mark.django_db
def test_an_audited_change_behind_nginx_keeps_the_clients_address_and_nginxs_request_id(client, behind_nginx, county):
    with scopes_disabled():
        home = HouseholdFactory(village=county.v_a, group=county.g1, code="A-0001", archive_status="roster")
    client.force_login(county.tina)
    response = client.post(f"/households/{home.pk}/edit/", edit_data(home, address="东岭村2组9号"),
                           REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7",
                           HTTP_X_FORWARDED_FOR="10.6.6.6", HTTP_X_REQUEST_ID="0f3c9a7e1b2d4c5e8f9a0b1c2d3e4f5a")
    assert response.status_code == 302
    entry = LogEntry.objects.filter(object_pk=str(home.pk)).latest("timestamp")
    assert (entry.remote_addr, entry.cid) == ("203.0.113.7", "0f3c9a7e1b2d4c5e8f9a0b1c2d3e4f5a")
