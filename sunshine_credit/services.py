"""The ground floor's writes: files made by background jobs, staff passwords, and the holiday calendar (U7).

Files (STYLE §4): the request records a GeneratedFile and its job, the task renders and stores it, the user
downloads it from its status page (selectors.generated_file_get). Running a task twice overwrites the same file
(PX `CachedFile`), so a redelivered job is harmless.

Passwords: each user changes their own (Django's PasswordChangeView, see views), and the head office's
administrator gives a staff user of their head office a new one (SPEC §1: admin does user set-up). Every
password set here is written to the audit log with the value masked (R4).
"""

import datetime
import hashlib

from auditlog.models import LogEntry
from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .errors import Refusal
from .import_jobs import import_job_rearm
from .imports import calendar_validate
from .jobs import REFUSED_JOB, job_enqueue, job_retry
from .lib.excel import open_upload
from .lib.passwords import handover_password
from .models import CalendarDay, GeneratedFile, Job, StaffProfile
from .scoping import Scope
from .selectors import calendar_day_get, head_office_job_get, require_calendar_admin, staff_get

# --- files made by jobs -------------------------------------------------------------------------------------


@transaction.atomic
def generated_file_request(*, scope: Scope, actor, kind: str, task_name: str, title: str, file_name: str,
                           content_type: str, village=None, params: dict | None = None) -> GeneratedFile:
    """Record the file and send its job after commit (R8). The task receives {"file_id": ...}."""
    item = GeneratedFile.objects.create(
        head_office_id=scope.head_office_id, village=village, kind=kind, title=title, params=params or {},
        language=translation.get_language() or "zh-hans", file_name=file_name, content_type=content_type,
        created_by=actor)
    item.job = job_enqueue(task_name=task_name, kwargs={"file_id": item.pk}, actor=actor)
    item.save(update_fields=["job"])
    return item


def generated_file_store(*, item: GeneratedFile, content: bytes) -> None:
    """Save the rendered bytes (replacing an earlier attempt's) and mark the file ready.

    Issue 18.3: the new file is written first and the earlier one removed only once the row points at the new one:
    a write that fails (the volume full) leaves no half file (sunshine_credit/storage.py) and the row unchanged; a
    row update that fails removes the new file again."""
    earlier = item.file.name if item.file else ""
    item.file.save(item.file_name, ContentFile(content), save=False)
    item.sha256 = hashlib.sha256(content).hexdigest()
    item.size = len(content)
    item.status = GeneratedFile.Status.DONE
    item.finished_at = timezone.now()
    try:
        item.save(update_fields=["file", "sha256", "size", "status", "finished_at"])
    except BaseException:
        item.file.storage.delete(item.file.name)
        raise
    if earlier and earlier != item.file.name:
        item.file.storage.delete(earlier)


def generated_file_fail(*, item: GeneratedFile) -> None:
    GeneratedFile.objects.filter(pk=item.pk).update(status=GeneratedFile.Status.FAILED, finished_at=timezone.now())


def run_file_job(job_id: int, render) -> None:
    """Thin job interface: load the file by id, re-enter the asker's scope and language, call
    `render(item=..., scope=..., progress=...)` for the bytes, store them (a redelivery overwrites)."""
    from django_scopes import scopes_disabled

    from .jobs import job_fail, job_finish, job_progress, job_start
    from .scoping import activate, scope_for_user

    job = job_start(job_id)
    if job is None:
        return  # already done: a redelivery
    try:
        with scopes_disabled():
            item = GeneratedFile.objects.select_related("created_by").get(pk=job.kwargs["file_id"])
        scope = scope_for_user(item.created_by)
        with activate(scope), translation.override(item.language):
            content = render(item=item, scope=scope, progress=lambda percent: job_progress(job_id, min(percent, 99)))
            generated_file_store(item=item, content=content)
    except Exception as exc:
        job_fail(job_id, exc)
        generated_file_fail(item=GeneratedFile(pk=job.kwargs["file_id"]))
        raise
    job_finish(job_id)


# --- staff passwords ----------------------------------------------------------------------------------------


def password_audit(*, user, actor) -> None:
    """R4: who set whose password and when (the middleware adds from where); never the password."""
    LogEntry.objects.log_create(user, action=LogEntry.Action.UPDATE, actor=actor,
                                changes={"password": ["***", "***"]})


@transaction.atomic
def staff_password_reset(*, scope: Scope, actor, user_id: int, password: str = "") -> str:
    """Set a staff user's password: the one the administrator typed, else a new random one-time password to
    hand over (the caller shows it once and keeps it nowhere). Returns the password. The user's other sessions
    end (Django checks the password hash on every request), their failed-login lockout (R9) is lifted, and the
    audit log records it. Raises PermissionDenied for any role but admin, StaffProfile.DoesNotExist (see
    selectors.staff_get), ValidationError when a typed password fails the configured validators."""
    user = staff_get(scope=scope, user_id=user_id).user
    if password:
        validate_password(password, user=user)
    else:
        password = handover_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    # R9: a password someone else knows: the user chooses their own at the next login (staff.login).
    StaffProfile.objects.filter(user_id=user.pk).update(must_change_password=True)
    axes_reset(username=user.get_username())
    password_audit(user=user, actor=actor)
    return password


# --- the holiday calendar (U7) ------------------------------------------------------------------------------


def _calendar_day_write(*, scope: Scope, actor, day: datetime.date, kind: str, name: str,
                        item: CalendarDay | None) -> CalendarDay:
    if kind not in CalendarDay.Kind.values:
        raise Refusal(_("Choose 节假日 or 调休上班."), field="kind")
    clash = CalendarDay.objects.filter(head_office_id=scope.head_office_id, date=day)
    if item is not None:
        clash = clash.exclude(pk=item.pk)
    if clash.exists():
        raise Refusal(_("%(date)s is already in the calendar; edit that day instead.") % {"date": day.isoformat()},
                      field="date")
    if item is None:
        item = CalendarDay(head_office_id=scope.head_office_id, created_by=actor)
    item.date, item.kind, item.name = day, kind, name.strip()[:50]
    item.full_clean()
    item.save()  # audited (sunshine_credit.apps registers the model): who, when, from where, old and new
    return item


@transaction.atomic
def calendar_day_save(*, scope: Scope, actor, day: datetime.date, kind: str, name: str = "",
                      pk: int | None = None) -> CalendarDay:
    """Add a holiday or an adjusted workday of the State Council's notice, or change one (pk). Raises
    PermissionDenied for any role but admin, CalendarDay.DoesNotExist for a day of another head office, Refusal
    naming the field for a date already entered or an unknown kind."""
    item = calendar_day_get(scope=scope, pk=pk) if pk is not None else None
    require_calendar_admin(scope)
    return _calendar_day_write(scope=scope, actor=actor, day=day, kind=kind, name=name, item=item)


@transaction.atomic
def calendar_day_delete(*, scope: Scope, actor, pk: int) -> None:
    """Remove a day (the library's answer, or Monday to Friday, applies to it again); audited. Raises as
    calendar_day_save."""
    calendar_day_get(scope=scope, pk=pk).delete()


@transaction.atomic
def calendar_import(*, scope: Scope, actor, data: bytes) -> int:
    """The notice as an .xlsx (日期, 类型 节假日/调休上班, 名称), through the upload hardening (R6). All or nothing:
    any refused cell refuses the whole file with every error by row and column (ImportRefused.rows). A date
    already in the table takes the file's kind and name. Returns the number of days written; each is audited.
    Raises PermissionDenied for any role but admin, UploadRefused for a file that is not a safe .xlsx."""
    require_calendar_admin(scope)
    days, errors = calendar_validate(open_upload(data).rows)
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: e["row"]))
    if not days:
        raise ImportRefused([{"row": 2, "column": "", "message": _("The sheet has no days.")}])
    existing = {d.date: d for d in CalendarDay.objects.filter(head_office_id=scope.head_office_id,
                                                              date__in=[d["date"] for d in days])}
    for row in days:
        item = existing.get(row["date"])
        if item is not None and (item.kind, item.name) == (row["kind"], row["name"]):
            continue  # unchanged: no audit entry for a file imported twice
        _calendar_day_write(scope=scope, actor=actor, day=row["date"], kind=row["kind"], name=row["name"], item=item)
    return len(days)


class ImportRefused(Refusal):
    """The calendar file was refused as a whole; `.rows` lists {"row", "column", "message"} for the page."""

    def __init__(self, rows: list[dict]):
        super().__init__(_("Nothing was imported: the file has %(n)d errors.") % {"n": len(rows)}, code="import")
        self.rows = rows


# --- issue 18.6: sending a failed job again (the administrator's) ---------------------------------------------


@transaction.atomic
def failed_job_retry(*, scope: Scope, actor, job_id: int) -> bool:
    """Send a failed (or stale running) job of the administrator's head office again (jobs.job_retry), and audit
    who did and what the job was (its error is masked by the audit, R4). False, with nothing written, when it
    is no longer failed (a second click). Raises Job.DoesNotExist outside the head office, PermissionDenied for
    any role but admin, and Refusal for a job that failed on a refused input (Job.refused) or an import job whose
    import a run would not change (its file was refused, it is done, or its file is gone: the user uploads again).
    An import stopped by an infrastructure failure is put back in its stage and runs again from its stored file."""
    job = head_office_job_get(scope=scope, pk=job_id)
    if job.refused:
        raise Refusal(str(REFUSED_JOB), code="job_refused")
    if not job_retry(job.pk):
        return False
    if "import_id" in job.kwargs:
        import_job_rearm(job)  # Refusal: the transaction (and job_retry's update) rolls back
    LogEntry.objects.log_create(job, action=LogEntry.Action.UPDATE, actor=actor, changes={
        "status": [job.status, Job.Status.PENDING], "attempts": [str(job.attempts), "0"], "error": [job.error, ""]})
    return True
