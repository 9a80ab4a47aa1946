"""V1 pages over time: a campaign's stage timetable (head office's administrator or supervisor; 404 for anyone else)
and the ten-day progress reports (head office reads every branch's, a branch's president their own; officers and
tellers 404), asked for with a button and downloaded as xlsx or PDF."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sunshine_credit.errors import Refusal, show_on_form

from ..forms.progress import ReportRequestForm, plan_formset, show_on_plan
from ..rules.progress import default_plan
from ..selectors import overview as overview_selectors
from ..selectors import progress as selectors
from ..services import progress as services

PER_PAGE = 60
CONTENT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}


@login_required
def stage_plan_edit(request, campaign_pk: int):
    campaign = selectors.plan_campaign_or_404(scope=request.scope, pk=campaign_pk)
    plans = selectors.stage_plans(campaign=campaign)
    formset = plan_formset(request.POST if request.method == "POST" else None, plans=plans,
                           offered=default_plan(services.default_start(campaign)), stamp=selectors.plan_stamp(plans))
    errors = []
    if formset.is_bound and formset.is_valid():
        try:
            services.stage_plan_save(scope=request.scope, actor=request.user, campaign_id=campaign.pk,
                                     rows=formset.rows(), stamp=formset.stamp)
        except Refusal as exc:
            errors = show_on_plan(formset, exc)
        else:
            messages.success(request, _("The stage timetable has been saved."))
            return redirect("stage_plan_edit", campaign_pk=campaign.pk)
    return render(request, "supervision/progress/plan_edit.html", {
        "campaign": campaign, "formset": formset, "errors": errors, "saved": bool(plans),
        "campaigns": overview_selectors.campaigns(scope=request.scope)}, status=400 if formset.is_bound else 200)


def _reader(request):
    if not selectors.reads_reports(request.scope):
        raise Http404
    return request.scope


def _list(request, form=None, status=200):
    scope = _reader(request)
    branches = list(selectors.report_branches(scope))
    campaigns = overview_selectors.campaigns(scope=scope)
    today = timezone.localdate()
    branch = request.GET.get("branch", "")
    reports = selectors.progress_report_list(scope=scope, branch_id=int(branch) if branch.isdigit() else None)
    page = Paginator(reports, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "supervision/progress/report_list.html", {
        "reports": page.object_list, "page": page, "query": urlencode({"branch": branch}) if branch else "",
        "branches": branches, "branch": branch, "campaigns": campaigns,
        "may_edit_plan": selectors.may_edit_plan(scope),
        "form": form or ReportRequestForm(branches=branches, campaigns=campaigns, today=today)}, status=status)


@login_required
@require_GET
def progress_report_list(request):
    return _list(request)


@login_required
@require_POST
def progress_report_generate(request):
    scope = _reader(request)
    form = ReportRequestForm(request.POST, branches=list(selectors.report_branches(scope)),
                             campaigns=overview_selectors.campaigns(scope=scope), today=timezone.localdate())
    if not form.is_valid():
        return _list(request, form, status=400)
    data = form.cleaned_data
    try:
        _report, made = services.progress_report_request(scope=scope, actor=request.user, branch_id=data["branch"],
                                                         campaign_id=data["campaign"], period_end=data["period"])
    except Refusal as exc:
        show_on_form(form, exc)
        return _list(request, form, status=400)
    messages.success(request, _("The report is being prepared.") if made else _("This report has been made already."))
    return redirect("progress_report_list")


@login_required
@require_GET
def progress_report_file(request, pk: int, kind: str):
    report = selectors.progress_report_or_404(scope=request.scope, pk=pk)
    stored = getattr(report, kind)
    if not stored:
        raise Http404  # still being prepared
    return FileResponse(stored.open("rb"), content_type=CONTENT_TYPES[kind], as_attachment=True,
                        filename=f"{report.branch.code}-{report.period_end:%Y%m%d}-{report.campaign.code}.{kind}")
