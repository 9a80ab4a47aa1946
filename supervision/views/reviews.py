"""V2: the auditor's workspace — the democratic reviews by branch and half-year, the draw (with a confirmation
page), a review's page (villages, officer and loans drawn, the reproduce check, the findings with their follow-up)
and recording and closing findings. Pages for head office's administrators, supervisors and auditors and for
a branch president (their own branch); 404 for everyone else and for any review outside the scope."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sunshine_credit.confirm import confirm_page, is_confirmed
from sunshine_credit.errors import Refusal, show_on_form

from ..forms.reviews import CloseForm, DrawForm, FindingForm
from ..selectors import reviews as selectors
from ..services import reviews as services


def _reader(request):
    if not selectors.reads_reviews(request.scope):
        raise Http404
    return request.scope


def _workspace(request, draw_form=None, status=200):
    scope = _reader(request)
    branches = selectors.review_branches(scope)
    branch = request.GET.get("branch", "")
    period = request.GET.get("period", "")[:6]
    today = timezone.localdate()
    rows = selectors.review_list(scope=scope, today=today, period=period,
                                 branch_id=int(branch) if branch.isdigit() else None)
    may_draw = services.may_draw(scope)
    listed = request.GET.get("findings", "")
    finding_rows = None
    if listed in ("open", "overdue"):  # the task list's links: exactly the findings its counts count
        finding_rows = (selectors.findings(scope, overdue_on=today) if listed == "overdue"
                        else selectors.findings(scope, status="open"))
        finding_rows = finding_rows.select_related("review__branch", "staff", "household").order_by("due_on", "pk")
    return render(request, "supervision/reviews/workspace.html", {
        "reviews": rows, "branches": branches, "branch": branch, "period": period, "may_draw": may_draw,
        "listed": listed, "finding_rows": finding_rows, "today": today,
        "draw_form": draw_form or (DrawForm(branches=branches) if may_draw else None),
        "open_count": selectors.findings(scope, status="open").count(),
        "overdue_count": selectors.findings(scope, overdue_on=today).count()}, status=status)


@login_required
def review_workspace(request):
    return _workspace(request)


@login_required
@require_POST
def review_draw(request):
    scope = _reader(request)
    if not services.may_draw(scope):
        raise Http404
    form = DrawForm(request.POST, branches=selectors.review_branches(scope))
    if not form.is_valid():
        return _workspace(request, form, status=400)
    branch, period = form.cleaned_data["branch"], form.cleaned_data["period"]
    if not is_confirmed(request):
        return confirm_page(
            request, title=_("Draw the democratic review"), action=reverse("review_draw"),
            cancel=reverse("review_workspace"), label=_("Draw"),
            lines=[_("%(branch)s, %(period)s: half of the branch's villages not drawn in its previous review, one "
                     "loan officer and half of their outstanding loans are drawn at random.")
                   % {"branch": branch.name, "period": period},
                   _("The seed, who drew and when are recorded; the draw cannot be repeated for this half-year.")],
            fields={"branch": branch.pk, "period": period})
    try:
        review = services.review_draw(scope=scope, actor=request.user, branch_id=branch.pk, period=period)
    except Refusal as exc:
        show_on_form(form, exc)
        return _workspace(request, form, status=400)
    messages.success(request, _("The review has been drawn."))
    return redirect("review_detail", pk=review.pk)


def _detail(request, pk, finding_form=None, close_forms=None, status=200):
    scope = _reader(request)
    review = selectors.review_in_scope_or_404(scope=scope, pk=pk)
    context = selectors.review_detail(scope=scope, review=review, today=timezone.localdate())
    may_record = services.may_record(scope)
    context.update(may_record=may_record, close_forms=close_forms or {},
                   finding_form=finding_form or (FindingForm(review=review) if may_record else None))
    return render(request, "supervision/reviews/detail.html", context, status=status)


@login_required
def review_detail(request, pk):
    return _detail(request, pk)


@login_required
@require_POST
def finding_add(request, pk):
    scope = _reader(request)
    review = selectors.review_in_scope_or_404(scope=scope, pk=pk)
    if not services.may_record(scope):  # a reader of the review who records nothing (R1 passed: 403, not 404)
        raise PermissionDenied
    form = FindingForm(request.POST, review=review)
    if form.is_valid():
        data = form.cleaned_data
        staff = data["staff"]
        try:
            services.finding_add(scope=scope, actor=request.user, review_id=review.pk, data=services.FindingInput(
                text=data["text"], action=data["action"], due_on=data["due_on"], severity=data["severity"],
                staff_id=staff.pk if staff else None, household_code=data["household_code"]))
        except Refusal as exc:
            show_on_form(form, exc)
        else:
            messages.success(request, _("The finding has been recorded."))
            return redirect("review_detail", pk=review.pk)
    return _detail(request, review.pk, finding_form=form, status=400)


@login_required
@require_POST
def finding_close(request, pk):
    scope = _reader(request)
    finding = selectors.finding_in_scope_or_404(scope=scope, pk=pk)
    if not services.may_record(scope):  # a reader of the review who records nothing (R1 passed: 403, not 404)
        raise PermissionDenied
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.finding_close(scope=scope, actor=request.user, finding_id=finding.pk,
                                   note=form.cleaned_data["note"])
        except Refusal as exc:
            show_on_form(form, exc)
        else:
            messages.success(request, _("The finding has been closed."))
            return redirect("review_detail", pk=finding.review_id)
    return _detail(request, finding.review_id, close_forms={finding.pk: form}, status=400)
