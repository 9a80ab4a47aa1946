"""Thin job interfaces of the surveys app: load by id, re-enter the maker's scope, call one service (R8).

The services are imported inside each task: they import these tasks to enqueue them by their stable `.name`.
"""

from celery import shared_task

# --- printable blank questionnaires (S2) ------------------------------------------------------------


@shared_task(name="surveys.render_blank_questionnaires", acks_late=True, time_limit=1800)
def render_blank_questionnaires(job_id: int) -> None:
    from sunshine_credit.services import run_file_job

    from .services.printouts import questionnaire_blank_render

    run_file_job(job_id, questionnaire_blank_render)


# --- pre-credit limits (L7) -------------------------------------------------------------------------


@shared_task(name="surveys.compute_limits", acks_late=True, time_limit=3600)
def compute_limits(job_id: int) -> None:
    from django_scopes import scopes_disabled

    from sunshine_credit.jobs import job_fail, job_finish, job_progress, job_start
    from sunshine_credit.models import HeadOffice, Role, StaffProfile
    from sunshine_credit.scoping import activate, scope_for_profile, scope_for_user

    from .models import Campaign
    from .services.limits import limits_compute_run

    job = job_start(job_id)
    if job is None:
        return  # already done: a redelivery (and computing twice gives the same rows anyway, L7)
    try:
        with scopes_disabled():
            campaign = Campaign.objects.get(pk=job.kwargs["campaign_id"])
            if job.created_by_id is not None:
                scope = scope_for_user(job.created_by)
            else:  # started by a command acting as the system: an administrator's scope over the head office
                office = HeadOffice.objects.get(pk=job.kwargs["head_office_id"])
                scope = scope_for_profile(StaffProfile(role=Role.ADMIN, head_office=office))
        with activate(scope):
            limits_compute_run(scope=scope, campaign=campaign, village=job.kwargs.get("village_id"),
                               branch=job.kwargs.get("branch_id"),
                               progress=lambda percent: job_progress(job_id, min(percent, 99)))
    except Exception as exc:
        job_fail(job_id, exc)
        raise
    job_finish(job_id)



# --- the questionnaire import (S2) ------------------------------------------------------------------


@shared_task(name="surveys.validate_surveys", acks_late=True, time_limit=1800)
def validate_surveys(job_id: int) -> None:
    from .services.imports import survey_import_check

    _run_import(job_id, survey_import_check)


@shared_task(name="surveys.apply_surveys", acks_late=True, time_limit=3600)
def apply_surveys(job_id: int) -> None:
    from .services.imports import survey_import_write

    _run_import(job_id, survey_import_write)


def _run_import(job_id: int, service) -> None:
    from sunshine_credit.import_jobs import run_import_job

    from .models import SurveyImport

    run_import_job(job_id, SurveyImport, service, select_related=("created_by", "campaign"))
