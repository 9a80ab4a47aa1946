"""V1: the list behind the dashboards' 评议完成 figure — a campaign's households whose panel decided, in the user's
scope, narrowed by `?branch=` / `?village=` / `?officer=` (sunshine_credit.scoping.area_of: 404 outside the scope,
R1). ID numbers masked (R5), never cached."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from sunshine_credit.lib.pagination import CappedPaginator
from sunshine_credit.scoping import area_of
from surveys.selectors import campaign_get

from .. import stages

PAGE_SIZE = 50


@never_cache
@login_required
@require_safe
def appraised_list(request, pk: int):
    campaign = campaign_get(scope=request.scope, pk=pk)  # the head office's campaign, else 404
    area = area_of(request)
    decisions = stages.appraised_list(scope=area.scope, campaign_id=campaign.pk)
    page = CappedPaginator(decisions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "appraisal/appraised_list.html",
                  {"campaign": campaign, "area": area, "page": page, "query": area.query})
