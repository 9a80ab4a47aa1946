"""The ground floor's reads: a generated file for its asker, the staff of the administrator's head office.

Reads start from the scope: a file or a user outside it answers 404 like a missing one (O2/R1).
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from .import_jobs import import_rerun_refusals
from .jobs import REFUSED_JOB, failed_or_stale, of_head_office, task_label
from .lib.holidays import library_knows_year
from .lib.masking import mask_text
from .models import CalendarDay, GeneratedFile, Job, Role, StaffProfile
from .scoping import Scope


def generated_file_get(*, scope: Scope, user, pk: int) -> GeneratedFile:
    """The asker's own file, while its village is still in their scope; Http404 otherwise (R1)."""
    item = (GeneratedFile.objects.filter(pk=pk, created_by=user, head_office_id=scope.head_office_id)
            .select_related("job").first())
    if item is None or (item.village_id is not None and item.village_id not in scope.village_ids):
        raise Http404
    return item


def _require_admin(scope: Scope) -> None:
    if scope.role != Role.ADMIN:
        raise PermissionDenied(_("Only the system administrator sets other users' passwords."))


def staff_list(*, scope: Scope) -> QuerySet:
    """The staff of the administrator's head office, by branch, role and user name. Raises PermissionDenied
    for any role but admin."""
    _require_admin(scope)
    return (StaffProfile.objects.filter(head_office_id=scope.head_office_id)
            .select_related("user", "branch").order_by("branch__code", "role", "user__username"))


def staff_get(*, scope: Scope, user_id: int) -> StaffProfile:
    """A staff user whose password the administrator may set. Raises StaffProfile.DoesNotExist for users of
    another head office, the administrator themself (their own password is changed with the old one, so a
    session left open does not hand over the account), and superusers (whose login reaches every head office
    through Django's admin: only a superuser resets it, with `manage.py changepassword`)."""
    return (staff_list(scope=scope).exclude(user_id=scope.user_id).exclude(user__is_superuser=True)
            .get(user_id=user_id))


# --- the holiday calendar (U7) ------------------------------------------------------------------------------


def require_calendar_admin(scope: Scope) -> None:
    """Only the administrator keeps the holiday calendar; the views answer 404 to everyone else (R1)."""
    if scope.role != Role.ADMIN:
        raise PermissionDenied(_("Only the system administrator keeps the holiday calendar."))


def calendar_day_list(*, scope: Scope, year: int | None = None) -> QuerySet:
    """The administrator's head office's holidays and adjusted workdays, by date (one year when given)."""
    require_calendar_admin(scope)
    days = CalendarDay.objects.filter(head_office_id=scope.head_office_id).select_related("created_by")
    return days.filter(date__year=year) if year else days


def calendar_day_get(*, scope: Scope, pk: int) -> CalendarDay:
    """Raises CalendarDay.DoesNotExist outside the administrator's head office, PermissionDenied for others."""
    return calendar_day_list(scope=scope).get(pk=pk)


def calendar_overrides(*, head_office_id: int) -> dict[datetime.date, bool]:
    """The table the working-day clocks read before the library: {date: is a working day}. One small query
    (a few dozen days a year), for any role: every deadline depends on it."""
    return {day: kind == CalendarDay.Kind.WORKDAY for day, kind in
            CalendarDay.objects.filter(head_office_id=head_office_id).values_list("date", "kind")}


def calendar_year_known(*, head_office_id: int, year: int) -> bool:
    """Whether the clocks know `year`'s holidays: the library carries its notice, or the table holds its days."""
    return (library_knows_year(year)
            or CalendarDay.objects.filter(head_office_id=head_office_id, date__year=year).exists())


def calendar_warning_year(*, scope: Scope, today: datetime.date) -> int | None:
    """U7: from December on, next year when neither the library nor the table knows it (the clocks would count
    its Spring Festival as working days); shown to the administrator and the supervisors. None otherwise."""
    if scope.role not in (Role.ADMIN, Role.SUPERVISOR) or today.month != 12:
        return None
    year = today.year + 1
    return None if calendar_year_known(head_office_id=scope.head_office_id, year=year) else year


# --- issue 18.6: failed jobs (the administrator's) ------------------------------------------------------------


def require_jobs_admin(scope: Scope) -> None:
    """Only the administrator sees and sends again the head office's failed jobs; 404 to everyone else (R1)."""
    if scope.role != Role.ADMIN:
        raise PermissionDenied(_("Only the system administrator sees the failed jobs."))


def failed_job_list(*, scope: Scope) -> QuerySet:
    """The administrator's head office's failed jobs and running jobs whose worker is gone, newest first.
    Raises PermissionDenied for any role but admin."""
    require_jobs_admin(scope)
    return (Job.objects.filter(failed_or_stale(timezone.now()), of_head_office(scope.head_office_id))
            .select_related("created_by").order_by("-created_at", "-pk"))


def failed_job_rows(jobs) -> list[Job]:
    """The page's jobs with what the page shows: `label` (the task's name for people), `error_shown`, the
    error with ID and mobile numbers masked (R4), cut to 500 characters, and `no_retry`: why sending it again would
    change nothing ("" when it would run: an infrastructure failure or a lost worker). One more statement when the
    page has import jobs (their imports' state)."""
    rows = list(jobs)
    imports = import_rerun_refusals(rows)
    for job in rows:
        job.label, job.error_shown = task_label(job.task_name), mask_text(job.error)[:500]
        job.no_retry = str(REFUSED_JOB) if job.refused else imports.get(job.pk, "")
    return rows


def head_office_job_get(*, scope: Scope, pk: int) -> Job:
    """A job of the administrator's head office, whatever its status. Raises Job.DoesNotExist outside it and
    PermissionDenied for any role but admin."""
    require_jobs_admin(scope)
    return Job.objects.filter(of_head_office(scope.head_office_id)).get(pk=pk)
