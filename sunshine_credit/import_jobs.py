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

from .errors import Refusal
from .jobs import is_refusal, job_enqueue, job_fail, job_finish, job_start
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
        job_fail(job_id, exc)
        _import_stopped(model, job.kwargs["import_id"], exc)
        raise
    job_finish(job_id)


INTERRUPTED = "interrupted"  # summary key: the stage an infrastructure failure stopped the import in


def _import_stopped(model, import_id: int, exc: Exception) -> None:
    """Never leave the user's import waiting forever: it is refused, with nothing written. A refused input says why
    and its file goes (the user uploads again); an infrastructure failure keeps the file and notes the stage it
    stopped in, so that the administrator's "send again" runs it again from there (import_job_rearm)."""
    with scopes_disabled():
        item = model.objects.filter(pk=import_id, status__in=[model.Status.VALIDATING, model.Status.APPLYING]).first()
        if item is None:
            return
        if is_refusal(exc):
            texts = [str(text) for text in getattr(exc, "messages", None) or [exc] if str(text)]
            item.errors = [{"row": 1, "column": "", "message": text}
                           for text in texts or [_("The file was refused; nothing was imported.")]]
        else:
            item.errors = [{"row": 1, "column": "", "message": _("The check stopped on an internal error; upload "
                                                                 "the file again or ask your administrator.")}]
            item.summary = {**item.summary, INTERRUPTED: item.status}
        item.status = model.Status.INVALID
        item.save(update_fields=["status", "errors", "summary"])
        if is_refusal(exc):
            import_discard_file(item)


# --- issue 18: the administrator sends a failed import job again ---------------------------------------------------


def import_models() -> list:
    from django.apps import apps

    from .models import UploadedImport

    return [model for model in apps.get_models() if issubclass(model, UploadedImport)]


def import_of_job(job):
    """The import a job checks or writes (its kwargs' import_id, and the import's job is this job), or None."""
    if "import_id" not in (job.kwargs or {}):
        return None
    for model in import_models():
        with scopes_disabled():
            item = model._base_manager.filter(pk=job.kwargs.get("import_id"), job_id=job.pk).first()
        if item is not None:
            return item
    return None


def import_rerun_refusal(status: str, summary: dict, has_file: bool) -> str:
    """Why sending the job of an import (its status, summary, and whether it keeps its file) again would change
    nothing; "" when the job would run: the file was refused (the user must upload it again), the import is done,
    or its file is gone."""
    from .models import UploadedImport

    Status = UploadedImport.Status
    stage = summary.get(INTERRUPTED, "") if status == Status.INVALID else status
    if stage not in (Status.VALIDATING, Status.APPLYING):
        if status == Status.INVALID:
            return _("This file was refused for its content: sending its job again would change nothing. The user "
                     "must correct the file and upload it again.")
        return _("This import has already finished (%(status)s): sending its job again would change nothing.") % {
            "status": Status(status).label if status in Status.values else status}
    if not has_file:
        return _("The uploaded file is no longer kept: the user must upload it again.")
    return ""


def import_rerun_refusals(jobs) -> dict[int, str]:
    """{job id: import_rerun_refusal} for the jobs among `jobs` that an import names as its job (one statement for
    all import models)."""
    ids = [job.pk for job in jobs if "import_id" in (job.kwargs or {})]
    if not ids:
        return {}
    with scopes_disabled():
        parts = [model._base_manager.filter(job_id__in=ids).values_list("job_id", "status", "file", "summary")
                 .order_by() for model in import_models()]
        rows = list(parts[0].union(*parts[1:], all=True)) if len(parts) > 1 else list(parts[0])
    return {job_id: import_rerun_refusal(status, summary or {}, bool(file)) for job_id, status, file, summary in rows}


def import_job_rearm(job) -> None:
    """Before an import job is sent again: put its import back in the stage an infrastructure failure stopped it in,
    so that the job runs it again from its stored file. Raises Refusal when a run would change nothing."""
    item = import_of_job(job)
    if item is None:
        return  # not an import's job (or its import was deleted: the run fails again, harmlessly)
    reason = import_rerun_refusal(item.status, item.summary, bool(item.file))
    if not reason and not item.file.storage.exists(item.file.name):
        reason = _("The uploaded file is no longer kept: the user must upload it again.")
    if reason:
        raise Refusal(reason, code="job_import_refused")
    if item.status == type(item).Status.INVALID:
        summary = {key: value for key, value in item.summary.items() if key != INTERRUPTED}
        with scopes_disabled():
            type(item)._base_manager.filter(pk=item.pk, status=item.status).update(
                status=item.summary[INTERRUPTED], errors=[], summary=summary)


def upload_limit() -> int:
    from django.conf import settings

    return settings.UPLOAD_MAX_BYTES


def too_large_message(size: int) -> str:
    return _("The file is %(size).1f MB; the limit is %(limit).1f MB.") % {"size": size / 2**20,
                                                                          "limit": upload_limit() / 2**20}
