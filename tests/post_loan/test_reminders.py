"""Issue 16 item 2, the phone and message part (C2): the officer's 30-day phone list with the call's outcome, and
the text messages 30 and 14 days before maturity through the pluggable sender."""

import datetime
import logging

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from credit_use.models import Drawdown
from post_loan.messaging import ConsoleBackend
from post_loan.models import Message, ReminderCall
from post_loan.rules.reminders import MATURITY_14, MATURITY_30
from post_loan.services.reminders import send_due_messages
from tests.credit_use.factories_drawdowns import make_drawdown_world
from tests.post_loan import backends
from tests.post_loan.visit_world import loan, loan_b, set_phone

PHONE = "13812345678"


@pytest.fixture
def world(county):
    world = make_drawdown_world(county)
    for home in world.h + [world.h_b]:
        set_phone(home, PHONE)
    return world


def messages(**filters):
    with scopes_disabled():
        return list(Message.objects.filter(**filters).order_by("pk"))


# --- the phone list ----------------------------------------------------------------------------------------------

def test_the_list_holds_loans_due_within_30_days_inclusive(client, world, django_assert_num_queries):
    on_30 = loan(world, 0, due_in=30)
    on_31 = loan(world, 1, due_in=31)
    today_due = loan(world, 2, due_in=0)
    overdue = loan(world, 3, due_in=-1)
    world.login(client, world.tina)
    url = reverse("post_loan:reminder_list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        html = client.get(url).content.decode()
    assert f'id="loan-{on_30.pk}"' in html and f'id="loan-{today_due.pk}"' in html
    queries = len(few)  # now: the next request clears the connection's query log
    assert queries > 3
    assert f'id="loan-{on_31.pk}"' not in html and f'id="loan-{overdue.pk}"' not in html
    # The next day the 31-day loan is 30 days away: on the list; the loan due today has become overdue: off it.
    with scopes_disabled():
        for d in (on_30, on_31, today_due):
            Drawdown.objects.filter(pk=d.pk).update(due_on=d.due_on - datetime.timedelta(days=1))
    html = client.get(url).content.decode()
    assert f'id="loan-{on_31.pk}"' in html and f'id="loan-{today_due.pk}"' not in html
    # No N+1: more loans, as many queries.
    loan(world, 3, due_in=10)
    with django_assert_num_queries(queries):
        client.get(url)


def test_a_call_is_recorded_with_one_tap_and_shown(client, world):
    d = loan(world, 0, due_in=20)
    world.login(client, world.tina)
    html = client.get(reverse("post_loan:reminder_list")).content.decode()
    assert f'href="tel:{PHONE}"' in html and "data-outcome=" not in html
    response = client.post(reverse("post_loan:reminder_call", args=[d.pk]),
                           {"outcome": ReminderCall.Outcome.PROMISED_LATE, "note": "外出打工，下月回"})
    assert response.status_code == 302
    with scopes_disabled():
        [call] = ReminderCall.objects.all()
    assert (call.drawdown_id, call.outcome, call.called_by_id, call.called_on) == (
        d.pk, "late", world.tina.pk, timezone.localdate())
    html = client.get(reverse("post_loan:reminder_list")).content.decode()
    assert 'data-outcome="late"' in html and "外出打工，下月回" in html
    # An outcome not in the list is refused; another branch's officer cannot record a call on this loan.
    client.post(reverse("post_loan:reminder_call", args=[d.pk]), {"outcome": "bribed"})
    world.login(client, world.bob)
    assert client.post(reverse("post_loan:reminder_call", args=[d.pk]), {"outcome": "reached"}).status_code == 404
    assert f'id="loan-{d.pk}"' not in client.get(reverse("post_loan:reminder_list")).content.decode()
    with scopes_disabled():
        assert ReminderCall.objects.count() == 1
    # The loan's page shows the call.
    world.login(client, world.tina)
    page = client.get(reverse("credit_use:drawdown_detail", args=[d.pk])).content.decode()
    assert "外出打工，下月回" in page and 'id="loan-calls"' in page


@pytest.mark.parametrize("who", ["tom", "sue", "pat"])
def test_the_phone_is_masked_for_those_who_do_not_make_the_calls(client, world, who):
    d = loan(world, 0, due_in=20)
    world.login(client, world[who])
    response = client.get(reverse("post_loan:reminder_list"))
    html = response.content.decode()
    assert response.status_code == 200 and f'id="loan-{d.pk}"' in html
    assert "138****5678" in html and PHONE not in html and "tel:" not in html
    assert 'name="outcome"' not in html
    assert client.post(reverse("post_loan:reminder_call", args=[d.pk]), {"outcome": "reached"}).status_code == 404


# --- text messages -------------------------------------------------------------------------------------------

def test_send_due_messages_is_idempotent_at_30_and_14_days(world):
    today = timezone.localdate()
    d30, d20, d14, d31 = loan(world, 0, due_in=30), loan(world, 1, due_in=20), loan(world, 2, due_in=14), loan(
        world, 3, due_in=31)
    b15 = loan_b(world, due_in=15)
    with scopes_disabled():
        runs = [send_due_messages(today=today) for _ in range(3)]
    assert runs == [{"sent": 4, "failed": 0}, {"sent": 0, "failed": 0}, {"sent": 0, "failed": 0}]
    rows = messages()
    assert {(m.drawdown_id, m.kind, m.status) for m in rows} == {
        (d30.pk, MATURITY_30, "sent"), (d20.pk, MATURITY_30, "sent"), (d14.pk, MATURITY_14, "sent"),
        (b15.pk, MATURITY_30, "sent")}
    assert d31.pk not in {m.drawdown_id for m in rows}
    m30 = next(m for m in rows if m.drawdown_id == d30.pk)
    assert m30.phone == PHONE and m30.household_id == d30.household_id and m30.backend.endswith("DatabaseBackend")
    assert "20,000" in m30.body and f"{d30.due_on:%Y-%m-%d}" in m30.body and "城关支行" in m30.body
    # 16 days later the 30-day loan is 14 days away: its second message, once.
    with scopes_disabled():
        later = [send_due_messages(today=today + datetime.timedelta(days=16)) for _ in range(2)]
    assert later[1] == {"sent": 0, "failed": 0}
    assert {m.kind for m in messages(drawdown_id=d30.pk)} == {MATURITY_30, MATURITY_14}


@override_settings(POST_LOAN_MESSAGE_BACKEND="tests.post_loan.backends.FailingBackend")
def test_a_backend_failure_is_recorded_as_failed(world):
    d = loan(world, 0, due_in=30)
    with scopes_disabled():
        assert send_due_messages(today=timezone.localdate()) == {"sent": 0, "failed": 1}
        assert send_due_messages(today=timezone.localdate()) == {"sent": 0, "failed": 0}
    [m] = messages(drawdown_id=d.pk)
    assert m.status == Message.Status.FAILED and "quota exceeded" in m.error


def test_no_phone_number_is_a_failed_message(world):
    d = loan(world, 0, due_in=30)
    set_phone(world.h[0], "")
    with scopes_disabled():
        assert send_due_messages(today=timezone.localdate()) == {"sent": 0, "failed": 1}
    assert messages(drawdown_id=d.pk)[0].status == Message.Status.FAILED


def test_the_backend_is_swapped_by_settings_without_code_changes(world, settings):
    d = loan(world, 0, due_in=14)
    backends.SENT.clear()
    settings.POST_LOAN_MESSAGE_BACKEND = "tests.post_loan.backends.RecordingBackend"
    with scopes_disabled():
        send_due_messages(today=timezone.localdate())
    assert len(backends.SENT) == 1 and backends.SENT[0][0] == PHONE and f"{d.due_on:%Y-%m-%d}" in backends.SENT[0][1]
    assert messages()[0].backend == "tests.post_loan.backends.RecordingBackend"


def test_the_console_backend_logs_the_phone_masked(caplog):
    with caplog.at_level(logging.INFO, logger="post_loan.messaging"):
        ConsoleBackend().send(PHONE, "请于2026-12-31前还款，联系 13900001111")
    assert "138****5678" in caplog.text and PHONE not in caplog.text and "13900001111" not in caplog.text


def test_messages_list_and_the_loans_page(client, world):
    d = loan(world, 0, due_in=30)
    other = loan_b(world, due_in=30)
    with scopes_disabled():
        send_due_messages(today=timezone.localdate())
    world.login(client, world.tina)
    html = client.get(reverse("post_loan:message_list")).content.decode()
    assert html.count("data-message=") == 1 and "138****5678" in html
    assert f'data-message="{messages(drawdown_id=other.pk)[0].pk}"' not in html
    page = client.get(reverse("credit_use:drawdown_detail", args=[d.pk])).content.decode()
    assert 'id="loan-messages"' in page and f"{d.due_on:%Y-%m-%d}" in page
