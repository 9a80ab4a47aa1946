"""Roster import services (H6): upload, check, confirm, write; and the batch run."""

import logging

from django.core.files.base import ContentFile
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sunshine_credit.excel import Sheet, UploadRefused, open_upload
from sunshine_credit.jobs import job_enqueue
from sunshine_credit.scoping import Scope

from ..imports import MAX_STORED_ERRORS, RosterPlan, roster_apply, roster_validate
from ..models import RosterImport
from .common import _require_maker

log = logging.getLogger(__name__)


def _store_plan(item: RosterImport, plan: RosterPlan) -> None:
    item.rows_total = plan.rows_total
    item.errors = plan.errors[:MAX_STORED_ERRORS]
    item.blacklist_hits = plan.blacklist_hits[:MAX_STORED_ERRORS]
    item.branch_ids = plan.branch_ids
    item.village_ids = plan.village_ids
    item.summary = {**item.summary, "error_count": len(plan.errors), "households": len(plan.households),
                    "members": plan.members_total, "villages": plan.by_village()}


def roster_import_upload(*, scope: Scope, actor, name: str, data: bytes) -> RosterImport:
    """Store an uploaded roster and schedule its check. Raises UploadRefused (nothing stored)."""
    _require_maker(scope)
    sheet = open_upload(data)
    with transaction.atomic():
        item = RosterImport(head_office_id=scope.head_office_id, file_name=name[:200], sha256=sheet.sha256,
                            created_by=actor, status=RosterImport.Status.VALIDATING)
        item.file.save(f"{sheet.sha256[:16]}.xlsx", ContentFile(data), save=False)
        item.save()
        item.job = job_enqueue(task_name="households.tasks.validate_roster", kwargs={"import_id": item.pk},
                               actor=actor)
        item.save(update_fields=["job"])
    return item


def roster_import_check(*, scope: Scope, item: RosterImport) -> RosterImport:
    """Validate a stored upload and record every row's errors. Idempotent."""
    if item.status != RosterImport.Status.VALIDATING:
        return item
    sheet = _read_stored(item)
    plan = roster_validate(sheet.rows, scope=scope) if sheet else None
    if plan is not None:
        _store_plan(item, plan)
    item.status = RosterImport.Status.VALID if plan is not None and plan.ok else RosterImport.Status.INVALID
    item.save()
    if item.status == RosterImport.Status.INVALID:
        _discard_file(item)
    return item


def roster_import_confirm(*, scope: Scope, actor, item: RosterImport) -> RosterImport:
    """The user confirms a checked roster: schedule writing it. A second confirm is refused."""
    _require_maker(scope)
    with transaction.atomic():
        claimed = RosterImport.objects.filter(pk=item.pk, status=RosterImport.Status.VALID).update(
            status=RosterImport.Status.APPLYING)
        if not claimed:
            raise PermissionDenied(_("This roster is not waiting for confirmation."))
        item.refresh_from_db()
        item.job = job_enqueue(task_name="households.tasks.apply_roster", kwargs={"import_id": item.pk}, actor=actor)
        item.save(update_fields=["job"])
    return item


def roster_import_write(*, scope: Scope, item: RosterImport) -> RosterImport:
    """Write a confirmed roster (all or nothing). Idempotent: a redelivered job finds it applied."""
    if item.status != RosterImport.Status.APPLYING:
        return item
    sheet = _read_stored(item)
    plan, summary = roster_apply(sheet.rows, scope=scope, actor=item.created_by)
    _store_plan(item, plan)
    if plan.ok:
        item.status = RosterImport.Status.APPLIED
        item.applied_at = timezone.now()
        item.summary = {**item.summary, **summary}
    else:
        item.status = RosterImport.Status.INVALID  # the archive changed between check and confirm
    item.save()
    _discard_file(item)
    return item


def roster_import_run(*, scope: Scope, actor, name: str, sheet: Sheet, dry_run: bool) -> RosterImport:
    """The batch interface (manage.py import_roster): check and write in one go, recorded like an upload."""
    _require_maker(scope)
    if dry_run:
        plan, summary = roster_validate(sheet.rows, scope=scope), {}
    else:
        plan, summary = roster_apply(sheet.rows, scope=scope, actor=actor)
    item = RosterImport(head_office_id=scope.head_office_id, file_name=name[:200], sha256=sheet.sha256,
                        created_by=actor)
    _store_plan(item, plan)
    if not plan.ok:
        item.status = RosterImport.Status.INVALID
    elif dry_run:
        item.status = RosterImport.Status.VALID
    else:
        item.status = RosterImport.Status.APPLIED
        item.applied_at = timezone.now()
        item.summary = {**item.summary, **summary}
    item.save()
    return item


def _read_stored(item: RosterImport) -> Sheet | None:
    try:
        with item.file.open("rb") as handle:
            return open_upload(handle.read())
    except (UploadRefused, FileNotFoundError, ValueError) as exc:
        item.errors = [{"row": 1, "column": "", "message": str(exc) or _("The uploaded file is no longer available.")}]
        return None


def _discard_file(item: RosterImport) -> None:
    """Rosters hold personal data: keep the file only while it is waiting to be imported."""
    if item.file:
        item.file.delete(save=False)
        RosterImport.objects.filter(pk=item.pk).update(file="")


def upload_limit() -> int:
    from django.conf import settings

    return settings.UPLOAD_MAX_BYTES


def too_large_message(size: int) -> str:
    return _("The file is %(size).1f MB; the limit is %(limit).1f MB.") % {"size": size / 2**20,
                                                                          "limit": upload_limit() / 2**20}


