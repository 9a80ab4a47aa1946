"""Questionnaire import (S2, SPEC §11): upload, check, confirm, write; the batch run; and its two reads.

The flow is the roster's (households.services.roster): the upload is stored and checked by a job,
the preview lists every row's errors and a count per village, the maker confirms, a second job
writes it all or nothing. Every import is recorded (R4: file SHA-256, who, when, rows written).
"""

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from households.services.common import _require_maker
from sunshine_credit.excel import Sheet, UploadRefused, open_upload
from sunshine_credit.jobs import job_enqueue
from sunshine_credit.scoping import Scope

from .imports import MAX_STORED_ERRORS, SurveyPlan, survey_apply, survey_validate
from .models import Campaign, SurveyImport


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
    _require_maker(scope)
    sheet = open_upload(data)
    with transaction.atomic():
        item = SurveyImport(head_office_id=campaign.head_office_id, campaign=campaign, file_name=name[:200],
                            sha256=sheet.sha256, created_by=actor, status=SurveyImport.Status.VALIDATING)
        item.file.save(f"{sheet.sha256[:16]}.xlsx", ContentFile(data), save=False)
        item.save()
        item.job = job_enqueue(task_name="surveys.tasks_imports.validate_surveys", kwargs={"import_id": item.pk},
                               actor=actor)
        item.save(update_fields=["job"])
    return item


def survey_import_check(*, scope: Scope, item: SurveyImport) -> SurveyImport:
    """Validate a stored upload and record every row's errors. Idempotent."""
    if item.status != SurveyImport.Status.VALIDATING:
        return item
    sheet = _read_stored(item)
    plan = survey_validate(sheet.rows, scope=scope, campaign=item.campaign) if sheet else None
    if plan is not None:
        _store_plan(item, plan)
    item.status = SurveyImport.Status.VALID if plan is not None and plan.ok else SurveyImport.Status.INVALID
    item.save()
    if item.status == SurveyImport.Status.INVALID:
        _discard_file(item)
    return item


def survey_import_confirm(*, scope: Scope, actor, item: SurveyImport) -> SurveyImport:
    """The maker confirms a checked file: schedule writing it. Raises PermissionDenied on a second confirm."""
    _require_maker(scope)
    with transaction.atomic():
        claimed = SurveyImport.objects.filter(pk=item.pk, status=SurveyImport.Status.VALID).update(
            status=SurveyImport.Status.APPLYING)
        if not claimed:
            raise PermissionDenied(_("This import is not waiting for confirmation."))
        item.refresh_from_db()
        item.job = job_enqueue(task_name="surveys.tasks_imports.apply_surveys", kwargs={"import_id": item.pk},
                               actor=actor)
        item.save(update_fields=["job"])
    return item


def survey_import_write(*, scope: Scope, item: SurveyImport) -> SurveyImport:
    """Write a confirmed file (all or nothing). Idempotent: a redelivered job finds it applied."""
    if item.status != SurveyImport.Status.APPLYING:
        return item
    sheet = _read_stored(item)
    if sheet is None:
        item.status = SurveyImport.Status.INVALID
        item.save()
        return item
    plan, summary = survey_apply(sheet.rows, scope=scope, campaign=item.campaign, actor=item.created_by)
    _store_plan(item, plan)
    if plan.ok:
        item.status = SurveyImport.Status.APPLIED
        item.applied_at = timezone.now()
        item.summary = {**item.summary, **summary}
    else:
        item.status = SurveyImport.Status.INVALID  # the data changed between check and confirm
    item.save()
    _discard_file(item)
    return item


def survey_import_run(*, scope: Scope, actor, campaign: Campaign, name: str, sheet: Sheet,
                      dry_run: bool) -> SurveyImport:
    """The batch interface (manage.py import_surveys): check and write in one go, recorded like an upload."""
    _require_maker(scope)
    if dry_run:
        plan, summary = survey_validate(sheet.rows, scope=scope, campaign=campaign), {}
    else:
        plan, summary = survey_apply(sheet.rows, scope=scope, campaign=campaign, actor=actor)
    item = SurveyImport(head_office_id=campaign.head_office_id, campaign=campaign, file_name=name[:200],
                        sha256=sheet.sha256, created_by=actor)
    _store_plan(item, plan)
    if not plan.ok:
        item.status = SurveyImport.Status.INVALID
    elif dry_run:
        item.status = SurveyImport.Status.VALID
    else:
        item.status = SurveyImport.Status.APPLIED
        item.applied_at = timezone.now()
        item.summary = {**item.summary, **summary}
    item.save()
    return item


def _read_stored(item: SurveyImport) -> Sheet | None:
    try:
        with item.file.open("rb") as handle:
            return open_upload(handle.read())
    except (UploadRefused, FileNotFoundError, ValueError) as exc:
        item.errors = [{"row": 1, "column": "", "message": str(exc) or _("The uploaded file is no longer available.")}]
        return None


def _discard_file(item: SurveyImport) -> None:
    """The file names respondents' codes against households: keep it only while it waits to be imported."""
    if item.file:
        item.file.delete(save=False)
        SurveyImport.objects.filter(pk=item.pk).update(file="")


# Reads (selectors) of the import pages.

def campaign_for_import(*, scope: Scope, pk=None, code=None) -> Campaign | None:
    """A campaign of the user's head office (campaigns are head-office wide), or None."""
    campaigns = Campaign.objects.filter(head_office_id=scope.head_office_id)
    if pk is not None:
        return campaigns.filter(pk=pk).first()
    return campaigns.filter(code=code).first()


def survey_import_list(*, scope: Scope) -> list[SurveyImport]:
    """Imports the user may see: their own, and those whose villages all lie in their scope."""
    imports = (SurveyImport.objects.filter(head_office_id=scope.head_office_id)
               .select_related("created_by", "campaign"))
    return [i for i in imports[:200] if _import_visible(i, scope)]


def survey_import_get(*, scope: Scope, pk: int) -> SurveyImport | None:
    item = (SurveyImport.objects.filter(head_office_id=scope.head_office_id, pk=pk)
            .select_related("created_by", "campaign", "job").first())
    return item if item is not None and _import_visible(item, scope) else None


def _import_visible(item: SurveyImport, scope: Scope) -> bool:
    if item.created_by_id is not None and item.created_by_id == scope.user_id:
        return True
    if not item.village_ids:
        return False
    return set(item.branch_ids) <= set(scope.branch_ids) and set(item.village_ids) <= set(scope.village_ids)
