"""C5 page: the repayment rate per branch, village, officer and month of maturity, for a chosen period (default this
year to date). Thin: the period form, one selector (scoped, R1; tellers and reviewers 404), a template."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from sunshine_credit.scoping import area_of

from ..forms.repayment_rate import PeriodForm
from ..selectors import classification as classification_selectors
from ..selectors import repayment_rate as selectors


@never_cache
@login_required
@require_safe
def repayment_rate(request):
    classification_selectors.require_reader(request.scope)
    today = timezone.localdate()
    form = PeriodForm(request.GET or None, today=today)
    date_from, date_to = form.period()
    area = area_of(request)  # V1: a dashboard's branch, village or officer row
    return render(request, "post_loan/repayment_rate.html", {
        "form": form, "date_from": date_from, "date_to": date_to, "today": today, "active": "repayment_rate",
        "area": area,
        "report": selectors.repayment_rate(scope=area.scope, date_from=date_from, date_to=date_to, today=today)})
