"""V1: the dashboard's figures for the user's scope, composed from the apps that own them. A handful of
aggregate queries; every figure starts from scope.village_ids (R1)."""

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone

from credit_use.models import CreditLine, Drawdown, LineStatus, RevocationCase
from credit_use.selectors.time_limits import LIST_READERS, time_limit_breach_count
from households.selectors import coverage_by_village, coverage_totals
from sunshine_credit.scoping import Scope
from sunshine_credit.selectors import calendar_warning_year

from .tasks import task_list


def dashboard(*, scope: Scope) -> dict:
    """The dashboard page: the role's task list, credit figures, archive coverage per village and per branch (H7)
    and its target."""
    rows = coverage_by_village(scope=scope)
    return {
        "tasks": task_list(scope=scope),  # issue 15 item 4: the role's task list opens the page
        "credit": credit_figures(scope=scope),
        # Issue 18: a head office's home page lists its branches; their villages are one click away (V1's pages).
        "villages": rows if len(scope.village_ids) <= settings.LIST_CHOOSE_AREA_ABOVE else [],
        "village_rows": len(scope.village_ids) <= settings.LIST_CHOOSE_AREA_ABOVE,
        "branches": coverage_totals(rows, key="branch"),
        "target": settings.ARCHIVE_COVERAGE_TARGET,
        # U7: from December, next year's holidays unknown to the library and the administrator's table.
        "calendar_unknown_year": calendar_warning_year(scope=scope, today=timezone.localdate()),
    }


def credit_figures(*, scope: Scope) -> dict:
    """Lines in effect, what is drawn and owed, overdue drawdowns, time-limit breaches (U7) and revocations (U9)."""
    today = timezone.localdate()
    villages = scope.village_ids
    lines = CreditLine.objects.filter(village_id__in=villages).aggregate(
        active=Count("pk", filter=Q(status=LineStatus.ACTIVE)),
        amount=Sum("amount", filter=Q(status=LineStatus.ACTIVE)),
        revoked=Count("pk", filter=Q(status=LineStatus.REVOKED)))
    drawn = Drawdown.objects.filter(village_id__in=villages, status=Drawdown.Status.DISBURSED).aggregate(
        count=Count("pk"), outstanding=Sum("principal_outstanding"),
        overdue=Count("pk", filter=Q(due_on__lt=today, principal_outstanding__gt=0)),
        overdue_amount=Sum("principal_outstanding", filter=Q(due_on__lt=today, principal_outstanding__gt=0)))
    waiting = Drawdown.objects.filter(village_id__in=villages, status=Drawdown.Status.SUBMITTED).count()
    cases = RevocationCase.objects.filter(village_id__in=villages, status=RevocationCase.Status.ACTIVE).count()
    return {"lines": lines, "drawn": drawn, "waiting": waiting, "revocations": cases,
            "breaches": time_limit_breach_count(scope=scope, today=today),
            # a count links to its list only for those who may read it (no link answering 404)
            "lists": scope.role in LIST_READERS}
