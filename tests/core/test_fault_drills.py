"""Issue 18.3: faults, each with what it loses (the goal: nothing).

In the suite (SQLite or PostgreSQL, fast):
- the files volume full (ENOSPC part-way through a write) while a job stores a generated file or a board PDF,
  and while staff upload a roster: a clear error, the job failed with a readable error, no half file on disk, no
  row pointing at a missing file; the retry later succeeds;
- the database unreachable mid-request: a clear 503 page (our template, no traceback), and the settings that let
  the next request reconnect by itself (CONN_HEALTH_CHECKS).
With a real broker (marked real_broker; `make drills` runs them against its own PostgreSQL and Redis, see
bench/drills/run.py) further below: Redis stopped while staff save, a worker killed mid-board and mid-daily-job.
"""

import errno
import functools
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection, transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext
from django_scopes import scopes_disabled

from appraisal.models import Panel
from households.models import RosterImport
from publicity.models import Notice, NoticeItem
from publicity.services import notice_retry
from publicity.tasks import render_notice
from sunshine_credit.celery import app
from sunshine_credit.jobs import job_retry
from sunshine_credit.lib import ratelimit
from sunshine_credit.models import GeneratedFile, Job
from sunshine_credit.services import run_file_job
from sunshine_credit.tasks import requeue_unsent_jobs
from tests.appraisal.factories import make_panel_world
from tests.core.test_generated_files import ask, render
from tests.core.test_jobs import broker
from tests.factories import make_id_number
from tests.households.roster_files import roster_bytes, roster_row
from tests.publicity.test_publish import grant


def files_on_disk() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


class FullDisk:
    """A file whose volume fills up part-way: the first write puts half its bytes on disk, then ENOSPC."""

    def __init__(self, real):
        self._real = real

    def write(self, data):
        self._real.write(data[: len(data) // 2])
        self._real.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name):
        return getattr(self._real, name)


@pytest.fixture
def full_disk(monkeypatch):
    """Every file Django's storage opens from now on hits a full volume (the storage writes through os.fdopen)."""
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, *args, **kwargs: FullDisk(real_fdopen(fd, *args, **kwargs)))
    return monkeypatch


# --- the files volume full ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_full_volume_fails_the_file_job_leaves_no_half_file_and_the_retry_succeeds(county, full_disk):
    item = ask(county)
    with pytest.raises(OSError) as raised:
        run_file_job(item.job_id, render)
    assert raised.value.errno == errno.ENOSPC
    with scopes_disabled():
        item.refresh_from_db()
        job = Job.objects.get(pk=item.job_id)
    assert (item.status, item.file.name, item.sha256) == (GeneratedFile.Status.FAILED, "", "")
    assert job.status == Job.Status.FAILED and "No space left on device" in job.error
    assert files_on_disk() == []   # Django's own storage would leave the half-written file here

    full_disk.undo()   # space freed; the administrator sends it again (issue 18.6)
    assert job_retry(job.pk)
    run_file_job(job.pk, render)
    with scopes_disabled():
        item.refresh_from_db()
    assert item.status == GeneratedFile.Status.DONE
    assert files_on_disk() == [Path(item.file.path)] and Path(item.file.path).read_bytes().startswith(b"%PDF")


@pytest.mark.django_db
def test_a_full_volume_while_replacing_a_file_keeps_the_earlier_one(county, monkeypatch):
    item = ask(county)
    run_file_job(item.job_id, render)
    with scopes_disabled():
        item.refresh_from_db()
    earlier = Path(item.file.path)
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, *args, **kwargs: FullDisk(real_fdopen(fd, *args, **kwargs)))
    from sunshine_credit.services import generated_file_store
    with pytest.raises(OSError):
        generated_file_store(item=item, content=b"%PDF-1.7 a second rendering")
    assert files_on_disk() == [earlier] and earlier.read_bytes().startswith(b"%PDF-1.7 made for")


@pytest.fixture
def board(county, django_capture_on_commit_callbacks):
    """东岭村's signed panel over four granted households; its board published, the printing job not yet run."""
    make_panel_world(county, households=4, status=Panel.Status.SIGNED)
    grant(county)
    from publicity.services import publish_precredit
    from sunshine_credit.scoping import activate, scope_for_user

    scope = scope_for_user(county.tina)
    with activate(scope):
        return publish_precredit(scope=scope, actor=county.tina, panel_id=county.panel.pk)


@pytest.mark.django_db
def test_a_full_volume_while_printing_a_board_fails_it_cleanly_and_the_retry_prints_it_once(county, board,
                                                                                              full_disk):
    with scopes_disabled():
        items = NoticeItem.objects.filter(notice=board).count()
    with pytest.raises(OSError):
        render_notice(job_id=board.job_id)
    with scopes_disabled():
        board.refresh_from_db()
        job = Job.objects.get(pk=board.job_id)
    assert (board.status, board.file.name, board.sha256) == (Notice.Status.FAILED, "", "")
    assert job.status == Job.Status.FAILED and "No space left on device" in job.error
    assert files_on_disk() == []

    full_disk.undo()
    with scopes_disabled():
        notice_retry(notice=board, actor=county.tina)   # the officer's "print again" (a new job)
        board.refresh_from_db()
        render_notice(job_id=board.job_id)
        board.refresh_from_db()
        assert NoticeItem.objects.filter(notice=board).count() == items
    assert board.status == Notice.Status.PUBLISHED and files_on_disk() == [Path(board.file.path)]
    assert hashlib.sha256(Path(board.file.path).read_bytes()).hexdigest() == board.sha256


@pytest.mark.django_db
def test_a_full_volume_while_uploading_answers_a_clear_page_and_keeps_nothing(county, full_disk):
    client = Client(raise_request_exception=False)
    client.force_login(county.tina)
    village = county.v_a
    rows = [roster_row(village.branch.code, village.code, f"{village.code}-001", "王一", make_id_number(),
                       village_name=village.name)]
    response = client.post(reverse("households:roster_import_list"),
                           {"file": SimpleUploadedFile("roster.xlsx", roster_bytes(rows))})
    page = response.content.decode()
    assert response.status_code == 507
    assert escape(gettext("Storage is full")) in page and 'id="error-message"' in page
    assert "Traceback" not in page and "ENOSPC" not in page and "No space" not in page
    with scopes_disabled():
        assert not RosterImport.objects.exists() and not Job.objects.exists()
    assert files_on_disk() == []


# --- the database unreachable mid-request ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_database_unreachable_answers_a_clear_503_page_without_detail(county, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(county.tina)

    def gone(self, *args, **kwargs):
        raise OperationalError('server closed the connection unexpectedly (host "db.bank.internal")')

    # The session is the first thing of a request to read the database: the failure is in a middleware.
    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", gone)
    response = client.get(reverse("dashboard"))
    page = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert escape(gettext("The database is temporarily unavailable. Please try again in a moment; nothing of this "
                          "request was saved.")) in page
    for detail in ("Traceback", "OperationalError", "db.bank.internal"):
        assert detail not in page
    assert response["X-Request-ID"] in page   # the number to tell the administrator

    monkeypatch.undo()   # the database is back: the next request is served
    assert client.get(reverse("dashboard")).status_code == 200


@pytest.mark.django_db
def test_any_other_error_is_a_plain_500_page(county, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(county.tina)
    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load",
                        lambda self: (_ for _ in ()).throw(RuntimeError("boom /srv/secret")))
    response = client.get(reverse("dashboard"))
    page = response.content.decode()
    assert response.status_code == 500 and "Retry-After" not in response
    assert escape(gettext("Server error")) in page and "boom" not in page and "Traceback" not in page


def test_a_kept_connection_is_checked_before_reuse():
    """After a database restart a kept connection is dead: the health check makes the next request reconnect."""
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


# --- with a real broker: Redis stopped while staff save; a worker killed mid-job ---------------------------------
# Each records its outcome for `make drills` (bench/drills/run.py) when DRILL_RESULTS names a file.

REAL_BROKER = bool(os.environ.get("REDIS_URL")) and "postgresql" in settings.DATABASES["default"]["ENGINE"]
ROOT = Path(__file__).resolve().parents[2]


def record(drill: str, **outcome) -> None:
    if os.environ.get("DRILL_RESULTS"):
        with open(os.environ["DRILL_RESULTS"], "a") as out:
            out.write(json.dumps({"drill": drill, **outcome}, default=str, ensure_ascii=False) + "\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_start(port: int) -> subprocess.Popen:
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port, socket_connect_timeout=0.5)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            client.ping()
            return server
        except redis.ConnectionError:
            time.sleep(0.1)
    server.kill()
    pytest.fail(f"redis-server on port {port} did not start")


def redis_stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=10)


@contextmanager
def worker_process(queue: str, tmp_path, name: str, *, broker_url: str = "", slow: str = ""):
    """A separate Celery worker (tests/core/drill_worker.py) on our own queue, sharing the test database; `slow`
    makes a function sleep first (DRILL_SLOW) so that the drill can kill it mid-job. Its log: tmp_path/<name>.log."""
    db = connection.settings_dict
    env = {**os.environ, "MEDIA_ROOT": str(settings.MEDIA_ROOT), "DEBUG": "true",
           "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
                           f"{db['PORT'] or 5432}/{db['NAME']}",
           "DRILL_SLOW": slow, "DRILL_MARK": str(tmp_path / f"{name}.started")}
    if broker_url:
        env["REDIS_URL"] = broker_url
    log = (tmp_path / f"{name}.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "core" / "drill_worker.py"), "-A", "sunshine_credit", "worker",
         "--pool=solo", "-c1", "-Q", queue, "-n", f"{queue}-{name}@%h", "--without-mingle", "--without-gossip",
         "--without-heartbeat", "-l", "INFO"],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    worker.log_path = tmp_path / f"{name}.log"
    try:
        yield worker
    finally:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        log.close()


def kill_mid_job(worker, tmp_path, name: str, timeout: float = 90) -> None:
    """Wait until the slowed function has started in the worker, then kill -9 it (no goodbye, no ack)."""
    mark = tmp_path / f"{name}.started"
    deadline = time.monotonic() + timeout
    while not mark.exists():
        if worker.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the job never started; worker log:\n{worker.log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def own_queue(monkeypatch, *tasks) -> str:
    queue = f"sc-drill-{uuid.uuid4().hex[:10]}"
    for task in (app.tasks[t.name] for t in tasks):
        monkeypatch.setattr(task, "apply_async", functools.partial(type(task).apply_async, task, queue=queue))
    return queue


def redeliver_now(queue: str) -> int:
    """Redis hands an unacknowledged message out again once the visibility timeout (hours) has passed since its
    delivery: make our queue's dead deliveries that old, so the next worker restores them within seconds."""
    client = redis.Redis.from_url(app.conf.broker_url)
    aged = 0
    for tag, payload in client.hgetall("unacked").items():
        if json.loads(payload)[2] == queue:   # [message, exchange, routing key]
            client.zadd("unacked_index", {tag: 0})
            aged += 1
    return aged


def wait_for(predicate, worker, *, timeout: float = 90, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if worker.poll() is not None:
            break
        time.sleep(0.3)
    pytest.fail(f"{what} did not happen; worker log:\n{worker.log_path.read_text()[-3000:]}")


def publish_board(county) -> Notice:
    from publicity.services import publish_precredit
    from sunshine_credit.scoping import activate, scope_for_user

    scope = scope_for_user(county.tina)
    with activate(scope):
        return publish_precredit(scope=scope, actor=county.tina, panel_id=county.panel.pk)


def board_state(notice: Notice) -> dict:
    with scopes_disabled():
        notice.refresh_from_db()
        job = Job.objects.get(pk=notice.job_id)
        files = [p for p in files_on_disk() if "notices" in p.parts]
        return {"status": notice.status, "sha256": notice.sha256, "items": NoticeItem.objects.filter(
                    notice=notice).count(), "files": len(files),
                "file_matches_sha256": bool(notice.file) and hashlib.sha256(
                    Path(notice.file.path).read_bytes()).hexdigest() == notice.sha256,
                "job": job.status, "attempts": job.attempts, "notices": Notice.objects.count()}


@pytest.mark.real_broker
@pytest.mark.skipif(not REAL_BROKER or not shutil.which("redis-server"),
                    reason="needs REDIS_URL, PostgreSQL and redis-server; `make drills` runs it")
def test_drill_redis_stopped_while_staff_publish_a_board(transactional_db, county, monkeypatch, tmp_path, settings):
    """R8: Redis (broker and cache) stopped; the officer publishes a board: it answers at once, the Job row waits
    unsent; the public form's rate limit lets visitors through (fails open); /healthz says degraded. Redis back:
    the requeue sweep sends the job, a worker prints the board once."""
    make_panel_world(county, households=4, status=Panel.Status.SIGNED)
    grant(county)
    queue = own_queue(monkeypatch, render_notice)
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    server = redis_start(port)
    with broker(url, eager=False):   # (the Celery app reads Django's settings live: change them after saving)
        settings.CELERY_BROKER_URL = url   # what /healthz pings
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
                                       "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
        redis_stop(server)
        started = time.monotonic()
        notice = publish_board(county)   # commits; sending the id fails; the request does not
        seconds = round(time.monotonic() - started, 2)
        with scopes_disabled():
            job = Job.objects.get(pk=notice.job_id)
        assert (job.status, job.sent_at) == (Job.Status.PENDING, None) and seconds < 15
        request = RequestFactory().post("/public/n/x/", REMOTE_ADDR="203.0.113.9")
        let_through = [ratelimit.hit(request, "objection", limit=1, window=60) for _ in range(3)]
        assert let_through == [True, True, True]   # fails open: the cache cannot count
        health = Client().get("/healthz")
        assert health.status_code == 200 and health.json()["status"] == "degraded"
        assert health.json()["checks"]["redis"]["status"] == "error"

        server = redis_start(port)
        try:
            Job.objects.filter(pk=job.pk).update(created_at=job.created_at - timedelta(minutes=5))
            assert requeue_unsent_jobs() == 1
            with worker_process(queue, tmp_path, "after", broker_url=url) as worker:
                wait_for(lambda: board_state(notice)["job"] in (Job.Status.DONE, Job.Status.FAILED), worker,
                         what="printing the board")
            assert requeue_unsent_jobs() == 0
        finally:
            redis_stop(server)
    state = board_state(notice)
    assert state["status"] == Notice.Status.PUBLISHED and state["job"] == Job.Status.DONE
    assert (state["attempts"], state["files"], state["file_matches_sha256"]) == (1, 1, True)
    record("redis_stopped_while_saving", publish_seconds=seconds, job_waited_unsent=True,
           rate_limit_failed_open=True, healthz=health.json()["status"], after_redis_back=state, lost="nothing")


@pytest.mark.real_broker
@pytest.mark.skipif(not REAL_BROKER, reason="needs REDIS_URL and PostgreSQL; `make drills` runs it")
def test_drill_worker_killed_mid_board_prints_it_exactly_once(transactional_db, county, monkeypatch, tmp_path):
    """A worker killed -9 while it renders the board PDF. Its heartbeat goes stale, the sweep sends the job again,
    a new worker prints it; the dead worker's own delivery, handed out again later, does nothing."""
    make_panel_world(county, households=4, status=Panel.Status.SIGNED)
    grant(county)
    queue = own_queue(monkeypatch, render_notice)
    notice = publish_board(county)   # sent to Redis after commit
    with worker_process(queue, tmp_path, "killed", slow="publicity.services.board_pdf:120") as worker:
        kill_mid_job(worker, tmp_path, "killed")
    during = board_state(notice)
    assert (during["job"], during["status"], during["files"]) == (Job.Status.RUNNING, Notice.Status.RENDERING, 0)

    # JOB_STALE_SECONDS pass without a heartbeat (the row is aged rather than the test waiting 5 minutes).
    stale = timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS + 1)
    Job.objects.filter(pk=notice.job_id).update(heartbeat_at=stale)
    assert requeue_unsent_jobs() == 1
    assert redeliver_now(queue) == 1   # and the killed worker's delivery comes back too
    with worker_process(queue, tmp_path, "new") as worker:
        wait_for(lambda: worker.log_path.read_text().count("succeeded") >= 2, worker,
                 what="both deliveries handled")
    after = board_state(notice)
    assert after == {**after, "status": Notice.Status.PUBLISHED, "job": Job.Status.DONE, "attempts": 2,
                     "files": 1, "file_matches_sha256": True, "items": 3, "notices": 1}
    assert requeue_unsent_jobs() == 0
    record("worker_killed_mid_board", during_outage=during, after=after,
           lost="nothing (the killed run wrote no file and no row: it died before storing)")


def post_loan_counts() -> dict:
    with scopes_disabled():
        return {model.__name__: model.objects.count() for model in apps.get_app_config("post_loan").get_models()}


@pytest.mark.real_broker
@pytest.mark.skipif(not REAL_BROKER, reason="needs REDIS_URL and PostgreSQL; `make drills` runs it")
def test_drill_worker_killed_mid_daily_job_gives_one_days_work(transactional_db, county, monkeypatch, tmp_path):
    """post_loan.daily killed -9 after three of its seven steps (visits, reminders, cases) and before the letters.
    The message was not acknowledged (acks_late): Redis hands it out again after the visibility timeout and the
    whole day runs again; each step is idempotent per day, so the rows equal one clean run's."""
    from post_loan.services.daily import postloan_daily
    from post_loan.tasks import daily
    from tests.post_loan.classification_world import overdue

    today = timezone.localdate()
    for days in (1, 3, 30, 83, 91, 200):
        overdue(county, days, today=today)
    overdue(county, 5, today=today, village=county.v_b)
    before = post_loan_counts()

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():   # a clean single run, for comparison, undone
        postloan_daily(today=today)
        clean = post_loan_counts()
        raise Rollback
    assert post_loan_counts() == before and clean != before

    queue = own_queue(monkeypatch, daily)
    daily.apply_async(queue=queue)   # as beat sends it
    with worker_process(queue, tmp_path, "killed", slow="post_loan.services.letters.issue_due_letters:120") as worker:
        kill_mid_job(worker, tmp_path, "killed")
    during = post_loan_counts()
    assert redeliver_now(queue) == 1   # not acknowledged: Redis still holds it
    with worker_process(queue, tmp_path, "new") as worker:
        wait_for(lambda: "succeeded" in worker.log_path.read_text(), worker, what="the daily job run again")
    after = post_loan_counts()
    assert after == clean
    postloan_daily(today=today)   # and one more run (tomorrow's beat would not, but a redelivery might)
    assert post_loan_counts() == clean
    record("worker_killed_mid_daily_job", clean_run=clean, when_killed=during, after_redelivery=after,
           lost="nothing")


@pytest.mark.parametrize("debug, env_age, age", [("false", None, 60), ("true", None, 0), ("false", "0", 0)])
def test_production_keeps_connections_a_minute_unless_told(debug, env_age, age):
    """A connection per request costs more than many a page's queries under load: production keeps each for 60 s
    (DB_CONN_MAX_AGE overrides; development opens one per request); kept ones are health-checked."""
    env = {k: v for k, v in os.environ.items() if k not in ("DB_CONN_MAX_AGE", "DATABASE_URL")}
    env.update({"DEBUG": debug, "SECRET_KEY": "k" * 60 + "Zq9!", "PUBLIC_BASE_URL": "https://x.example.org",
                "DATABASE_URL": "postgres://u@127.0.0.1:1/x", "DJANGO_SETTINGS_MODULE": "sunshine_credit.settings"})
    if env_age is not None:
        env["DB_CONN_MAX_AGE"] = env_age
    out = subprocess.run([sys.executable, "-c", "from django.conf import settings as s; d = s.DATABASES['default'];"
                          "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.split()
    assert out == [str(age), "True"]
