"""Issue 18.6: /healthz reports the database, Redis, a worker's heartbeat and beat's last run; 503 only when the
database is down (the process cannot serve a page), 200 and "degraded" for the rest; nothing personal, no session.

The worker and beat tests keep the heartbeats where production does: in the real Redis at REDIS_URL when it is set
(a key prefix of their own), else in the test's cache."""

import os
import time
import uuid

import pytest
from celery import signals
from django.conf import settings as django_settings
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from sunshine_credit import health
from sunshine_credit.celery import app
from sunshine_credit.tasks import heartbeat

REDIS_URL = os.environ.get("REDIS_URL", "")
URL = "/healthz"


def body(response) -> dict:
    assert response["Content-Type"] == "application/json"
    return response.json()


@pytest.fixture
def with_broker(settings, monkeypatch):
    """A deployment with Redis, a worker and beat: Celery not eager; the heartbeats in Redis when REDIS_URL is set
    (else the cache, and Redis's PING answered as up)."""
    settings.CELERY_BROKER_URL = REDIS_URL or "redis://redis.invalid:6379/0"
    if REDIS_URL:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                       "LOCATION": REDIS_URL, "KEY_PREFIX": f"test-healthz-{uuid.uuid4().hex}",
                                       "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    else:
        monkeypatch.setattr(health, "check_redis", lambda: {"status": health.OK, "seconds": 0.001})
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = saved
    from django.core.cache import cache

    cache.delete_many([health.WORKER_KEY, health.BEAT_KEY])


def beat_sends_the_heartbeat():
    """What the beat process's publish signal does when the schedule sends the task."""
    signals.after_task_publish.send(sender=health.HEARTBEAT_TASK, headers={}, body=(), exchange="", routing_key="")


@pytest.mark.django_db
def test_embedded_mode_is_ok_without_redis_worker_or_beat(client, settings):
    settings.CELERY_BROKER_URL = ""  # `make run`: no REDIS_URL, jobs inline
    response = client.get(URL)
    assert response.status_code == 200
    data = body(response)
    assert data["status"] == "ok"
    assert data["checks"]["database"]["status"] == "ok"
    assert {name: data["checks"][name]["status"] for name in ("redis", "worker", "beat")} == \
           {"redis": "not used", "worker": "not used", "beat": "not used"}
    assert response["Cache-Control"].startswith("max-age=0") and "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_database_error_answers_503_down_and_names_no_detail(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError('could not connect to server "db.bank.internal" (password=s3cret)')

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get(URL)
    assert response.status_code == 503
    data = body(response)
    assert data["status"] == "down"
    assert data["checks"]["database"] == {"status": "error", "error": "OperationalError"}
    assert b"s3cret" not in response.content and b"db.bank.internal" not in response.content


@pytest.mark.django_db
def test_no_session_no_login_no_host_check_no_https_redirect(client, county, settings):
    """Probed on 127.0.0.1:8000 by the service manager, or by a browser that has a session: answered all the same,
    and the session is never read."""
    settings.CELERY_BROKER_URL = ""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["credit.example-bank.cn"]
    client.force_login(county.ada)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200 and body(response)["status"] == "ok"
    assert not [q for q in queries if "django_session" in q["sql"] or "auth_user" in q["sql"]]
    assert "Set-Cookie" not in response.headers


@pytest.mark.django_db
def test_only_get_and_head(client):
    assert client.post(URL).status_code == 405
    assert client.head(URL).status_code == 200


@pytest.mark.django_db
def test_redis_down_is_degraded_not_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        started = time.monotonic()
        response = client.get(URL)
        assert time.monotonic() - started < 5  # short timeouts: a probe never hangs on Redis
    finally:
        app.conf.task_always_eager = saved
    assert response.status_code == 200
    data = body(response)
    assert data["status"] == "degraded"
    assert data["checks"]["redis"]["status"] == "error" and data["checks"]["redis"]["error"]
    assert data["checks"]["worker"] == data["checks"]["beat"] == {"status": "unknown"}
    assert b"127.0.0.1" not in response.content


@pytest.mark.django_db
@pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL")
def test_redis_up_answers_ok():
    assert health.check_redis()["status"] == "ok"


@pytest.mark.django_db
def test_a_stopped_worker_is_reported_stale(client, with_broker):
    """The "stopped worker" of issue 18: beat goes on sending the heartbeat, no worker runs it."""
    beat_sends_the_heartbeat()
    response = client.get(URL)
    assert response.status_code == 200
    data = body(response)
    assert data["status"] == "degraded"
    assert data["checks"]["worker"] == {"status": "stale", "seconds_ago": None}
    assert data["checks"]["beat"]["status"] == "ok"


@pytest.mark.django_db
def test_worker_and_beat_ok_when_the_heartbeat_ran(client, with_broker):
    beat_sends_the_heartbeat()
    heartbeat.apply()  # what the worker runs
    data = body(client.get(URL))
    assert data["status"] == "ok", data
    assert data["checks"]["worker"]["status"] == data["checks"]["beat"]["status"] == "ok"
    assert 0 <= data["checks"]["worker"]["seconds_ago"] <= 2


@pytest.mark.django_db
@pytest.mark.parametrize("key, name", [(health.WORKER_KEY, "worker"), (health.BEAT_KEY, "beat")])
def test_a_heartbeat_past_the_limit_is_stale_and_just_inside_is_ok(client, with_broker, key, name):
    other = health.BEAT_KEY if key == health.WORKER_KEY else health.WORKER_KEY
    record = {health.WORKER_KEY: health.record_worker_heartbeat, health.BEAT_KEY: health.record_beat_sent}
    record[other]()
    record[key](time.time() - health.STALE_SECONDS + 5)
    data = body(client.get(URL))
    assert data["checks"][name]["status"] == "ok" and data["status"] == "ok"
    record[key](time.time() - health.STALE_SECONDS - 5)
    response = client.get(URL)
    data = body(response)
    assert response.status_code == 200 and data["status"] == "degraded"
    assert data["checks"][name]["status"] == "stale"
    assert data["checks"][name]["seconds_ago"] >= health.STALE_SECONDS


@pytest.mark.django_db
def test_beat_stopped_too(client, with_broker):
    """Neither beat nor a worker heard of: both stale (beat's stop explains the worker's silence)."""
    data = body(client.get(URL))
    assert data["checks"]["beat"] == data["checks"]["worker"] == {"status": "stale", "seconds_ago": None}


def test_only_the_heartbeat_task_counts_as_beats_run(with_broker):
    signals.after_task_publish.send(sender="credit_use.overdue_sweep", headers={}, body=(), exchange="",
                                    routing_key="")
    assert health.check_heartbeat(health.BEAT_KEY)["status"] == "stale"


def test_beat_sends_the_heartbeat_every_minute_and_drops_unrun_ones():
    [entry] = [e for e in django_settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == health.HEARTBEAT_TASK]
    assert entry["schedule"] == 60.0
    assert entry["options"]["expires"] < health.STALE_SECONDS
    assert heartbeat.name == health.HEARTBEAT_TASK
