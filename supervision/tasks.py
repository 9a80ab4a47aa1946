"""Supervision's background jobs (thin, idempotent, explicit names)."""

from celery import shared_task

from .services import complaints as complaint_services


@shared_task(name="supervision.complaint_contacts_erase")
def complaint_contacts_erase() -> int:
    """V4: erase complainants' names and phones past their retention (daily; idempotent)."""
    return complaint_services.complaint_contacts_erase()


@shared_task(name="supervision.snapshot_figures", time_limit=3000)
def snapshot_figures() -> dict:
    """V1, on Celery beat ("snapshot-figures", 23:50): each village's figures of the day (VillageDay). Idempotent: a
    redelivery or a second run on the same day overwrites the day's rows."""
    from .services.progress import snapshot_all

    return snapshot_all()


@shared_task(name="supervision.progress_reports", time_limit=3000)
def progress_reports() -> dict:
    """V1, on Celery beat ("progress-reports", 06:30 on the 1st, 11th and 21st): each branch's ten-day report of the
    period that ended yesterday. Idempotent: one report per branch, campaign and period; a second run makes none."""
    from .services.progress import progress_reports_due

    return progress_reports_due()


@shared_task(name="supervision.render_progress_report", acks_late=True, time_limit=1800)
def render_progress_report(job_id: int) -> None:
    """A ten-day report asked for on its page (a Job): made once; a redelivery finds it made."""
    from .services.progress import progress_report_job

    progress_report_job(job_id)


@shared_task(name="supervision.refresh_figures", time_limit=600)
def refresh_figures() -> dict:
    """V1, on Celery beat ("refresh-figures", every 4 minutes, and "refresh-figures-midnight"): each head office's
    village figures computed ahead of the dashboards' readers and kept OVERVIEW_CACHE_SECONDS (the last runs before
    midnight keep the next day's too). Idempotent."""
    from .services.overview import refresh_all

    return refresh_all()
