"""The roster import (H6): upload, check, confirm, write, and the batch run; the rows themselves are read and
written by `households.imports`."""


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

from ..imports import MAX_STORED_ERRORS, RosterPlan, roster_apply, roster_validate
from ..models import RosterImport
from ..tasks import apply_roster as apply_roster_task
from ..tasks import validate_roster as validate_roster_task

# --- Roster import (H6) ---------------------------------------------------------------------------


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
    scope.require_maker()
    sheet = open_upload(data)
    item = RosterImport(head_office_id=scope.head_office_id, file_name=name[:200], sha256=sheet.sha256,
                        created_by=actor)
    return import_store_upload(item, sheet=sheet, data=data, actor=actor, task_name=validate_roster_task.name)


def roster_import_check(*, scope: Scope, item: RosterImport) -> RosterImport:
    """Validate a stored upload and record every row's errors. Idempotent."""
    return import_check(item, validate=lambda sheet: roster_validate(sheet.rows, scope=scope), store_plan=_store_plan)


def roster_import_confirm(*, scope: Scope, actor, item: RosterImport) -> RosterImport:
    """The user confirms a checked roster: schedule writing it. A second confirm is refused."""
    scope.require_maker()
    return import_confirm(item, actor=actor, task_name=apply_roster_task.name,
                          refused=_("This roster is not waiting for confirmation."))


def roster_import_write(*, scope: Scope, item: RosterImport) -> RosterImport:
    """Write a confirmed roster (all or nothing). Idempotent: a redelivered job finds it applied.
    A roster that changed between check and confirm is refused."""
    if item.status != RosterImport.Status.APPLYING:
        return item
    sheet = import_read_stored(item)
    if sheet is None:  # the stored file is gone: refused with import_read_stored's error, nothing written
        item.status = RosterImport.Status.INVALID
        item.save()
        return item
    plan, summary = roster_apply(sheet.rows, scope=scope, actor=item.created_by)
    import_settle(item, plan, summary, store_plan=_store_plan)
    import_discard_file(item)
    return item


def roster_import_run(*, scope: Scope, actor, name: str, sheet: Sheet, dry_run: bool) -> RosterImport:
    """The batch interface (manage.py import_roster): check and write in one go, recorded like an upload."""
    scope.require_maker()
    if dry_run:
        plan, summary = roster_validate(sheet.rows, scope=scope), {}
    else:
        plan, summary = roster_apply(sheet.rows, scope=scope, actor=actor)
    item = RosterImport(head_office_id=scope.head_office_id, file_name=name[:200], sha256=sheet.sha256,
                        created_by=actor)
    return import_settle(item, plan, summary, store_plan=_store_plan, dry_run=dry_run)
