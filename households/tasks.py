"""Thin job interfaces: load by id, re-enter the maker's scope, call one service (R8)."""

from celery import shared_task

from sunshine_credit.import_jobs import run_import_job

# The services are imported inside each task: they import these tasks to enqueue them by .name.


def _run(job_id: int, service) -> None:
    from .models import RosterImport

    run_import_job(job_id, RosterImport, service)


@shared_task(name="households.validate_roster", acks_late=True, time_limit=1800)
def validate_roster(job_id: int) -> None:
    from .services.roster import roster_import_check

    _run(job_id, roster_import_check)


@shared_task(name="households.apply_roster", acks_late=True, time_limit=3600)
def apply_roster(job_id: int) -> None:
    from .services.roster import roster_import_write

    _run(job_id, roster_import_write)
