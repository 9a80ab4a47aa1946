"""Thin job interfaces of the questionnaire import: load by id, re-enter the maker's scope, call one service (R8)."""

from celery import shared_task

from sunshine_credit.import_jobs import run_import_job

from . import services_imports as services
from .models import SurveyImport


def _run(job_id: int, service) -> None:
    run_import_job(job_id, SurveyImport, service, select_related=("created_by", "campaign"))


@shared_task(name="surveys.tasks_imports.validate_surveys", acks_late=True, time_limit=1800)
def validate_surveys(job_id: int) -> None:
    _run(job_id, services.survey_import_check)


@shared_task(name="surveys.tasks_imports.apply_surveys", acks_late=True, time_limit=3600)
def apply_surveys(job_id: int) -> None:
    _run(job_id, services.survey_import_write)
