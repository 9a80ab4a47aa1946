"""Issue 18.6: `/healthz`, for the load balancer, the service manager and monitoring.

    GET /healthz → {"status": "ok" | "degraded" | "down",
                    "checks": {"database": {...}, "redis": {...}, "worker": {...}, "beat": {...}}}

Each check answers {"status": "ok" | "not used" | "stale" | "error" | "unknown", ...} with its age or duration in
seconds and, on an error, the exception's class name only (never a message: it may name a host or a password).
Nothing personal and no configuration is shown; it needs no login, reads no session and writes nothing, so
HealthCheckMiddleware answers it before every other middleware (no session, no login, no host or HTTPS redirect:
the service manager probes 127.0.0.1:8000 directly).

- database: SELECT 1 (PostgreSQL: within a 2-second statement timeout). Down → "down", HTTP 503: this process
  cannot serve a page, so the load balancer takes it out.
- redis: PING with a 1-second socket timeout. Not configured (REDIS_URL unset: `make run`, jobs inline) → "not
  used". Down → "degraded", HTTP 200: pages still work (R8), jobs wait for Redis.
- worker: Celery beat sends the task `sunshine_credit.heartbeat` every minute; the worker that runs it records
  when (`record_worker_heartbeat`). Not run for STALE_SECONDS (3 minutes) → "stale": no worker runs jobs (or every
  worker is busy with long jobs) → "degraded", HTTP 200: restarting the web process would not help.
- beat: when beat last sent that task (a Celery `after_task_publish` signal in the beat process,
  sunshine_credit/celery.py). None for STALE_SECONDS → "stale" → "degraded", HTTP 200; the sweeps and daily
  jobs are not being sent.
In eager mode (no broker) worker and beat are "not used". The heartbeats live in Django's cache, which is Redis
whenever REDIS_URL is set; with Redis down they are "unknown".
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpResponseNotAllowed, JsonResponse
from django.utils.cache import add_never_cache_headers

HEARTBEAT_TASK = "sunshine_credit.heartbeat"
WORKER_KEY = "sunshine_credit:health:worker_ran_at"
BEAT_KEY = "sunshine_credit:health:beat_sent_at"
STALE_SECONDS = 180
PATH = "/healthz"

OK, NOT_USED, STALE, ERROR, UNKNOWN = "ok", "not used", "stale", "error", "unknown"


def record_worker_heartbeat(now: float | None = None) -> None:
    cache.set(WORKER_KEY, time.time() if now is None else now, timeout=None)


def record_beat_sent(now: float | None = None) -> None:
    cache.set(BEAT_KEY, time.time() if now is None else now, timeout=None)


def _uses_broker() -> bool:
    from .celery import app

    return bool(settings.CELERY_BROKER_URL) and not app.conf.task_always_eager


def check_database() -> dict:
    started = time.monotonic()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL statement_timeout = 2000")
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure is "down"; the class name only (a message may name the host)
        return {"status": ERROR, "error": exc.__class__.__name__}
    return {"status": OK, "seconds": round(time.monotonic() - started, 3)}


def check_redis() -> dict:
    url = settings.CELERY_BROKER_URL
    if not url:
        return {"status": NOT_USED}
    import redis

    started = time.monotonic()
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except Exception as exc:
        return {"status": ERROR, "error": exc.__class__.__name__}
    finally:
        client.close()
    return {"status": OK, "seconds": round(time.monotonic() - started, 3)}


def check_heartbeat(key: str, *, now: float | None = None) -> dict:
    """How long ago the heartbeat at `key` was recorded: stale past STALE_SECONDS, or when none ever was."""
    try:
        last = cache.get(key)
    except Exception as exc:  # the cache is Redis, and Redis does not answer
        return {"status": UNKNOWN, "error": exc.__class__.__name__}
    if last is None:
        return {"status": STALE, "seconds_ago": None}
    age = max(0, round((time.time() if now is None else now) - float(last)))
    return {"status": OK if age <= STALE_SECONDS else STALE, "seconds_ago": age}


def health() -> tuple[str, dict]:
    checks = {"database": check_database(), "redis": check_redis()}
    if not _uses_broker():
        checks["worker"] = checks["beat"] = {"status": NOT_USED}
    elif checks["redis"]["status"] != OK:
        checks["worker"] = checks["beat"] = {"status": UNKNOWN}
    else:
        checks["worker"], checks["beat"] = check_heartbeat(WORKER_KEY), check_heartbeat(BEAT_KEY)
    if checks["database"]["status"] != OK:
        status = "down"
    elif all(check["status"] in (OK, NOT_USED) for check in checks.values()):
        status = "ok"
    else:
        status = "degraded"
    return status, checks


def healthz(request) -> JsonResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    status, checks = health()
    response = JsonResponse({"status": status, "checks": checks}, status=503 if status == "down" else 200)
    add_never_cache_headers(response)
    response["X-Content-Type-Options"] = "nosniff"
    return response


class HealthCheckMiddleware:
    """Answers /healthz before any other middleware (after RequestIdMiddleware): no session, login, CSRF or
    host check, and no redirect to HTTPS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.rstrip("/") == PATH:
            return healthz(request)
        return self.get_response(request)
