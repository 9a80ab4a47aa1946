"""Thin job interfaces of the appraisal app: load by id, re-enter the asker's scope, call one service (R8).

Other engineers may add tasks below their own marked blocks.
"""

from celery import shared_task

# --- the appraisal sheet (A7) -----------------------------------------------------------------------


@shared_task(name="appraisal.tasks.render_appraisal_sheet", acks_late=True, time_limit=1800)
def render_appraisal_sheet(job_id: int) -> None:
    from sunshine_credit.files import run_file_job

    from .services_sheet import sheet_render

    run_file_job(job_id, sheet_render)

# --- end of the appraisal sheet ---------------------------------------------------------------------
