from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .jobs import job_resend_stale, job_send
from .models import Job


@shared_task(name="sunshine_credit.requeue_unsent_jobs")
def requeue_unsent_jobs() -> int:
    """R8: send again the jobs whose sending failed while the broker was down, and the running jobs
    whose worker is gone (stale heartbeat). Returns how many were sent."""
    stale = timezone.now() - timedelta(seconds=30)
    ids = list(Job.objects.filter(status=Job.Status.PENDING, sent_at=None, created_at__lt=stale)
               .values_list("id", flat=True)[:500])
    return sum(job_send(job_id=i) for i in ids) + job_resend_stale()


@shared_task(name="sunshine_credit.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Issue 18.6: beat sends this every minute; the worker that runs it records when (/healthz: "worker")."""
    from .health import record_worker_heartbeat

    record_worker_heartbeat()


@shared_task(name="sunshine_credit.sweep_orphan_files", ignore_result=True, time_limit=1800)
def sweep_orphan_files() -> dict:
    """Issue 18: remove the generated files and notice boards no row names, once older than
    ORPHAN_FILE_MIN_AGE_SECONDS (a worker killed between writing one and committing its row). Idempotent."""
    from .orphans import orphan_files_sweep

    return orphan_files_sweep()
