"""The shared flow of the file imports (roster H6, questionnaires S2; R4, R8).

An upload is stored and checked by a job; the preview lists every row's errors; the maker confirms; a
second job writes it all or nothing. Each app supplies its own model (an UploadedImport), task names,
plan and messages; what is the same in both lives here.
"""

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from .jobs import job_enqueue, job_finish, job_start
from .lib.excel import Sheet, UploadRefused, open_upload
from .scoping import activate, scope_for_user


@transaction.atomic
def import_locked_apply(*, head_office_id: int, validate, write) -> tuple:
    """All or nothing under the head office's import lock: validate again, then write.

    Imports of one head office are serialised: two files touching the same household (or the same
    respondent and household) would otherwise both see it as new. `validate()` returns a plan with
    `.ok`; `write(plan)` runs with scopes disabled, since every row was checked against the scope by
    `validate`. Returns (plan, summary); summary is {} when the plan was refused.
    """
    from .models import HeadOffice

    with scopes_disabled():
        HeadOffice.objects.select_for_update().filter(pk=head_office_id).first()
    plan = validate()
    if not plan.ok:
        return plan, {}
    with scopes_disabled():
        return plan, write(plan)


def import_store_upload(item, *, sheet: Sheet, data: bytes, actor, task_name: str):
    """Save a new import (status VALIDATING) with its file and schedule its check job."""
    item.status = type(item).Status.VALIDATING
    with transaction.atomic():
        item.file.save(f"{sheet.sha256[:16]}.xlsx", ContentFile(data), save=False)
        item.save()
        item.job = job_enqueue(task_name=task_name, kwargs={"import_id": item.pk}, actor=actor)
        item.save(update_fields=["job"])
    return item


def import_check(item, *, validate, store_plan):
    """Validate a stored upload (validate(sheet) -> plan) and record every row's errors. Idempotent."""
    Status = type(item).Status
    if item.status != Status.VALIDATING:
        return item
    sheet = import_read_stored(item)
    plan = validate(sheet) if sheet else None
    if plan is not None:
        store_plan(item, plan)
    item.status = Status.VALID if plan is not None and plan.ok else Status.INVALID
    item.save()
    if item.status == Status.INVALID:
        import_discard_file(item)
    return item


def import_confirm(item, *, actor, task_name: str, refused: str):
    """Claim a checked import (VALID → APPLYING) and schedule its writing job; refused if not VALID."""
    model = type(item)
    with transaction.atomic():
        claimed = model.objects.filter(pk=item.pk, status=model.Status.VALID).update(status=model.Status.APPLYING)
        if not claimed:
            raise PermissionDenied(refused)
        item.refresh_from_db()
        item.job = job_enqueue(task_name=task_name, kwargs={"import_id": item.pk}, actor=actor)
        item.save(update_fields=["job"])
    return item


def import_settle(item, plan, summary: dict, *, store_plan, dry_run: bool = False):
    """Record a plan's outcome: refused if any row is invalid, else checked (dry run) or applied.

    A dry run (the commands' --dry-run) fills the item for the report but saves no row: it wrote nothing
    (R4 records the imports that wrote rows), and its "checked" row could never be confirmed (no file is
    kept, and without --user there is no maker), so it would sit on the imports page for good.
    """
    Status = type(item).Status
    store_plan(item, plan)
    if not plan.ok:
        item.status = Status.INVALID
    elif dry_run:
        item.status = Status.VALID
    else:
        item.status = Status.APPLIED
        item.applied_at = timezone.now()
        item.summary = {**item.summary, **summary}
    if not dry_run:
        item.save()
    return item


def import_read_stored(item) -> Sheet | None:
    try:
        with item.file.open("rb") as handle:
            return open_upload(handle.read())
    except (UploadRefused, FileNotFoundError, ValueError) as exc:
        item.errors = [{"row": 1, "column": "", "message": str(exc) or _("The uploaded file is no longer available.")}]
        return None


def import_discard_file(item) -> None:
    """Imports hold personal data: keep the file only while it is waiting to be imported."""
    if item.file:
        item.file.delete(save=False)
        type(item).objects.filter(pk=item.pk).update(file="")


def run_import_job(job_id: int, model, service, *, select_related=("created_by",)) -> None:
    """Thin job interface: load the import by id, re-enter the maker's scope, call one service."""
    job = job_start(job_id)
    if job is None:
        return  # already done: a redelivery
    try:
        with scopes_disabled():
            item = model.objects.select_related(*select_related).get(pk=job.kwargs["import_id"])
        scope = scope_for_user(item.created_by)
        with activate(scope):
            service(scope=scope, item=item)
    except Exception as exc:
        job_finish(job_id, error=repr(exc))
        # Never leave the user's import waiting forever: it is refused, with nothing written.
        model.objects.filter(pk=job.kwargs["import_id"], status__in=["validating", "applying"]).update(
            status=model.Status.INVALID,
            errors=[{"row": 1, "column": "", "message": _("The check stopped on an internal error; upload the "
                                                          "file again or ask your administrator.")}])
        raise
    job_finish(job_id)


def upload_limit() -> int:
    from django.conf import settings

    return settings.UPLOAD_MAX_BYTES


def too_large_message(size: int) -> str:
    return _("The file is %(size).1f MB; the limit is %(limit).1f MB.") % {"size": size / 2**20,
                                                                          "limit": upload_limit() / 2**20}
