"""P4 public pages (no login): the objection form behind the board's QR code, its confirmation and the look-up by
reference number; the rate limit per client address; nothing beyond what the printed board shows (P2)."""

import datetime
import logging
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from households.models import Member
from publicity import selectors, services
from publicity.models import ItemStatus, Notice, NoticeItem, Objection
from sunshine_credit.scoping import scope_for_user
from tests.publicity.factories import make_notice_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    """The rate limit counts in the cache: every test starts with a fresh budget."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def county(county):
    """The county's board of 东岭村: four lines, 50,000 + i×1,000 元, running today (make_notice_world)."""
    return make_notice_world(county)


def form_url(county):
    return f"/public/n/{county.notice.public_token}/"


def item_of(county, i=0) -> NoticeItem:
    with scopes_disabled():
        return NoticeItem.objects.get(pk=county.items[i].pk)


def objections_of(county) -> list[Objection]:
    with scopes_disabled():
        return list(Objection.objects.filter(notice=county.notice).order_by("pk"))


def valid(**data):
    return {"line_no": "1", "content": "他家常年在外务工，不在本村居住", "objector_name": "", "objector_phone": "",
            **data}


def personal_data(county) -> list[str]:
    """What the public pages must never show: the households' ID and phone numbers, codes and full names."""
    with scopes_disabled():
        members = list(Member.objects.filter(household__in=county.households).values_list("id_number", "name"))
    return ([m[0] for m in members] + [m[1] for m in members] + [h.phone for h in county.households if h.phone]
            + [h.code for h in county.households])


def assert_no_personal_data(county, body: str):
    leaked = [value for value in personal_data(county) if value and value in body]
    assert leaked == []


# --- the form ---------------------------------------------------------------------------------------------

def test_form_lists_the_board_lines_and_nothing_personal(client, county):
    response = client.get(form_url(county))
    assert response.status_code == 200
    body = response.content.decode()
    for item in county.items:
        assert f'value="{item.line_no}"' in body and item.name in body
    assert "50,000" in body and county.notice.title in body
    assert_no_personal_data(county, body)
    assert "/households/" not in body and "/appraisal/" not in body  # no staff navigation


def test_lodging_freezes_the_line(client, county):
    response = client.post(form_url(county), valid(line_no="3", objector_name=" 王五 ", objector_phone="0371-12345678"))
    [objection] = objections_of(county)
    assert response.status_code == 302
    assert response["Location"] == f"/public/n/{county.notice.public_token}/done/{objection.reference}/"
    item = item_of(county, 2)
    assert (item.status, item.version) == (ItemStatus.FROZEN, 2)
    assert (objection.item_id, objection.channel, objection.status, objection.lodged_by) == (
        item.pk, Objection.Channel.PUBLIC, Objection.Status.OPEN, None)
    assert (objection.objector_name, objection.objector_phone) == ("王五", "0371-12345678")
    assert re.fullmatch(r"YY[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10}", objection.reference)


def test_anonymous_objection(client, county):
    assert client.post(form_url(county), valid()).status_code == 302
    [objection] = objections_of(county)
    assert (objection.objector_name, objection.objector_phone) == ("", "")


def test_confirmation_shows_the_reference_and_how_to_look_it_up(client, county):
    response = client.post(form_url(county), valid(objector_phone="13912345678"), follow=True)
    [objection] = objections_of(county)
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="reference">{objection.reference}<' in body
    assert 'href="/public/lookup/"' in body
    assert "13912345678" not in body
    assert_no_personal_data(county, body)


def test_confirmation_of_another_boards_reference_is_404(client, county):
    client.post(form_url(county), valid())
    [objection] = objections_of(county)
    notice = county.notice
    with scopes_disabled():
        other = Notice.objects.create(head_office=notice.head_office, village=county.v_b, kind="revocation",
                                      title="取消授信资格公示", starts_on=notice.starts_on, ends_on=notice.ends_on,
                                      public_token="other-board-token", status=Notice.Status.PUBLISHED,
                                      published_by=county.bob)
    assert client.get(f"{form_url(county)}done/{objection.reference}/").status_code == 200
    assert client.get(f"/public/n/{other.public_token}/done/{objection.reference}/").status_code == 404
    assert client.get(f"{form_url(county)}done/YY23456789AB/").status_code == 404


def test_unknown_token_is_404_and_writes_nothing(client, county):
    assert client.get("/public/n/not-a-token/").status_code == 404
    assert client.post("/public/n/not-a-token/", valid()).status_code == 404
    assert objections_of(county) == []


def test_a_board_not_yet_published_is_404(client, county):
    with scopes_disabled():
        Notice.objects.filter(pk=county.notice.pk).update(status=Notice.Status.RENDERING)
    assert client.get(form_url(county)).status_code == 404


@pytest.mark.parametrize("field, data", [
    ("content", {"content": "   "}),
    ("content", {"content": "长" * 2001}),
    ("line_no", {"line_no": "99"}),
    ("line_no", {"line_no": ""}),
    ("objector_phone", {"objector_phone": "12345"}),
    ("objector_phone", {"objector_phone": "23812345678"}),
], ids=["empty", "too_long", "unknown_line", "no_line", "short_phone", "not_mobile"])
def test_bad_input_names_the_field_and_writes_nothing(client, county, field, data):
    response = client.post(form_url(county), valid(**data))
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [field]
    body = response.content.decode()
    assert f'<li data-field="{field}">{form.fields[field].label}: ' in body
    assert objections_of(county) == [] and item_of(county).status == ItemStatus.LISTED


def test_bad_phone_message(client, county):
    response = client.post(form_url(county), valid(objector_phone="12345"))
    assert response.context["form"].errors["objector_phone"] == [
        _("Enter an 11-digit mobile number or a landline with its area code (0371-12345678).")]


@pytest.mark.parametrize("offset, days", [(2, 3), (-4, 3)], ids=["not_started", "over"])
def test_not_running_says_so_and_writes_nothing(client, offset, days):
    county = make_notice_world(starts_on=timezone.localdate() + datetime.timedelta(days=offset), days=days)
    notice = county.notice
    page = client.get(form_url(county))
    assert page.status_code == 200
    expected = selectors.running_refusal(notice)
    assert expected and page.context["closed"] == expected
    assert 'id="notice-closed"' in page.content.decode() and 'id="objection-form"' not in page.content.decode()
    assert client.post(form_url(county), valid()).status_code == 200
    assert objections_of(county) == [] and item_of(county).status == ItemStatus.LISTED


def test_csrf_is_checked(county):
    client = Client(enforce_csrf_checks=True)
    assert client.post(form_url(county), valid()).status_code == 403
    assert objections_of(county) == []


# --- rate limit -------------------------------------------------------------------------------------------

@override_settings(PUBLIC_OBJECTIONS_PER_WINDOW=2, PUBLIC_RATE_WINDOW_SECONDS=600)
def test_rate_limit_on_objections(client, county):
    for _i in range(5):  # reading the form is not counted
        assert client.get(form_url(county)).status_code == 200
    assert client.post(form_url(county), valid(line_no="1")).status_code == 302
    assert client.post(form_url(county), valid(line_no="2", content=" ")).status_code == 200  # an attempt counts
    response = client.post(form_url(county), valid(line_no="3"))
    assert response.status_code == 429
    assert 'id="too-many"' in response.content.decode()
    assert [o.item_id for o in objections_of(county)] == [county.items[0].pk]
    assert item_of(county, 2).status == ItemStatus.LISTED
    # Another address has its own budget.
    assert client.post(form_url(county), valid(line_no="3"), REMOTE_ADDR="10.1.2.3").status_code == 302


@override_settings(PUBLIC_OBJECTIONS_PER_WINDOW=1, PUBLIC_RATE_WINDOW_SECONDS=600, PUBLIC_CLIENT_IP_HEADER="HTTP_X_REAL_IP")
def test_behind_nginx_the_budget_is_per_visitor_not_per_proxy(client, county):
    # Every request reaches gunicorn from 127.0.0.1; nginx names the visitor in X-Real-IP.
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    assert client.post(form_url(county), valid(line_no="1"), HTTP_X_REAL_IP="10.0.0.1", **proxy).status_code == 302
    assert client.post(form_url(county), valid(line_no="2"), HTTP_X_REAL_IP="10.0.0.1", **proxy).status_code == 429
    assert client.post(form_url(county), valid(line_no="2"), HTTP_X_REAL_IP="10.0.0.2", **proxy).status_code == 302


@override_settings(PUBLIC_OBJECTIONS_PER_WINDOW=2, PUBLIC_RATE_WINDOW_SECONDS=600)
def test_rate_limit_on_lookups_is_four_times_larger(client, county):
    for _i in range(8):
        assert client.post("/public/lookup/", {"reference": "YY23456789AB"}).status_code == 200
    assert client.post("/public/lookup/", {"reference": "YY23456789AB"}).status_code == 429
    assert client.get("/public/lookup/").status_code == 200


# Redis "down": nothing listens on port 1, so every cache call raises redis' ConnectionError.
REDIS_DOWN = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}


def test_with_redis_down_objections_are_lodged_and_looked_up_and_the_outage_is_logged(client, county, caplog):
    """R8: the rate limit fails open: a villager's objection is never refused because Redis is down."""
    with (override_settings(CACHES=REDIS_DOWN, PUBLIC_OBJECTIONS_PER_WINDOW=1),
          caplog.at_level(logging.WARNING, logger="sunshine_credit.lib.ratelimit")):
        response = client.post(form_url(county), valid(), follow=True)
        [objection] = objections_of(county)
        assert response.status_code == 200
        assert f'id="reference">{objection.reference}<' in response.content.decode()
        assert client.post(form_url(county), valid(line_no="2")).status_code == 302  # uncounted while Redis is down
        lookup = client.post("/public/lookup/", {"reference": objection.reference})
        assert lookup.status_code == 200 and lookup.context["result"].reference == objection.reference
    assert len(objections_of(county)) == 2
    warnings = [r for r in caplog.records if r.name == "sunshine_credit.lib.ratelimit"]
    assert [r.levelno for r in warnings] == [logging.WARNING] * 3
    assert "ConnectionError" in warnings[0].getMessage()


# --- look-up ----------------------------------------------------------------------------------------------

def test_lookup_before_and_after_reconsideration(client, county):
    client.post(form_url(county), valid(objector_phone="13912345678", objector_name="王五"))
    [objection] = objections_of(county)
    typed = " " + objection.reference[:6].lower() + " " + objection.reference[6:] + " "
    response = client.post("/public/lookup/", {"reference": typed})
    result = response.context["result"]
    assert (result.reference, result.line_no, result.name, result.status) == (objection.reference, 1, "农*1", "open")
    assert not result.reconsidered and result.reasons == ""

    tina = county.tina
    services.item_reconsider(scope=scope_for_user(tina), actor=tina, item_id=county.items[0].pk,
                             version=item_of(county).version, outcome="changed", amount=Decimal(40000),
                             reason="家庭负债较多，下调额度")
    response = client.post("/public/lookup/", {"reference": objection.reference})
    result = response.context["result"]
    assert (result.status, result.outcome, result.final_amount, result.reasons) == (
        "closed", "changed", Decimal("40000.00"), "家庭负债较多，下调额度")
    body = response.content.decode()
    assert county.notice.title in body and "40,000" in body and "家庭负债较多，下调额度" in body
    assert str(result.outcome_display) in body
    assert "13912345678" not in body and "王五" not in body
    assert_no_personal_data(county, body)


def test_lookup_of_an_upheld_objection_shows_no_amount(client, county):
    client.post(form_url(county), valid())
    [objection] = objections_of(county)
    tina = county.tina
    services.item_reconsider(scope=scope_for_user(tina), actor=tina, item_id=county.items[0].pk,
                             version=item_of(county).version, outcome="upheld", reason="情况不属实")
    result = client.post("/public/lookup/", {"reference": objection.reference}).context["result"]
    assert (result.outcome, result.final_amount, result.reasons) == ("upheld", None, "情况不属实")


@pytest.mark.parametrize("reference", ["YY23456789AB", "hello", "YY' OR 1=1"])
def test_lookup_of_an_unknown_reference_is_a_form_error(client, county, reference):
    response = client.post("/public/lookup/", {"reference": reference})
    assert response.status_code == 200 and response.context["result"] is None
    assert response.context["form"].errors["reference"] == [
        _("No objection has this reference number. Check it against your confirmation.")]
