"""Thin job interfaces of the booklet import: load by id, re-enter the maker's scope, call one service (R8).

Listed in settings.CELERY_IMPORTS (not a tasks.py module)."""

from celery import shared_task

from sunshine_credit.import_jobs import run_import_job

from . import services_booklets as services
from .models import BookletImport

RELATED = ("created_by", "panel__campaign", "panel__village__branch")


@shared_task(name="appraisal.tasks_booklets.validate_booklet", acks_late=True, time_limit=1800)
def validate_booklet(job_id: int) -> None:
    run_import_job(job_id, BookletImport, services.booklet_import_check, select_related=RELATED)


@shared_task(name="appraisal.tasks_booklets.apply_booklet", acks_late=True, time_limit=3600)
def apply_booklet(job_id: int) -> None:
    run_import_job(job_id, BookletImport, services.booklet_import_write, select_related=RELATED)
