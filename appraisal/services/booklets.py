"""A3: the paper booklet's import: upload, check job, confirm, write job (sunshine_credit.import_jobs); the batch
run. The reads of the import pages are selectors (booklet_panel_or_404, booklet_import_get).

Only makers of the panel's village reach these, never a reviewer (the `reviewer` role is stopped by the
scope middleware; a staff member seated on the panel is refused here). What they show is counts of rows per
seat, never the entries (A3). Every import is recorded (R4: file SHA-256, who, when, rows written).
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from sunshine_credit.import_jobs import (
    import_check,
    import_confirm,
    import_discard_file,
    import_settle,
    import_store_upload,
)
from sunshine_credit.lib.excel import UploadRefused
from sunshine_credit.scoping import Scope

from ..imports import MAX_STORED_ERRORS, Book, BookletPlan, booklet_apply, booklet_validate, read_booklet
from ..models import BookletImport, Panel
from ..selectors import require_booklet_maker
from ..tasks import apply_booklet as apply_booklet_task
from ..tasks import validate_booklet as validate_booklet_task


def _store_plan(item: BookletImport, plan: BookletPlan) -> None:
    item.rows_total = plan.rows_total
    item.errors = plan.errors[:MAX_STORED_ERRORS]
    item.branch_ids = [item.panel.village.branch_id]
    item.village_ids = [item.panel.village_id]
    item.summary = {**item.summary, "error_count": len(plan.errors), "entries": len(plan.records),
                    "seats": plan.seats}


def _stored_book(item: BookletImport) -> Book | BookletPlan:
    """The stored workbook, or a refused plan saying why it cannot be read."""
    try:
        with item.file.open("rb") as handle:
            return read_booklet(handle.read())
    except (UploadRefused, FileNotFoundError, ValueError) as exc:
        plan = BookletPlan(panel_id=item.panel_id)
        plan.error("", 1, "", str(exc) or _("The uploaded file is no longer available."))
        return plan


def _validated(item: BookletImport, scope: Scope, apply: bool) -> tuple[BookletPlan, dict]:
    book = _stored_book(item)
    if isinstance(book, BookletPlan):
        return book, {}
    if apply:
        return booklet_apply(book, scope=scope, panel=item.panel, actor=item.created_by)
    return booklet_validate(book, scope=scope, panel=item.panel), {}


def booklet_import_upload(*, scope: Scope, actor, panel: Panel, name: str, data: bytes) -> BookletImport:
    """Store a filled booklet for an open panel and schedule its check. Raises UploadRefused (nothing stored)
    and PermissionDenied (not a maker of the village, or the round is not open)."""
    require_booklet_maker(scope, panel)
    if panel.status != Panel.Status.OPEN:
        raise PermissionDenied(_("A booklet is imported only while the round is open."))
    book = read_booklet(data)
    item = BookletImport(head_office_id=panel.campaign.head_office_id, panel=panel, file_name=name[:200],
                         sha256=book.sha256, created_by=actor, branch_ids=[panel.village.branch_id],
                         village_ids=[panel.village_id])
    return import_store_upload(item, sheet=book, data=data, actor=actor,
                               task_name=validate_booklet_task.name)


def booklet_import_check(*, scope: Scope, item: BookletImport) -> BookletImport:
    """Validate a stored upload and record every row's errors. Idempotent."""
    return import_check(item, validate=lambda _sheet: _validated(item, scope, apply=False)[0], store_plan=_store_plan)


def booklet_import_confirm(*, scope: Scope, actor, item: BookletImport) -> BookletImport:
    """The maker confirms a checked file. Raises PermissionDenied on a second confirm."""
    require_booklet_maker(scope, item.panel)
    return import_confirm(item, actor=actor, task_name=apply_booklet_task.name,
                          refused=_("This import is not waiting for confirmation."))


def booklet_import_write(*, scope: Scope, item: BookletImport) -> BookletImport:
    """Write a confirmed file, all or nothing (refused if anything changed since the check, e.g. the round
    closed). Idempotent: a redelivered job finds it applied."""
    if item.status != BookletImport.Status.APPLYING:
        return item
    plan, summary = _validated(item, scope, apply=True)
    import_settle(item, plan, summary, store_plan=_store_plan)
    import_discard_file(item)
    return item


def booklet_import_run(*, scope: Scope, actor, panel: Panel, name: str, book: Book, dry_run: bool) -> BookletImport:
    """The batch interface (manage.py import_booklet): check and write in one go, recorded like an upload."""
    require_booklet_maker(scope, panel)
    if dry_run:
        plan, summary = booklet_validate(book, scope=scope, panel=panel), {}
    else:
        plan, summary = booklet_apply(book, scope=scope, panel=panel, actor=actor)
    item = BookletImport(head_office_id=panel.campaign.head_office_id, panel=panel, file_name=name[:200],
                         sha256=book.sha256, created_by=actor)
    return import_settle(item, plan, summary, store_plan=_store_plan, dry_run=dry_run)
