"""Drawdown pages (用信, U1–U6): list, application form, detail, submission and the post-loan check (the
disbursement and its slip: views.disbursement). Thin views: every object comes through a selector that starts
from `request.scope` (outside it: 404, nothing written, R1); the writes are services.drawdowns'. Like every
signed-in page they carry Cache-Control: no-store (NoStoreMiddleware, R5); ID numbers show masked.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from sunshine_credit.approvals import ApprovalRefused
from sunshine_credit.errors import Refusal, show_on_form
from sunshine_credit.lib.pagination import CappedPaginator, fill_page
from sunshine_credit.models import Role
from sunshine_credit.scoping import area_of

from ..forms import (
    DrawdownForm,
    PostLoanCheckForm,
    SubmitForm,
    drawdown_initial,
    guarantor_formset,
    guarantor_parts,
)
from ..models import Drawdown, GuaranteeKind
from ..rules.drawdowns import latest_due_on
from ..selectors import drawdowns as selectors
from ..selectors.disbursement import SLIP_STATUSES, predisbursement_notice
from ..selectors.todo import DRAWDOWN_TODOS
from ..services import drawdowns as services

PAGE_SIZE = 50
get_or_post = require_http_methods(["GET", "POST"])


def show_refusal(form, exc: services.DrawdownRefused) -> list[str]:
    """Each broken rule beside its field; the named guarantors' (U3, G5, C4: not a field of the form) are returned
    to be shown in the guarantor rows' fieldset rather than above the form."""
    guarantor_errors = [text for field, text in exc.errors if field == "guarantors"]
    rest = [(field, text) for field, text in exc.errors if field != "guarantors"]
    if rest or not guarantor_errors:
        show_on_form(form, Refusal(errors=rest) if rest else exc)
    return guarantor_errors


@never_cache
@login_required
@require_safe
def drawdown_list(request):
    status = request.GET.get("status", "")
    status = status if status in Drawdown.Status.values else ""
    todo = request.GET.get("todo", "")
    todo = todo if todo in DRAWDOWN_TODOS else ""  # the home page's task list (issue 15 item 4)
    book = request.GET.get("book", "")
    book = book if book in selectors.BOOK_FILTERS else ""  # V1: the dashboards' loans still owed, overdue, PAR30
    area = area_of(request)  # V1: a dashboard's branch, village or officer row
    drawdowns = selectors.drawdown_list(scope=area.scope, status=status, todo=todo, book=book,
                                        today=timezone.localdate())
    page = CappedPaginator(drawdowns, PAGE_SIZE).get_page(request.GET.get("page"))
    fill_page(page, lambda ids: selectors.drawdown_rows(scope=area.scope, ids=ids))
    query = "&".join(part for part in (f"status={status}" if status else "", f"todo={todo}" if todo else "",
                                       f"book={book}" if book else "", area.query) if part)
    return render(request, "credit_use/drawdown_list.html", {"page": page, "status": status, "todo": todo,
                                                             "book": book, "status_query": query, "area": area,
                                                             "statuses": Drawdown.Status.choices})


@never_cache
@login_required
@get_or_post
def drawdown_create(request, line_pk: int):
    line = selectors.line_for_drawdown(scope=request.scope, pk=line_pk)
    today = timezone.localdate()
    in_group = selectors.active_group_of(household_id=line.household_id) is not None
    form = DrawdownForm(request.POST or None, initial={
        "applied_on": today, "due_on": min(latest_due_on(today), line.expires_on),
        "guarantee": GuaranteeKind.GROUP if in_group else GuaranteeKind.GUARANTORS})
    guarantors, guarantor_errors = guarantor_formset(request.POST or None), []
    if request.method == "POST" and form.is_valid() & guarantors.is_valid():
        try:
            drawdown = services.drawdown_create(scope=request.scope, actor=request.user, line_id=line.pk,
                                                data=form.to_input(guarantor_parts(guarantors)))
        except services.DrawdownRefused as exc:
            guarantor_errors = show_refusal(form, exc)
        else:
            messages.success(request, _("The application %(number)s was saved.") % {"number": drawdown.number})
            return redirect("credit_use:drawdown_detail", pk=drawdown.pk)
    return render(request, "credit_use/drawdown_form.html", {
        "form": form, "guarantors": guarantors, "guarantor_errors": guarantor_errors, "line": line,
        "available": selectors.line_available(line=line)})


@never_cache
@login_required
@get_or_post
def drawdown_edit(request, pk: int):
    drawdown = selectors.drawdown_get(scope=request.scope, pk=pk, for_edit=True)
    if drawdown.status != Drawdown.Status.DRAFT:
        messages.error(request, _("Only an application being prepared can be changed."))
        return redirect("credit_use:drawdown_detail", pk=pk)
    form = DrawdownForm(request.POST or None, initial=drawdown_initial(drawdown))
    saved = [{"code": row["code"], "amount": f"{row['amount']:f}"}
             for row in selectors.guarantor_rows(scope=request.scope, drawdown=drawdown)]
    guarantors, guarantor_errors = guarantor_formset(request.POST or None, initial=saved), []
    if request.method == "POST" and form.is_valid() & guarantors.is_valid():
        try:
            services.drawdown_update(scope=request.scope, actor=request.user, drawdown_id=pk,
                                     version=form.cleaned_data["version"] or 0,
                                     data=form.to_input(guarantor_parts(guarantors)))
        except services.DrawdownRefused as exc:
            guarantor_errors = show_refusal(form, exc)
        else:
            messages.success(request, _("The application was saved."))
            return redirect("credit_use:drawdown_detail", pk=pk)
    return render(request, "credit_use/drawdown_form.html", {
        "form": form, "guarantors": guarantors, "guarantor_errors": guarantor_errors, "line": drawdown.line,
        "drawdown": drawdown,
        "available": selectors.line_available(line=drawdown.line, exclude_id=pk)})


@never_cache
@login_required
@require_safe
def drawdown_detail(request, pk: int):
    drawdown = selectors.drawdown_get(scope=request.scope, pk=pk)
    scope = request.scope
    maker = scope.can_edit_village(drawdown.village_id)
    return render(request, "credit_use/drawdown_detail.html", {
        "d": drawdown, "rate": f"{drawdown.annual_rate * 100:.2f}",
        "checklist": selectors.document_checklist(drawdown=drawdown),
        "guarantors": selectors.guarantor_rows(scope=scope, drawdown=drawdown),
        "approvals": selectors.drawdown_approvals(drawdown=drawdown),
        "notice": predisbursement_notice(drawdown=drawdown),
        "available": selectors.line_available(line=drawdown.line),
        "may_edit": maker and drawdown.status == Drawdown.Status.DRAFT,
        "may_disburse": scope.role == Role.TELLER and drawdown.status == Drawdown.Status.APPROVED,
        "may_check": maker and drawdown.status in (Drawdown.Status.DISBURSED, Drawdown.Status.REPAID),
        "may_print": drawdown.status in SLIP_STATUSES})


@never_cache
@login_required
@get_or_post
def drawdown_submit(request, pk: int):
    drawdown = selectors.drawdown_get(scope=request.scope, pk=pk, for_edit=True)
    form = SubmitForm(request.POST or None, initial={"version": drawdown.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.drawdown_submit(scope=request.scope, actor=request.user, drawdown_id=pk,
                                     version=form.cleaned_data["version"], opinion=form.cleaned_data["opinion"])
        except services.DrawdownRefused as exc:
            show_on_form(form, exc)
        except ApprovalRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The application was submitted to the president."))
            return redirect("credit_use:drawdown_detail", pk=pk)
    problems = (services.drawdown_problems(scope=request.scope, drawdown=drawdown)
                if drawdown.status == Drawdown.Status.DRAFT else [])
    return render(request, "credit_use/drawdown_submit.html", {"d": drawdown, "form": form, "problems": problems})


@never_cache
@login_required
@get_or_post
def drawdown_post_loan_check(request, pk: int):
    drawdown = selectors.drawdown_get(scope=request.scope, pk=pk, for_edit=True)
    form = PostLoanCheckForm(request.POST or None, initial={"checked_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.drawdown_post_loan_check(scope=request.scope, actor=request.user, drawdown_id=pk,
                                              checked_on=form.cleaned_data["checked_on"],
                                              note=form.cleaned_data["note"], problem=form.cleaned_data["problem"])
        except services.DrawdownRefused as exc:
            show_on_form(form, exc)
        else:
            messages.success(request, _("The post-loan check was recorded."))
            return redirect("credit_use:drawdown_detail", pk=pk)
    return render(request, "credit_use/drawdown_post_loan_check.html", {"d": drawdown, "form": form})
