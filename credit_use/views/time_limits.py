"""U7 for supervisors, presidents and officers: the drawdowns of the scope that broke their time limit (限时服务).
Thin views: the role check, one selector, a template; everything comes through the scope (404 outside, R1), and
the pages are never cached (names of borrowers, R5)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from sunshine_credit.scoping import area_of

from ..selectors import time_limits as selectors

READERS = selectors.LIST_READERS  # time limits here, revocations in views.overdue


def require_reader(request) -> None:
    if request.scope.role not in READERS:
        raise Http404


@never_cache
@login_required
def time_limit_breaches(request):
    require_reader(request)
    area = area_of(request)  # V1: a dashboard's branch, village or officer row
    return render(request, "credit_use/time_limit_breaches.html", {
        "breaches": selectors.time_limit_breaches(scope=area.scope), "today": timezone.localdate(), "area": area})
