"""Thin job interfaces: load by id, re-enter the maker's scope, call one service (R8)."""

from celery import shared_task

from sunshine_credit.import_jobs import run_import_job

from . import services
from .models import RosterImport


def _run(job_id: int, service) -> None:
    run_import_job(job_id, RosterImport, service)


@shared_task(name="households.tasks.validate_roster", acks_late=True, time_limit=1800)
def validate_roster(job_id: int) -> None:
    _run(job_id, services.roster_import_check)


@shared_task(name="households.tasks.apply_roster", acks_late=True, time_limit=3600)
def apply_roster(job_id: int) -> None:
    _run(job_id, services.roster_import_write)
