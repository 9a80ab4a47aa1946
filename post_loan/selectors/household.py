"""Issue 15 item 3 / issue 16: the household page's post-loan part — for each loan the household still owes, its
risk grade, days overdue, last and next visit, letters without a signed receipt and its collection case. One query
whatever the number of loans (reverse one-to-ones joined, the rest as subqueries)."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from credit_use.models import Drawdown
from sunshine_credit.lib.risk import overdue_days

from ..models import Letter, Visit
from .classification import READERS


def _first(queryset, field: str) -> Subquery:
    return Subquery(queryset.values(field)[:1])


def household_post_loan_section(request, household) -> dict | None:
    """The section's context, or None (nothing owed, or a role that does not read the post-loan book)."""
    if request is None or not hasattr(request, "scope") or request.scope.role not in READERS:
        return None
    visits = Visit.objects.filter(drawdown=OuterRef("pk"))
    undelivered = (Letter.objects.filter(drawdown=OuterRef("pk"), receipt_signed=False).order_by()
                   .values("drawdown").annotate(n=Count("pk")).values("n"))
    loans = list(Drawdown.objects.filter(household=household, status=Drawdown.Status.DISBURSED,
                                         principal_outstanding__gt=0, village_id__in=request.scope.village_ids)
                 .select_related("risk", "collection")
                 .annotate(last_visited=_first(visits.exclude(visited_on=None).order_by("-visited_on"), "visited_on"),
                           next_visit=_first(visits.filter(visited_on=None).order_by("due_on"), "due_on"),
                           undelivered=Coalesce(Subquery(undelivered, output_field=IntegerField()), 0))
                 .order_by("due_on", "pk"))
    if not loans:
        return None
    today = timezone.localdate()
    for loan in loans:
        loan.days_overdue = overdue_days(due_on=loan.due_on, outstanding=loan.principal_outstanding, today=today)
        loan.grade = getattr(loan, "risk", None)       # None until the daily job has classified it
        loan.case = getattr(loan, "collection", None)  # None unless it went overdue
    return {"loans": loans, "today": today}

