"""C6 pages: the risk classification report (ageing buckets and PAR30/PAR90 per branch, village and officer, and its
.xlsx), a village's classified loans (filter by grade), and one loan's risk page with its grade history and the
request for a manual change (maker-checker, R2). Thin views: objects through the scoped selectors (404 outside,
R1; tellers and reviewers 404), writes through services.classification; never cached (names of borrowers, R5)."""

import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from sunshine_credit.approvals import ApprovalRefused
from sunshine_credit.errors import Refusal, show_on_form
from sunshine_credit.scoping import area_of

from ..exports.classification import classification_write
from ..forms.classification import GradeChangeForm, GradeFilterForm
from ..models import Grade
from ..rules import classification as rules
from ..selectors import classification as selectors
from ..services import classification as services

PAGE_SIZE = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@never_cache
@login_required
@require_safe
def classification_report(request):
    selectors.require_reader(request.scope)
    area = area_of(request, keys=("branch", "officer"))  # V1: a dashboard's branch or officer row
    report = selectors.ageing_report(area.scope)
    return render(request, "post_loan/classification_report.html", {
        "report": report, "buckets": rules.BUCKETS, "grades": Grade.choices, "active": "classification",
        "area": area})


@never_cache
@login_required
@require_safe
def classification_export(request):
    selectors.require_reader(request.scope)
    out = tempfile.TemporaryFile()
    classification_write(scope=request.scope, out=out)
    out.seek(0)
    filename = f"risk-classification-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX)


@never_cache
@login_required
@require_safe
def classification_village(request, village_pk: int):
    selectors.require_reader(request.scope)
    village = selectors.village_get(scope=request.scope, pk=village_pk)
    form = GradeFilterForm(request.GET)
    grade = form.cleaned_data["grade"] if form.is_valid() else None
    rows = selectors.village_grades(scope=request.scope, village=village, grade=grade)
    return render(request, "post_loan/classification_village.html", {
        "village": village, "form": form, "grade": grade, "page": Paginator(rows, PAGE_SIZE).get_page(
            request.GET.get("page")),
        "grade_tabs": selectors.grade_tabs(scope=request.scope, village=village),
        "as_of": selectors.as_of(request.scope), "active": "classification"})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def classification_detail(request, pk: int):
    selectors.require_reader(request.scope)
    loan = selectors.loan_get(scope=request.scope, pk=pk)
    form = GradeChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.grade_change_request(scope=request.scope, actor=request.user, drawdown_id=loan.pk,
                                          grade=form.cleaned_data["grade"], reason=form.cleaned_data["reason"])
        except (ApprovalRefused, PermissionDenied) as exc:
            messages.error(request, str(exc) or _("You may not do this."))
        except Refusal as exc:
            show_on_form(form, exc)
        else:
            messages.success(request, _("The grade change was requested; it waits for the president's approval."))
            return redirect("post_loan:classification_detail", pk=loan.pk)
    return render(request, "post_loan/classification_detail.html", _detail_context(request, loan, form))


def _detail_context(request, loan, form) -> dict:
    today = timezone.localdate()
    risk = selectors.risk_of(loan)
    in_book = loan.status == loan.Status.DISBURSED and loan.principal_outstanding > 0
    floors = rules.floor_history(due_on=loan.due_on, today=(risk.as_of if risk else today),
                                 floors=settings.RISK_GRADE_FLOORS) if in_book else []
    grade_now = services.current_grade(loan, risk, today) if in_book else None
    return {"loan": loan, "risk": risk, "in_book": in_book, "form": form, "active": "classification",
            "floor_now": services.current_floor(loan, risk, today) if in_book else None,
            "grade_now": grade_now, "grade_label": Grade(grade_now).label if grade_now else "",
            "floors": [(day, Grade(grade).label) for day, grade in floors],
            "changes": selectors.grade_changes(drawdown=loan), "pending": selectors.pending_change(drawdown=loan),
            "may_request": in_book and request.scope.is_maker and request.scope.can_edit_village(loan.village_id)}
