from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from households.selectors import coverage_by_village, coverage_totals


@login_required
def dashboard(request):
    """H7/V1: archive coverage per branch and village of the user's scope, and the credit figures."""
    from credit_use.selectors_dashboard import credit_figures

    rows = coverage_by_village(scope=request.scope)
    return render(request, "sunshine_credit/dashboard.html", {
        "credit": credit_figures(scope=request.scope),
        "villages": rows,
        "branches": coverage_totals(rows, key="branch"),
        "target": settings.ARCHIVE_COVERAGE_TARGET,
    })
