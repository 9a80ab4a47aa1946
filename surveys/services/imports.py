"""Questionnaire import (S2, SPEC §11): upload, check, confirm, write; and the batch run.

The flow is the roster's (households.services; shared in sunshine_credit.import_jobs): the upload is stored and
checked by a job, the preview lists every row's errors and a count per village, the maker confirms, a second
job writes it all or nothing. Every import is recorded (R4: file SHA-256, who, when, rows written).
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from sunshine_credit.import_jobs import (
    import_check,
    import_confirm,
    import_discard_file,
    import_read_stored,
    import_settle,
    import_store_upload,
)
from sunshine_credit.lib.excel import Sheet, open_upload
from sunshine_credit.scoping import Scope

from ..imports import MAX_STORED_ERRORS, SurveyPlan, survey_apply, survey_validate
from ..models import Campaign, SurveyImport
from ..tasks import apply_surveys as apply_surveys_task
from ..tasks import validate_surveys as validate_surveys_task


def _store_plan(item: SurveyImport, plan: SurveyPlan) -> None:
    item.rows_total = plan.rows_total
    item.errors = plan.errors[:MAX_STORED_ERRORS]
    item.branch_ids = plan.branch_ids
    item.village_ids = plan.village_ids
    item.summary = {**item.summary, "error_count": len(plan.errors), "rows_new": plan.rows_new,
                    "rows_unchanged": plan.unchanged, "respondents_new": len(plan.new_respondents),
                    "villages": plan.villages}


def survey_import_upload(*, scope: Scope, actor, campaign: Campaign, name: str, data: bytes) -> SurveyImport:
    """Store an uploaded survey workbook and schedule its check. Raises UploadRefused (nothing stored)
    and PermissionDenied (not a maker)."""
    scope.require_maker()
    if campaign.head_office_id != scope.head_office_id:  # R1: the form's choice is checked again here
        raise PermissionDenied
    sheet = open_upload(data)
    item = SurveyImport(head_office_id=campaign.head_office_id, campaign=campaign, file_name=name[:200],
                        sha256=sheet.sha256, created_by=actor)
    return import_store_upload(item, sheet=sheet, data=data, actor=actor,
                               task_name=validate_surveys_task.name)


def survey_import_check(*, scope: Scope, item: SurveyImport) -> SurveyImport:
    """Validate a stored upload and record every row's errors. Idempotent."""
    return import_check(item, validate=lambda sheet: survey_validate(sheet.rows, scope=scope, campaign=item.campaign),
                        store_plan=_store_plan)


def survey_import_confirm(*, scope: Scope, actor, item: SurveyImport) -> SurveyImport:
    """The maker confirms a checked file: schedule writing it. Raises PermissionDenied on a second confirm."""
    scope.require_maker()
    return import_confirm(item, actor=actor, task_name=apply_surveys_task.name,
                          refused=_("This import is not waiting for confirmation."))


def survey_import_write(*, scope: Scope, item: SurveyImport) -> SurveyImport:
    """Write a confirmed file (all or nothing). Idempotent: a redelivered job finds it applied.
    A file whose data changed between check and confirm is refused."""
    if item.status != SurveyImport.Status.APPLYING:
        return item
    sheet = import_read_stored(item)
    if sheet is None:
        item.status = SurveyImport.Status.INVALID
        item.save()
        return item
    plan, summary = survey_apply(sheet.rows, scope=scope, campaign=item.campaign, actor=item.created_by)
    import_settle(item, plan, summary, store_plan=_store_plan)
    import_discard_file(item)
    return item


def survey_import_run(*, scope: Scope, actor, campaign: Campaign, name: str, sheet: Sheet,
                      dry_run: bool) -> SurveyImport:
    """The batch interface (manage.py import_surveys): check and write in one go, recorded like an upload."""
    scope.require_maker()
    if dry_run:
        plan, summary = survey_validate(sheet.rows, scope=scope, campaign=campaign), {}
    else:
        plan, summary = survey_apply(sheet.rows, scope=scope, campaign=campaign, actor=actor)
    item = SurveyImport(head_office_id=campaign.head_office_id, campaign=campaign, file_name=name[:200],
                        sha256=sheet.sha256, created_by=actor)
    return import_settle(item, plan, summary, store_plan=_store_plan, dry_run=dry_run)
