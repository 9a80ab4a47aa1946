"""R8: a job is a database row first; the broker carries only its id, sent after commit.

If the broker is down when the request commits, the request still succeeds: the row stays
unsent and `requeue_unsent_jobs` (Celery beat, or `manage.py requeue_jobs`) sends it later.

A worker that dies mid-job (killed, out of memory, host restarted) leaves its job RUNNING, and Redis
hands the message out again only after the visibility timeout (settings: hours). So while a job runs,
its worker touches `Job.heartbeat_at`; the same sweep sends again a RUNNING job whose heartbeat is
stale (`job_resend_stale`). Two deliveries of one job cannot both run it: `job_start` claims the row
with a conditional UPDATE, which only a waiting job or a stale RUNNING one passes.
"""

import logging
import threading
import time
from datetime import timedelta

from celery import current_app, current_task
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import GeneratedFile, Job

log = logging.getLogger(__name__)


def job_enqueue(*, task_name: str, kwargs: dict, actor=None) -> Job:
    job = Job.objects.create(task_name=task_name, kwargs=kwargs, created_by=actor)
    transaction.on_commit(lambda: job_send(job_id=job.pk))
    return job


def task_by_name(name: str):
    """The registered task of a stored name. A name is a stable label (`<app label>.<verb phrase>`), never a
    module path: a web process or command that has not imported the task's module yet runs the autodiscovery of
    sunshine_credit/celery.py now (it imports each installed app's `tasks` module, as a worker does at start)."""
    if name not in current_app.tasks:
        current_app.autodiscover_tasks(force=True)  # imports are cached: a second miss costs next to nothing
    return current_app.tasks[name]  # NotRegistered (a KeyError) for a name no task has


def job_send(*, job_id: int) -> bool:
    job = Job.objects.get(pk=job_id)
    task = task_by_name(job.task_name)
    try:
        # apply_async honours CELERY_TASK_ALWAYS_EAGER (send_task would not).
        Job.objects.filter(pk=job.pk, sent_at=None).update(sent_at=timezone.now())
        task.apply_async(kwargs={"job_id": job.pk}, ignore_result=True)
    except Exception as exc:  # broker unreachable: leave it for the requeue sweep
        if current_app.conf.task_always_eager:
            raise
        Job.objects.filter(pk=job.pk).update(sent_at=None)
        log.warning("job %s not sent (%s); it will be sent again", job.pk, exc.__class__.__name__)
        return False
    return True


def _stale(now) -> Q:
    """RUNNING, but its worker has not been heard of for JOB_STALE_SECONDS: the worker is gone."""
    return Q(status=Job.Status.RUNNING, heartbeat_at__lt=now - timedelta(seconds=settings.JOB_STALE_SECONDS))


def job_start(job_id: int) -> Job | None:
    """Claim a job for running; None when another delivery has it (finished, failed, or running in a live
    worker): the caller then does nothing."""
    now = timezone.now()
    claimed = (Job.objects.filter(Q(status=Job.Status.PENDING) | _stale(now), pk=job_id)
               .update(status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1))
    if not claimed:
        return None
    _heartbeat_start(job_id)
    return Job.objects.get(pk=job_id)


def job_progress(job_id: int, percent: int) -> None:
    Job.objects.filter(pk=job_id).update(progress=max(0, min(100, percent)), heartbeat_at=timezone.now())


def job_finish(job_id: int, *, error: str = "", refused: bool = False) -> None:
    _heartbeat_stop(job_id)
    Job.objects.filter(pk=job_id).update(status=Job.Status.FAILED if error else Job.Status.DONE,
                                         finished_at=timezone.now(), error=error[:2000],
                                         refused=bool(error) and refused, progress=100 if not error else 0)


def is_refusal(exc: BaseException) -> bool:
    """A rule refused the job's input (nothing written; running it again gives the same answer), as opposed to an
    infrastructure failure (database, Redis, disk, a lost worker) that a later run may get past."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from .errors import Refusal

    return isinstance(exc, Refusal | PermissionDenied | ValidationError)


def job_fail(job_id: int, exc: BaseException) -> None:
    """Record a job's failure on `exc`: its error, and whether its input was refused (Job.refused)."""
    job_finish(job_id, error=repr(exc), refused=is_refusal(exc))


def job_resend_stale(limit: int = 500) -> int:
    """Send again the RUNNING jobs whose worker is gone; returns how many were sent.

    Each is first put back to PENDING by a conditional UPDATE, so two sweeps at once send it once; a job
    that already ran JOB_MAX_ATTEMPTS times (it kills its worker, or hits its hard time limit, every time)
    is marked failed instead of running forever.
    """
    now = timezone.now()
    sent = 0
    for job_id, attempts in Job.objects.filter(_stale(now)).values_list("id", "attempts")[:limit]:
        if attempts >= settings.JOB_MAX_ATTEMPTS:
            if Job.objects.filter(_stale(now), pk=job_id).update(
                    status=Job.Status.FAILED, finished_at=now, error=f"worker lost {attempts} times; given up"):
                log.error("job %s failed: its worker was lost %s times", job_id, attempts)
        elif Job.objects.filter(_stale(now), pk=job_id).update(status=Job.Status.PENDING, sent_at=None):
            log.warning("job %s: its worker is gone (no heartbeat); sending it again", job_id)
            sent += job_send(job_id=job_id)  # broker down: it stays unsent for the next sweep
    return sent


# --- heartbeat --------------------------------------------------------------------------------------
# A thread of the worker process touches the row while the task runs, whether or not the job reports
# progress (an import may write for many minutes without). When the worker dies, the thread dies with it.

_beating: dict[int, threading.Event] = {}


def _heartbeat_start(job_id: int) -> None:
    if current_app.conf.task_always_eager:
        return  # the job runs inside the request (development, tests): no worker to lose
    lifetime = getattr(current_task, "time_limit", None) or current_app.conf.task_time_limit or 3600
    stop = _beating[job_id] = threading.Event()
    threading.Thread(target=_beat, args=(job_id, stop, time.monotonic() + lifetime), daemon=True,
                     name=f"job-{job_id}-heartbeat").start()


def _heartbeat_stop(job_id: int) -> None:
    stop = _beating.pop(job_id, None)
    if stop is not None:
        stop.set()


def _beat(job_id: int, stop: threading.Event, until: float) -> None:
    """Beat until the job finishes, or past its time limit (by then Celery has killed it: a task that
    forgot job_finish must not look alive for ever)."""
    try:
        while not stop.wait(settings.JOB_HEARTBEAT_SECONDS) and time.monotonic() < until:
            try:
                if not Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(
                        heartbeat_at=timezone.now()):
                    return  # finished, or taken over after we were thought dead
            except DatabaseError as exc:  # one missed beat; staleness allows several
                log.warning("job %s: heartbeat not written (%s)", job_id, exc.__class__.__name__)
                connection.close()
    finally:
        connection.close()  # this thread's own database connection


# --- issue 18.6: the administrator's failed jobs, and sending one again -----------------------------------------

# What the failed-jobs page calls each job (the stable task names of the apps' tasks modules); others show the name.
TASK_LABELS = {
    "households.validate_roster": _("Roster check"),
    "households.apply_roster": _("Roster import"),
    "surveys.validate_surveys": _("Questionnaire check"),
    "surveys.apply_surveys": _("Questionnaire import"),
    "surveys.render_blank_questionnaires": _("Blank questionnaires"),
    "surveys.compute_limits": _("Pre-credit limits"),
    "appraisal.render_appraisal_sheet": _("Appraisal sheet"),
    "appraisal.validate_booklet": _("Booklet check"),
    "appraisal.apply_booklet": _("Booklet import"),
    "publicity.render_notice": _("Notice printing"),
    "publicity.publish_campaign": _("Publishing a campaign's notices"),
    "credit_use.export_precredit": _("Pre-credit export"),
    "credit_use.large_loan_registers": _("Large-loan registers"),
    "post_loan.render_letters": _("Post-loan letters"),
    "supervision.render_progress_report": _("Ten-day progress report"),
}


# Why the page offers no "send again" for a job that failed on a refused input (Job.refused), and the service refuses.
REFUSED_JOB = _("This job stopped because its input was refused, not on a fault of the system: sending it again "
                "would change nothing. The user must correct the input (upload the file again) and start again.")


def task_label(name: str) -> str:
    return str(TASK_LABELS.get(name, name))


def failed_or_stale(now) -> Q:
    """Failed, or RUNNING in a worker that is gone (the requeue sweep sends those again by itself)."""
    return Q(status=Job.Status.FAILED) | _stale(now)


def of_head_office(head_office_id: int) -> Q:
    """The jobs of a head office: asked for by one of its staff, or started by a command acting for it (no user;
    its kwargs name the head office: surveys.compute_limits)."""
    return (Q(created_by__staff_profile__head_office_id=head_office_id)
            | Q(created_by=None, kwargs__head_office_id=head_office_id))


def job_retry(job_id: int) -> bool:
    """Send a failed (or stale running) job again as a fresh run: back to PENDING with its error, progress and
    attempts cleared, sent after commit through job_send. The conditional UPDATE lets one of two clicks through;
    False when the job is not failed (any more), or failed on a refused input (Job.refused: a run would refuse it
    again). Its file, if it makes one, waits again ("being prepared")."""
    now = timezone.now()
    retried = Job.objects.filter(failed_or_stale(now), pk=job_id, refused=False).update(
        status=Job.Status.PENDING, sent_at=None, started_at=None, finished_at=None, heartbeat_at=None, progress=0,
        attempts=0, error="")
    if not retried:
        return False
    GeneratedFile.objects.filter(job_id=job_id, status=GeneratedFile.Status.FAILED).update(
        status=GeneratedFile.Status.PENDING, finished_at=None)
    # robust: inline (eager) a job that fails again is logged and shown failed, not a server error for the click.
    transaction.on_commit(lambda: job_send(job_id=job_id), robust=True)
    return True
