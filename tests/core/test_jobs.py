"""R8: a job is a row first, sent only after commit, idempotent, and saving never waits on the broker."""

import functools
import io
import json
import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from households.models import Household, Member, RosterImport
from households.services import roster as services
from households.tasks import apply_roster, validate_roster
from sunshine_credit import jobs
from sunshine_credit.celery import app
from sunshine_credit.jobs import job_enqueue, job_finish, job_start
from sunshine_credit.models import Job
from sunshine_credit.scoping import activate, scope_for_profile
from sunshine_credit.tasks import requeue_unsent_jobs
from tests.factories import make_id_number
from tests.households.roster_files import roster_bytes, roster_row

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: the broker is "down"


@contextmanager
def broker(url: str, *, eager: bool):
    """Point the Celery app at another broker; its connection pools are dropped on the way in and out."""
    saved = app.conf.broker_url, app.conf.task_always_eager

    def reset_pools():
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.broker_url, app.conf.task_always_eager = url, eager
    reset_pools()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        reset_pools()


@pytest.fixture
def officer(county):
    """The county's officer tina (her staff profile) and her village 东岭村, which the rosters fill."""
    return county.tina.staff_profile, county.v_a


def _roster(village, households=2) -> bytes:
    rows = []
    for n in range(households):
        code = f"{village.code}-{n:03d}"
        rows.append(roster_row(village.branch.code, village.code, code, f"王{n}", make_id_number(),
                               village_name=village.name))
        rows.append(roster_row(village.branch.code, village.code, code, f"李{n}", make_id_number(male=False),
                               "配偶", village_name=village.name))
    return roster_bytes(rows)


def _upload(staff, village, **kwargs) -> RosterImport:
    scope = scope_for_profile(staff)
    with activate(scope):
        return services.roster_import_upload(scope=scope, actor=staff.user, name="花名册.xlsx",
                                             data=_roster(village, **kwargs))


def _job(item: RosterImport) -> Job:
    item.refresh_from_db()
    return Job.objects.get(pk=item.job_id)


@pytest.mark.django_db
def test_job_is_sent_only_after_the_transaction_commits(officer, django_capture_on_commit_callbacks):
    staff, village = officer
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        item = _upload(staff, village)
        job = _job(item)
        assert (job.status, job.sent_at) == (Job.Status.PENDING, None)   # nothing sent inside the transaction
    assert len(callbacks) == 1
    job = _job(item)
    item.refresh_from_db()
    assert job.status == Job.Status.DONE and job.sent_at is not None
    assert item.status == RosterImport.Status.VALID


@pytest.mark.django_db
def test_rolled_back_request_sends_nothing(officer, django_capture_on_commit_callbacks):
    staff, village = officer
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            job_enqueue(task_name=validate_roster.name, kwargs={"import_id": 0})
            raise RuntimeError("the request failed")
    assert callbacks == [] and not Job.objects.exists()


@pytest.mark.django_db
def test_with_the_broker_down_saving_still_works_and_the_job_runs_later(officer,
                                                                          django_capture_on_commit_callbacks):
    staff, village = officer
    with broker(UNREACHABLE_BROKER, eager=False):
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            item = _upload(staff, village)   # the request commits although the broker refuses
        assert time.monotonic() - started < 15   # a request never hangs on the broker
    job = _job(item)
    item.refresh_from_db()
    assert item.status == RosterImport.Status.VALIDATING and item.file
    assert (job.status, job.sent_at) == (Job.Status.PENDING, None)

    # A fresh job is left alone (its sending may still be in flight); the sweep takes older ones.
    assert requeue_unsent_jobs() == 0
    Job.objects.filter(pk=job.pk).update(created_at=job.created_at - timedelta(minutes=5))
    assert requeue_unsent_jobs() == 1   # the broker is back (eager again): sent and run
    job = _job(item)
    item.refresh_from_db()
    assert job.status == Job.Status.DONE and job.sent_at is not None
    assert item.status == RosterImport.Status.VALID
    assert requeue_unsent_jobs() == 0   # sent once


@pytest.mark.django_db
def test_requeue_jobs_command_reports_one_json_object(officer, django_capture_on_commit_callbacks):
    staff, village = officer
    with broker(UNREACHABLE_BROKER, eager=False), django_capture_on_commit_callbacks(execute=True):
        item = _upload(staff, village)
    Job.objects.filter(pk=item.job_id).update(created_at=_job(item).created_at - timedelta(minutes=5))
    out = io.StringIO()
    call_command("requeue_jobs", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["ok"] is True and result["sent"] == 1 and result["unsent"] == 0
    assert _job(item).status == Job.Status.DONE


@pytest.mark.django_db
def test_a_redelivered_job_gives_one_result(officer, django_capture_on_commit_callbacks):
    staff, village = officer
    with django_capture_on_commit_callbacks(execute=True):
        item = _upload(staff, village, households=3)
    scope = scope_for_profile(staff)
    with django_capture_on_commit_callbacks(execute=True), activate(scope):
        item = services.roster_import_confirm(scope=scope, actor=staff.user, item=item)
    item.refresh_from_db()
    assert item.status == RosterImport.Status.APPLIED
    with scopes_disabled():
        counts = Household.objects.count(), Member.objects.count()
    assert counts == (3, 6)

    validate_roster(job_id=Job.objects.filter(task_name=validate_roster.name).get().pk)
    apply_roster(job_id=item.job_id)   # the broker delivers both again
    item.refresh_from_db()
    assert item.status == RosterImport.Status.APPLIED
    with scopes_disabled():
        assert (Household.objects.count(), Member.objects.count()) == counts
    assert set(Job.objects.values_list("status", flat=True)) == {Job.Status.DONE}


def _worker_died(job_id: int, *, attempts: int = 1, ago: timedelta = timedelta(hours=1)) -> None:
    """The row as a worker leaves it when it is killed mid-job: RUNNING, its heartbeat long silent."""
    long_ago = timezone.now() - ago
    Job.objects.filter(pk=job_id).update(status=Job.Status.RUNNING, sent_at=long_ago, started_at=long_ago,
                                         heartbeat_at=long_ago, attempts=attempts, created_at=long_ago)


@pytest.mark.django_db
def test_requeue_resends_a_running_job_whose_worker_is_gone(officer, django_capture_on_commit_callbacks):
    staff, village = officer
    with broker(UNREACHABLE_BROKER, eager=False), django_capture_on_commit_callbacks(execute=True):
        item = _upload(staff, village)
    _worker_died(item.job_id)
    assert requeue_unsent_jobs() == 1   # sent again (eager here: it runs at once)
    job = _job(item)
    item.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.DONE, 2)
    assert item.status == RosterImport.Status.VALID
    assert requeue_unsent_jobs() == 0


@pytest.mark.django_db
def test_requeue_leaves_live_and_finished_jobs_alone(monkeypatch, settings):
    sent = []
    monkeypatch.setattr(jobs, "job_send", lambda *, job_id: sent.append(job_id) or True)
    now = timezone.now()
    just_now, long_ago = now - timedelta(seconds=settings.JOB_STALE_SECONDS - 30), now - timedelta(hours=2)
    rows = {status: Job.objects.create(task_name=validate_roster.name, status=status, attempts=1,
                                       sent_at=long_ago, started_at=long_ago, heartbeat_at=beat)
            for status, beat in [(Job.Status.RUNNING, just_now), (Job.Status.DONE, long_ago),
                                 (Job.Status.FAILED, long_ago)]}
    assert requeue_unsent_jobs() == 0 and sent == []
    for status, job in rows.items():
        job.refresh_from_db()
        assert (job.status, job.sent_at, job.attempts) == (status, long_ago, 1)


@pytest.mark.django_db
def test_a_job_is_claimed_by_one_delivery_and_a_dead_workers_claim_can_be_taken_over():
    job = Job.objects.create(task_name=validate_roster.name)
    assert job_start(job.pk).attempts == 1
    assert job_start(job.pk) is None    # a second delivery while the first worker is alive: nothing runs
    _worker_died(job.pk)
    assert job_start(job.pk).attempts == 2
    job_finish(job.pk)
    assert job_start(job.pk) is None    # finished: a redelivery does nothing
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED)
    assert job_start(job.pk) is None


@pytest.mark.django_db
def test_a_job_that_keeps_losing_its_worker_is_failed_not_sent_for_ever(monkeypatch, settings):
    sent = []
    monkeypatch.setattr(jobs, "job_send", lambda *, job_id: sent.append(job_id) or True)
    job = Job.objects.create(task_name=validate_roster.name)
    _worker_died(job.pk, attempts=settings.JOB_MAX_ATTEMPTS)
    assert requeue_unsent_jobs() == 0 and sent == []
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "worker lost" in job.error


REAL_BROKER = bool(os.environ.get("REDIS_URL")) and "postgresql" in settings.DATABASES["default"]["ENGINE"]


@pytest.mark.real_broker
@pytest.mark.skipif(not REAL_BROKER, reason="needs REDIS_URL and PostgreSQL (the worker shares the test database)")
def test_a_real_worker_checks_and_applies_a_roster(transactional_db, officer, monkeypatch, tmp_path):
    """R8 end to end: the request commits, the broker carries the id, a separate worker process runs the job."""
    staff, village = officer
    queue = _own_queue(monkeypatch)
    with celery_worker(queue, tmp_path) as worker:
        item = _upload(staff, village, households=4)   # commits; on_commit sends the id to Redis
        _wait(item, worker, tmp_path)
        item.refresh_from_db()
        assert item.status == RosterImport.Status.VALID, item.errors

        scope = scope_for_profile(staff)
        with activate(scope):
            item = services.roster_import_confirm(scope=scope, actor=staff.user, item=item)
        _wait(item, worker, tmp_path)
        item.refresh_from_db()
        assert item.status == RosterImport.Status.APPLIED
        with scopes_disabled():
            assert Household.objects.filter(village=village).count() == 4
            assert Member.objects.filter(household__village=village).count() == 8


@contextmanager
def celery_worker(queue: str, tmp_path):
    """A separate worker process on our own queue, sharing the test database; its log in tmp_path."""
    db = connection.settings_dict
    env = {**os.environ, "MEDIA_ROOT": str(settings.MEDIA_ROOT), "DEBUG": "true",
           "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
                           f"{db['PORT'] or 5432}/{db['NAME']}"}
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "sunshine_credit", "worker", "--pool=solo", "-c1", "-Q", queue,
         "-n", f"{queue}@%h", "--without-mingle", "--without-gossip", "--without-heartbeat", "-l", "INFO"],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()


def _own_queue(monkeypatch) -> str:
    """Our own queue: no other worker on this Redis takes our jobs."""
    queue = f"sc-test-{uuid.uuid4().hex[:10]}"
    for name in (validate_roster.name, apply_roster.name):
        task = app.tasks[name]
        monkeypatch.setattr(task, "apply_async", functools.partial(type(task).apply_async, task, queue=queue))
    return queue


@pytest.mark.real_broker
@pytest.mark.skipif(not REAL_BROKER, reason="needs REDIS_URL and PostgreSQL (the worker shares the test database)")
def test_a_job_whose_worker_died_is_sent_again_and_completes_once(transactional_db, officer, monkeypatch, tmp_path):
    """R8: a worker took the apply job and died. The sweep re-sends it while Redis still holds the first message
    (it hands it out again after the visibility timeout): two deliveries, one run, the households written once."""
    staff, village = officer
    queue = _own_queue(monkeypatch)
    with broker(app.conf.broker_url, eager=True):
        item = _upload(staff, village, households=3)   # checked inline
    scope = scope_for_profile(staff)
    with activate(scope):
        item = services.roster_import_confirm(scope=scope, actor=staff.user, item=item)   # sent to Redis
    _worker_died(item.job_id)   # ... and taken by a worker that was then killed
    assert requeue_unsent_jobs() == 1

    with celery_worker(queue, tmp_path) as worker:
        _wait(item, worker, tmp_path)
        deadline = time.monotonic() + 60   # the second delivery is refused: the job is done
        while (tmp_path / "worker.log").read_text().count("apply_roster[") < 4 and time.monotonic() < deadline:
            time.sleep(0.3)   # each delivery logs "Received" and "succeeded"
    assert (tmp_path / "worker.log").read_text().count("succeeded") == 2, (tmp_path / "worker.log").read_text()
    item.refresh_from_db()
    job = _job(item)
    assert item.status == RosterImport.Status.APPLIED
    assert (job.status, job.attempts) == (Job.Status.DONE, 2)   # claimed once after the dead worker
    with scopes_disabled():
        assert Household.objects.filter(village=village).count() == 3
        assert Member.objects.filter(household__village=village).count() == 6
    assert requeue_unsent_jobs() == 0


def _wait(item: RosterImport, worker, tmp_path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = _job(item)
        if job.status in (Job.Status.DONE, Job.Status.FAILED):
            assert job.status == Job.Status.DONE, job.error
            return
        if worker.poll() is not None:
            break
        time.sleep(0.3)
    pytest.fail(f"job {item.job_id} did not finish; worker log:\n{(tmp_path / 'worker.log').read_text()[-3000:]}")
