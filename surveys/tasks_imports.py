"""Thin job interfaces of the questionnaire import: load by id, re-enter the maker's scope, call one service (R8)."""

from celery import shared_task
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from sunshine_credit.jobs import job_finish, job_start
from sunshine_credit.scoping import activate, scope_for_user

from . import services_imports as services
from .models import SurveyImport


def _run(job_id: int, service) -> None:
    job = job_start(job_id)
    if job is None:
        return  # already done: a redelivery
    try:
        with scopes_disabled():
            item = SurveyImport.objects.select_related("created_by", "campaign").get(pk=job.kwargs["import_id"])
        scope = scope_for_user(item.created_by)
        with activate(scope):
            service(scope=scope, item=item)
    except Exception as exc:
        job_finish(job_id, error=repr(exc))
        # Never leave the user's import waiting forever: it is refused, with nothing written.
        SurveyImport.objects.filter(pk=job.kwargs["import_id"], status__in=["validating", "applying"]).update(
            status=SurveyImport.Status.INVALID,
            errors=[{"row": 1, "column": "", "message": _("The check stopped on an internal error; upload the "
                                                          "file again or ask your administrator.")}])
        raise
    job_finish(job_id)


@shared_task(name="surveys.tasks_imports.validate_surveys", acks_late=True, time_limit=1800)
def validate_surveys(job_id: int) -> None:
    _run(job_id, services.survey_import_check)


@shared_task(name="surveys.tasks_imports.apply_surveys", acks_late=True, time_limit=3600)
def apply_surveys(job_id: int) -> None:
    _run(job_id, services.survey_import_write)
