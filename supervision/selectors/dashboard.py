"""V1: the dashboard's figures for the user's scope, composed from the apps that own them. A handful of
aggregate queries; every figure starts from scope.village_ids (R1)."""

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django_scopes import scopes_disabled

from credit_use.models import CreditLine, Drawdown, LineStatus, RevocationCase
from credit_use.selectors.time_limits import LIST_READERS, time_limit_breach_count
from households.selectors import coverage_by_village, coverage_totals
from sunshine_credit.models import Branch
from sunshine_credit.scoping import Scope
from sunshine_credit.selectors import calendar_warning_year

from .overview import campaign_or_latest, kept_village_figures
from .tasks import task_list


def dashboard(*, scope: Scope) -> dict:
    """The dashboard page: the role's task list, credit figures, archive coverage per village and per branch (H7)
    and its target."""
    village_rows = len(scope.village_ids) <= settings.LIST_CHOOSE_AREA_ABOVE
    # Issue 18: a head office's home page lists its branches (their villages are one click away, V1's pages), added up
    # from the kept village figures of the dashboards instead of a count over the county's households.
    rows = coverage_by_village(scope=scope) if village_rows else []
    branches = coverage_totals(rows, key="branch") if village_rows else branch_coverage(scope=scope)
    return {
        "tasks": task_list(scope=scope),  # issue 15 item 4: the role's task list opens the page
        "credit": credit_figures(scope=scope),
        "villages": rows,
        "village_rows": village_rows,
        "branches": branches,
        "target": settings.ARCHIVE_COVERAGE_TARGET,
        # U7: from December, next year's holidays unknown to the library and the administrator's table.
        "calendar_unknown_year": calendar_warning_year(scope=scope, today=timezone.localdate()),
    }


def branch_coverage(*, scope: Scope) -> list[dict]:
    """H7 per branch from the dashboards' kept village figures (V1), in the rows coverage_totals makes."""
    today = timezone.localdate()
    with scopes_disabled():  # the figures are cut to scope.village_ids (R1)
        villages, _at = kept_village_figures(scope, scope.village_ids, campaign_or_latest(scope=scope, pk=None), today)
    branches = {b.pk: b for b in Branch.objects.filter(pk__in=scope.branch_ids).order_by("code")}
    totals = {pk: {"id": pk, "code": b.code, "name": b.name, "roster": 0, "archived": 0, "excluded": 0, "villages": 0}
              for pk, b in branches.items()}
    for figures in villages.values():
        total = totals.get(figures.branch_id)
        if total is not None:
            for name in ("roster", "archived", "excluded", "villages"):
                total[name] += getattr(figures, name)
    for total in totals.values():
        total["coverage"] = total["archived"] / total["roster"] if total["roster"] else None
    return list(totals.values())


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
