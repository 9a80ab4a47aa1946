"""P5: the credit lines pages and the core-banking template download. Thin views: a form, one selector or
service, a template. Lines come only through selectors that start from `request.scope` (R1); the pages show
ID numbers masked (R5) and, like every signed-in page, carry Cache-Control: no-store (NoStoreMiddleware)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sunshine_credit.lib.pagination import CappedPaginator, fill_page
from sunshine_credit.scoping import area_of

from .. import exports
from ..forms import LineFilterForm
from ..selectors import lines as selectors

PAGE_SIZE = 50


@never_cache
@login_required
def line_list(request):
    area = area_of(request, keys=("branch", "officer"))  # V1: a dashboard's branch or officer row
    villages, campaigns = selectors.line_filter_choices(scope=area.scope)
    form = LineFilterForm(request.GET, villages=villages, campaigns=campaigns)
    filters = form.filters()
    lines = selectors.credit_line_list(scope=area.scope, **filters)
    page = CappedPaginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    fill_page(page, lambda ids: selectors.credit_line_rows(scope=area.scope, ids=ids))
    campaign = next((c for c in campaigns if c.pk == filters["campaign_id"]), None)
    return render(request, "credit_use/line_list.html", {
        "form": form, "page": page, "query": "&".join(q for q in (form.query(), area.query) if q),
        "campaign": campaign, "area": area,
        "can_export": exports.may_export(request.scope),
    })


@never_cache
@login_required
def line_detail(request, pk: int):
    line = selectors.credit_line_get(scope=request.scope, pk=pk)
    return render(request, "credit_use/line_detail.html", {
        "line": line, "events": selectors.credit_line_events(line=line),
        "changes": selectors.line_change_requests(line=line)[:20], "pending": selectors.line_change_pending(line=line),
        "can_edit": request.scope.is_maker and request.scope.can_edit_village(line.village_id),
    })


@login_required
@require_POST
def export_precredit(request, campaign_pk: int):
    """Request the campaign's core-banking template; it is made in the background (GeneratedFile job)."""
    campaign = selectors.campaign_get(scope=request.scope, pk=campaign_pk)
    item = exports.precredit_request(scope=request.scope, actor=request.user, campaign=campaign)
    return redirect("generated_file_status", pk=item.pk)
