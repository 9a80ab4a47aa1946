"""C3/C7 pages: the case list (by village, officer and status; the limitation periods running out), one case's
page (loan, days overdue, letters and receipts, log, plans, limitation clock) and its actions — a log entry, a
promise judged by hand, the classification at three months, an instalment plan. Thin views: objects through the
scoped selectors (404 outside, R1), writes through services.collection; pages never cached (R5)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sunshine_credit.approvals import pending_for
from sunshine_credit.errors import Refusal, show_on_form

from ..forms.collection import CaseFilterForm, ClassifyForm, EntryForm, InstalmentFormSet, PlanForm, PromiseForm
from ..rules.collection import Instalment
from ..selectors import collection as selectors
from ..selectors.letters import villages_of
from ..services import collection as services
from .visits import require_reader

PAGE_SIZE = 100


@never_cache
@login_required
@require_safe
def case_list(request):
    require_reader(request)
    today = timezone.localdate()
    form = CaseFilterForm(request.GET or None, villages=villages_of(request.scope),
                          officers=selectors.filter_officers(request.scope))
    data = form.cleaned_data if form.is_valid() else {}
    cases = selectors.case_list(scope=request.scope, today=today, village_id=data.get("village"),
                                officer_id=data.get("officer"), status=data.get("status", ""),
                                limitation_soon=bool(data.get("limitation")))
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "post_loan/case_list.html", {
        "form": form, "page": page, "rows": selectors.case_rows(page.object_list, today), "query": query.urlencode(),
        "today": today})


def _detail(request, case, **forms):
    today = timezone.localdate()
    context = selectors.case_page(case, today)
    pending = pending_for(services.PLAN_KIND, [p.pk for p in context["plans"]])
    editable = request.scope.can_edit_village(case.village_id)
    return render(request, "post_loan/case_detail.html", {
        **context, "today": today, "pending": pending, "editable": editable,
        "entry_form": forms.get("entry_form") or EntryForm(initial={"on": today}),
        "classify_form": forms.get("classify_form") or ClassifyForm(initial={"version": case.version})})


@never_cache
@login_required
@require_safe
def case_detail(request, pk: int):
    require_reader(request)
    return _detail(request, selectors.case_get(scope=request.scope, pk=pk))


@never_cache
@login_required
@require_POST
def case_entry(request, pk: int):
    require_reader(request)
    case = selectors.case_get(scope=request.scope, pk=pk, for_edit=True)
    form = EntryForm(request.POST)
    if form.is_valid():
        try:
            services.entry_add(scope=request.scope, actor=request.user, case_id=case.pk, **form.cleaned_data)
        except Refusal as exc:
            show_on_form(form, exc)
        else:
            messages.success(request, _("The entry was added to the log."))
            return redirect("post_loan:case_detail", pk=case.pk)
    return _detail(request, case, entry_form=form)


@never_cache
@login_required
@require_POST
def promise_mark(request, pk: int):
    require_reader(request)
    form = PromiseForm(request.POST)
    if not form.is_valid():
        raise Http404
    entry = services.promise_mark(scope=request.scope, actor=request.user, entry_id=pk,
                                  kept=form.cleaned_data["kept"])
    messages.success(request, _("The promise was marked."))
    return redirect("post_loan:case_detail", pk=entry.case_id)


@never_cache
@login_required
@require_POST
def case_classify(request, pk: int):
    require_reader(request)
    case = selectors.case_get(scope=request.scope, pk=pk, for_edit=True)
    form = ClassifyForm(request.POST)
    if form.is_valid():
        try:
            services.case_classify(scope=request.scope, actor=request.user, case_id=case.pk,
                                   version=form.cleaned_data["version"], cause=form.cleaned_data["cause"],
                                   note=form.cleaned_data["note"])
        except Refusal as exc:
            show_on_form(form, exc)
        else:
            messages.success(request, _("The case was classified."))
            return redirect("post_loan:case_detail", pk=case.pk)
    return _detail(request, selectors.case_get(scope=request.scope, pk=pk), classify_form=form)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def plan_propose(request, pk: int):
    require_reader(request)
    case = selectors.case_get(scope=request.scope, pk=pk, for_edit=True)
    form = PlanForm(request.POST or None, initial={"version": case.version})
    items = InstalmentFormSet(request.POST or None, prefix="items")
    if request.method == "POST" and form.is_valid() and items.is_valid():
        rows = [Instalment(row["due_on"], row["amount"]) for row in items.cleaned_data
                if row.get("due_on") or row.get("amount")]
        if any(row.due_on is None or row.amount is None for row in rows):
            form.add_error(None, _("Give each instalment its date and its amount."))
        else:
            try:
                services.plan_propose(scope=request.scope, actor=request.user, case_id=case.pk,
                                      version=form.cleaned_data["version"], items=rows,
                                      note=form.cleaned_data["note"])
            except (Refusal, PermissionDenied) as exc:
                show_on_form(form, exc if isinstance(exc, Refusal) else Refusal(str(exc)))
            else:
                messages.success(request, _("The plan was proposed; it waits for the president's approval."))
                return redirect("post_loan:case_detail", pk=case.pk)
    return render(request, "post_loan/plan_form.html", {"case": case, "form": form, "items": items})
