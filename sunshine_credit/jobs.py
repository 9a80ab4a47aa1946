"""R8: a job is a database row first; the broker carries only its id, sent after commit.

If the broker is down when the request commits, the request still succeeds: the row stays
unsent and `requeue_unsent_jobs` (Celery beat, or `manage.py requeue_jobs`) sends it later.
Tasks are idempotent, so a job sent twice still gives one result.
"""

import importlib
import logging

from celery import current_app
from django.db import transaction
from django.utils import timezone

from .models import Job

log = logging.getLogger(__name__)


def job_enqueue(*, task_name: str, kwargs: dict, actor=None) -> Job:
    job = Job.objects.create(task_name=task_name, kwargs=kwargs, created_by=actor)
    transaction.on_commit(lambda: job_send(job_id=job.pk))
    return job


def job_send(*, job_id: int) -> bool:
    job = Job.objects.get(pk=job_id)
    importlib.import_module(job.task_name.rsplit(".", 1)[0])  # registers the task in this process
    task = current_app.tasks[job.task_name]
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


def job_start(job_id: int) -> Job | None:
    """Claim a job for running; None when it already finished (a redelivery)."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.status == Job.Status.DONE:
        return None
    Job.objects.filter(pk=job_id).update(status=Job.Status.RUNNING, started_at=timezone.now())
    return job


def job_progress(job_id: int, percent: int) -> None:
    Job.objects.filter(pk=job_id).update(progress=max(0, min(100, percent)))


def job_finish(job_id: int, *, error: str = "") -> None:
    Job.objects.filter(pk=job_id).update(status=Job.Status.FAILED if error else Job.Status.DONE,
                                         finished_at=timezone.now(), error=error[:2000],
                                         progress=100 if not error else 0)
