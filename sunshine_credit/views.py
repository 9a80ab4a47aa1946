"""The ground floor's pages, and the parts of the import pages every app shares.

- Passwords: every logged-in user changes their own (the old one first; the session stays logged in), and the
  head office's administrator sets a staff user's new one from the staff list. Pages outside the administrator's
  head office, or for other roles, answer 404 (R1).
- O3/R2: the checker's inbox, shared by every maker-checker action (sunshine_credit.approvals). Pending requests
  the user's role may decide, within their scope; the user's own requests are shown but cannot be decided by
  them (maker-checker). Refusals are shown as messages and nothing is written; a request outside the scope
  answers 404 (R1).
- U7: the holiday calendar, the administrator's only (list, add/edit/delete, .xlsx import); 404 for others.
- Issue 18.6: the head office's failed jobs, the administrator's only (404 for others and for another head
  office's job), each sent again with one click (idempotent, audited).
- A generated file's status page (progress while its job runs) and its download.
- The import pages (roster, questionnaires, booklets) share their upload, detail and confirm steps
  (`import_store_upload`, `import_detail`, `import_confirm`).
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .approvals import (
    KINDS,
    ApprovalRefused,
    approval_decide,
    approval_inbox,
    approvals_requested,
    barred,
    may_decide,
)
from .errors import Refusal, show_on_form
from .forms import CalendarDayForm, CalendarImportForm, StaffPasswordForm
from .import_jobs import too_large_message, upload_limit
from .lib.excel import UploadRefused
from .lib.holidays import library_knows_year
from .models import Approval, CalendarDay, GeneratedFile, Job, StaffProfile
from .selectors import (
    calendar_day_get,
    calendar_day_list,
    failed_job_list,
    failed_job_rows,
    generated_file_get,
    require_calendar_admin,
    staff_get,
)
from .services import (
    ImportRefused,
    calendar_day_delete,
    calendar_day_save,
    calendar_import,
    failed_job_retry,
    password_audit,
    staff_password_reset,
)
from .staff.services import own_password_changed

# --- passwords ----------------------------------------------------------------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's own form (old password, then the new one twice, with AUTH_PASSWORD_VALIDATORS); form_valid keeps
    the session (update_session_auth_hash), so the user is not logged out by their own change."""

    template_name = "sunshine_credit/password_change.html"
    success_url = reverse_lazy("dashboard")

    def form_valid(self, form):
        response = super().form_valid(form)
        password_audit(user=self.request.user, actor=self.request.user)
        own_password_changed(user=self.request.user)  # a password the administrator gave is no longer in use
        messages.success(self.request, _("Your password was changed."))
        return response


@login_required
@never_cache
def staff_password(request, pk: int):
    try:
        profile = staff_get(scope=request.scope, user_id=pk)
    except (PermissionDenied, StaffProfile.DoesNotExist):
        raise Http404 from None
    form = StaffPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        typed = form.cleaned_data["password1"]
        try:
            password = staff_password_reset(scope=request.scope, actor=request.user, user_id=pk, password=typed)
        except ValidationError as exc:
            form.add_error("password1", exc)
        else:
            if typed:
                messages.success(request, _("The password of %(user)s was set.") % {"user": profile.user.username})
                return redirect("staff_list")
            # The one-time password is on this response only (never stored, never in a URL or the session).
            return render(request, "sunshine_credit/staff_password_done.html", {"profile": profile,
                                                                                 "password": password})
    return render(request, "sunshine_credit/staff_password.html", {"profile": profile, "form": form})


# --- the checker's inbox (O3/R2) ----------------------------------------------------------------------------


def _approval_rows(scope, approvals) -> list[dict]:
    approvals = list(approvals)
    makers = barred(approvals)  # the requester and the subject's makers never decide it (O3); one query per kind
    rows = []
    for approval in approvals:
        kind = KINDS.get(approval.kind)
        url = kind.subject_url(approval) if kind is not None and kind.subject_url and (
            kind.subject_url_roles is None or scope.role in kind.subject_url_roles) else ""
        rows.append({"approval": approval, "label": kind.label if kind else approval.kind, "url": url,
                     "village": approval.village.name if kind is None or kind.shows_village else "",
                     "may_decide": may_decide(scope, approval, makers[approval.pk]),
                     "own": scope.user_id in makers[approval.pk]})
    return rows


@login_required
@never_cache
def approval_inbox_page(request):
    scope = request.scope
    kind = request.GET.get("kind", "")
    kind = kind if kind in KINDS else ""  # the home page's task list links to one kind (issue 15 item 4)
    return render(request, "sunshine_credit/approval_inbox.html", {
        "kind": kind, "kind_label": KINDS[kind].label if kind else "",
        "pending": _approval_rows(scope, approval_inbox(scope=scope, kind=kind)),
        "mine": _approval_rows(scope, approvals_requested(scope=scope))})


@login_required
@require_POST
def approval_decide_view(request, pk: int):
    approve = request.POST.get("decision") == "approve"
    try:
        approval_decide(scope=request.scope, actor=request.user, approval_id=pk, approve=approve,
                        note=request.POST.get("note", "")[:2000])
    except Approval.DoesNotExist:
        raise Http404 from None
    except (ApprovalRefused, PermissionDenied) as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    else:
        messages.success(request, _("The request was approved.") if approve else _("The request was refused."))
    return redirect("approval_inbox")


# --- generated files ----------------------------------------------------------------------------------------


@login_required
def generated_file_status(request, pk: int):
    item = generated_file_get(scope=request.scope, user=request.user, pk=pk)
    waiting = item.status == GeneratedFile.Status.PENDING
    return render(request, "sunshine_credit/generated_file.html", {"item": item, "job": item.job, "waiting": waiting})


@login_required
def generated_file_download(request, pk: int):
    item = generated_file_get(scope=request.scope, user=request.user, pk=pk)
    if item.status != GeneratedFile.Status.DONE or not item.file:
        raise Http404
    return FileResponse(item.file.open("rb"), content_type=item.content_type, filename=item.file_name,
                        as_attachment=False)


# --- the import pages' shared steps (roster, questionnaires, booklets) -------------------------------------


def import_store_upload(form, upload):
    """Store the form's uploaded file with upload(name=, data=); on refusal the form shows why and None is returned."""
    file = form.cleaned_data["file"]
    try:
        if file.size > upload_limit():
            raise UploadRefused(too_large_message(file.size))
        return upload(name=file.name, data=file.read())
    except UploadRefused as exc:
        form.add_error("file", str(exc))
        return None


def import_detail(request, item, template: str):
    """An import's page (404 if not visible): refreshed while a job works on it; its maker confirms a checked file."""
    if item is None:
        raise Http404
    Status = type(item).Status
    return render(request, template, {
        "item": item, "waiting": item.status in (Status.VALIDATING, Status.APPLYING), "job": item.job,
        "can_confirm": item.status == Status.VALID and item.created_by_id == request.user.pk,
    })


def import_confirm(request, item, *, confirm, message: str, detail: str):
    """Only the maker confirms their own import; then back to its page with message."""
    if item is None or item.created_by_id != request.user.pk:
        raise Http404
    confirm(scope=request.scope, actor=request.user, item=item)
    messages.success(request, message)
    return redirect(detail, pk=item.pk)


# --- the holiday calendar (U7): the administrator's page ----------------------------------------------------


def _calendar_scope(request):
    """The administrator's scope; 404 for every other role (R1: the page does not exist for them)."""
    try:
        require_calendar_admin(request.scope)
    except PermissionDenied:
        raise Http404 from None
    return request.scope


@login_required
def calendar_day_list_page(request):
    scope = _calendar_scope(request)
    this_year = timezone.localdate().year
    years = [{"year": y, "library": library_knows_year(y),
              "entered": calendar_day_list(scope=scope, year=y).count()} for y in (this_year, this_year + 1)]
    return render(request, "sunshine_credit/calendar_day_list.html", {
        "days": calendar_day_list(scope=scope).filter(date__year__gte=this_year - 1), "years": years})


@login_required
@never_cache
def calendar_day_form(request, pk: int | None = None):
    scope = _calendar_scope(request)
    try:
        item = calendar_day_get(scope=scope, pk=pk) if pk is not None else None
    except CalendarDay.DoesNotExist:
        raise Http404 from None
    initial = {"date": item.date, "kind": item.kind, "name": item.name} if item else None
    form = CalendarDayForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            calendar_day_save(scope=scope, actor=request.user, day=data["date"], kind=data["kind"],
                              name=data["name"], pk=pk)
        except Refusal as exc:
            show_on_form(form, exc)
        else:
            messages.success(request, _("The calendar was saved."))
            return redirect("calendar_day_list")
    return render(request, "sunshine_credit/calendar_day_form.html", {"form": form, "item": item})


@login_required
@require_POST
def calendar_day_delete_view(request, pk: int):
    scope = _calendar_scope(request)
    try:
        calendar_day_delete(scope=scope, actor=request.user, pk=pk)
    except CalendarDay.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("The day was removed from the calendar."))
    return redirect("calendar_day_list")


@login_required
@never_cache
def calendar_import_page(request):
    scope = _calendar_scope(request)
    form = CalendarImportForm(request.POST or None, request.FILES or None)
    rows = []
    if request.method == "POST" and form.is_valid():
        try:
            count = import_store_upload(form, lambda name, data: calendar_import(scope=scope, actor=request.user,
                                                                                 data=data))
        except ImportRefused as exc:
            form.add_error(None, str(exc))
            rows = exc.rows
        else:
            if count is not None:
                messages.success(request, _("%(n)d days were imported.") % {"n": count})
                return redirect("calendar_day_list")
    return render(request, "sunshine_credit/calendar_import.html", {"form": form, "rows": rows})


# --- issue 18.6: failed jobs (the administrator's) --------------------------------------------------------------


@login_required
def failed_job_list_page(request):
    try:
        jobs = failed_job_list(scope=request.scope)
    except PermissionDenied:
        raise Http404 from None
    page = Paginator(jobs, 50).get_page(request.GET.get("page"))
    return render(request, "sunshine_credit/failed_jobs.html", {"page": page, "jobs": failed_job_rows(page)})


@login_required
@require_POST
def failed_job_retry_view(request, pk: int):
    try:
        retried = failed_job_retry(scope=request.scope, actor=request.user, job_id=pk)
    except (PermissionDenied, Job.DoesNotExist):
        raise Http404 from None
    except Refusal as exc:
        messages.error(request, str(exc))
        return redirect("failed_job_list")
    if retried:
        messages.success(request, _("The job was sent again."))
    else:
        messages.info(request, _("The job is no longer failed: it was not sent again."))
    return redirect("failed_job_list")
