"""The staff pages (the head office's administrator; 404 for everyone else and for another head office's staff,
R1), the second factor's page (each user's own), and the audit log's reader (audit, supervisors, admin).

Thin views: a form, one service or selector, a template; refusals are shown on the form and nothing is written.
A one-time password is on the response that made it only (never stored, never in a URL or the session).
"""

import io
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from sunshine_credit.errors import Refusal, show_on_form
from sunshine_credit.lib.excel import write_xlsx
from sunshine_credit.lib.masking import mask_phone, mask_text
from sunshine_credit.models import StaffProfile
from sunshine_credit.views import import_store_upload

from . import audit_log, login, selectors, services
from .forms import (
    AuditSearchForm,
    RoleChangeForm,
    SecondFactorForm,
    StaffCreateForm,
    StaffImportForm,
    StaffSearchForm,
    StaffVillagesForm,
)
from .imports import COLUMNS, EXAMPLE

PAGE_SIZE = 50


def _admin_scope(request):
    try:
        selectors.require_staff_admin(request.scope)
    except PermissionDenied:
        raise Http404 from None
    return request.scope


def _person(request, pk: int) -> StaffProfile:
    try:
        return selectors.staff_detail(scope=request.scope, user_id=pk)
    except (PermissionDenied, StaffProfile.DoesNotExist):
        raise Http404 from None


@login_required
def staff_list_page(request):
    scope = _admin_scope(request)
    form = StaffSearchForm(request.GET or None, branches=selectors.head_office_branches(scope=scope))
    data = form.cleaned_data if form.is_valid() else {}
    staff = selectors.staff_search(scope=scope, q=data.get("q", ""), branch_id=data.get("branch"),
                                   role=data.get("role", ""))
    page = Paginator(staff, PAGE_SIZE).get_page(request.GET.get("page"))
    pending = services.pending_role_changes(p.user_id for p in page)
    rows = [{"profile": p, "pending": pending.get(p.user_id), "phone": mask_phone(p.phone)} for p in page]
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(request, "sunshine_credit/staff_list.html", {"form": form, "page": page, "rows": rows,
                                                               "query": query})


@login_required
@never_cache
def staff_create(request):
    scope = _admin_scope(request)
    form = StaffCreateForm(request.POST or None, branches=selectors.head_office_branches(scope=scope),
                           villages=selectors.head_office_villages(scope=scope))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        village_ids, branch_id = data.pop("villages"), data.pop("branch")
        try:
            profile, password = services.staff_create(scope=scope, actor=request.user, branch_id=branch_id,
                                                      village_ids=village_ids, **data)
        except Refusal as exc:
            show_on_form(form, exc)
        else:
            return render(request, "sunshine_credit/staff_password_done.html", {"profile": profile,
                                                                                 "password": password})
    return render(request, "sunshine_credit/staff_form.html", {"form": form})


@login_required
@never_cache
def staff_detail(request, pk: int):
    scope = _admin_scope(request)
    profile = _person(request, pk)
    return render(request, "sunshine_credit/staff_detail.html", {
        "profile": profile, "pending": services.pending_role_changes([profile.user_id]).get(profile.user_id),
        "has_second_factor": login.confirmed_device(profile.user) is not None,
        "second_factor_required": login.second_factor_required(profile), "own": profile.user_id == scope.user_id})


@login_required
@require_POST
def staff_active(request, pk: int):
    scope = _admin_scope(request)
    profile = _person(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.staff_set_active(scope=scope, actor=request.user, user_id=profile.user_id, active=active)
    except Refusal as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The login was reactivated.") if active else _("The login was deactivated."))
    return redirect("staff_detail", pk=profile.user_id)


@login_required
@never_cache
def staff_villages(request, pk: int):
    scope = _admin_scope(request)
    profile = _person(request, pk)
    initial = {"villages": [v.pk for v in profile.user.assigned_villages.all()]}
    form = StaffVillagesForm(request.POST or None, initial=initial,
                             villages=selectors.head_office_villages(scope=scope, branch_id=profile.branch_id))
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_set_villages(scope=scope, actor=request.user, user_id=profile.user_id,
                                        village_ids=form.cleaned_data["villages"])
        except Refusal as exc:
            show_on_form(form, exc)
        else:
            messages.success(request, _("The villages were saved."))
            return redirect("staff_detail", pk=profile.user_id)
    return render(request, "sunshine_credit/staff_villages.html", {"form": form, "profile": profile})


@login_required
@never_cache
def staff_role(request, pk: int):
    scope = _admin_scope(request)
    profile = _person(request, pk)
    form = RoleChangeForm(request.POST or None, branches=selectors.head_office_branches(scope=scope),
                          initial={"role": profile.role, "branch": profile.branch_id})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.staff_role_change_request(scope=scope, actor=request.user, user_id=profile.user_id,
                                               role=data["role"], branch_id=data["branch"], reason=data["reason"])
        except Refusal as exc:
            show_on_form(form, exc)
        else:
            messages.success(request, _("The role change was requested; it waits for another administrator's or a "
                                        "supervisor's approval."))
            return redirect("staff_detail", pk=profile.user_id)
    return render(request, "sunshine_credit/staff_role.html", {"form": form, "profile": profile})


@login_required
@require_POST
def staff_second_factor_reset(request, pk: int):
    scope = _admin_scope(request)
    profile = _person(request, pk)
    try:
        services.staff_second_factor_reset(scope=scope, actor=request.user, user_id=profile.user_id)
    except Refusal as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The second factor was reset: the person enrols again at their next page."))
    return redirect("staff_detail", pk=profile.user_id)


@login_required
@never_cache
def staff_import_page(request):
    scope = _admin_scope(request)
    form = StaffImportForm(request.POST or None, request.FILES or None)
    rows = []
    if request.method == "POST" and form.is_valid():
        dry_run = form.cleaned_data["dry_run"]
        try:
            result = import_store_upload(form, lambda name, data: services.staff_import(
                scope=scope, actor=request.user, name=name, data=data, dry_run=dry_run))
        except services.StaffImportRefused as exc:
            form.add_error(None, str(exc))
            rows = exc.rows
        else:
            if result is not None and dry_run:
                messages.success(request, _("The file is correct: %(n)d logins would be made.")
                                 % {"n": result[0].rows_total})
            elif result is not None:
                return render(request, "sunshine_credit/staff_import_done.html", {"logins": result[1]})
    return render(request, "sunshine_credit/staff_import.html", {
        "form": form, "rows": rows, "imports": selectors.staff_imports(scope=scope)})


@login_required
def staff_template(request):
    """The empty workbook (SPEC §11): the header and two example rows; codes and phones are text cells."""
    _admin_scope(request)
    out = io.BytesIO()
    write_xlsx(out, "staff", list(COLUMNS.values()), EXAMPLE, text_columns=frozenset({0, 3, 4, 5}))
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="staff-template.xlsx"'
    return response


# --- the second factor (R9): each user's own page -----------------------------------------------------------


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else "/"


@login_required
@never_cache
def second_factor(request):
    """Enrol (first time: QR code and key) or verify (every login) the TOTP code; then on to `next`."""
    profile = getattr(request.user, "staff_profile", None)
    if not login.second_factor_required(profile) or request.user.is_verified():
        return redirect(_next(request))
    device = login.confirmed_device(request.user)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        verified = login.second_factor_check(request.user, form.cleaned_data["token"])
        if verified is not None:
            otp_login(request, verified)
            return redirect(_next(request))
        form.add_error("token", _("The code is wrong or expired; enter the code the app shows now."))
    picture = None if device is not None else login.enrolment_picture(login.enrolment_device(request.user))
    return render(request, "sunshine_credit/second_factor.html", {"form": form, "picture": picture,
                                                                  "next": _next(request)})


# --- the audit log (R4) -------------------------------------------------------------------------------------


@login_required
def audit_log_page(request):
    try:
        audit_log.require_audit_reader(request.scope)
    except PermissionDenied:
        raise Http404 from None
    form = AuditSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    entries, found = audit_log.audit_entries(scope=request.scope, **{k: v for k, v in data.items() if v})
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"entry": entry, "changes": audit_log.shown_changes(entry), "action": audit_log.action_label(entry),
             "object": mask_text(entry.object_repr or "")} for entry in page]
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(request, "sunshine_credit/audit_log.html", {"form": form, "page": page, "rows": rows,
                                                              "household_found": found, "query": query})
