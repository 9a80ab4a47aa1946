"""Thin job interfaces of the appraisal app: load by id, re-enter the asker's scope, call one service (R8).

Other engineers may add tasks below their own marked blocks.
"""

from celery import shared_task

# --- the appraisal sheet (A7) -----------------------------------------------------------------------


@shared_task(name="appraisal.render_appraisal_sheet", acks_late=True, time_limit=1800)
def render_appraisal_sheet(job_id: int) -> None:
    from sunshine_credit.services import run_file_job

    from .services.sheet import sheet_render

    run_file_job(job_id, sheet_render)

# --- end of the appraisal sheet ---------------------------------------------------------------------


# --- the booklet import (A3) ------------------------------------------------------------------------
# The services are imported inside each task: services.booklets imports these tasks to enqueue them by .name.

BOOKLET_RELATED = ("created_by", "panel__campaign", "panel__village__branch")


@shared_task(name="appraisal.validate_booklet", acks_late=True, time_limit=1800)
def validate_booklet(job_id: int) -> None:
    from sunshine_credit.import_jobs import run_import_job

    from .models import BookletImport
    from .services.booklets import booklet_import_check

    run_import_job(job_id, BookletImport, booklet_import_check, select_related=BOOKLET_RELATED)


@shared_task(name="appraisal.apply_booklet", acks_late=True, time_limit=3600)
def apply_booklet(job_id: int) -> None:
    from sunshine_credit.import_jobs import run_import_job

    from .models import BookletImport
    from .services.booklets import booklet_import_write

    run_import_job(job_id, BookletImport, booklet_import_write, select_related=BOOKLET_RELATED)

# --- end of the booklet import ----------------------------------------------------------------------
