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

# Issue 18: a scope of at most this many villages (an officer's) counts its home page's figures live; a branch's or a
# head office's reads the dashboards' kept village figures (V1) for those that are the same figures (when they are
# kept: OVERVIEW_CACHE_SECONDS > 0).
LIVE_VILLAGES = 5


def dashboard(*, scope: Scope) -> dict:
    """The dashboard page: the role's task list, credit figures, archive coverage per village and per branch (H7)
    and its target. `computed_at`: when the kept figures were computed (None: everything counted now)."""
    village_rows = len(scope.village_ids) <= settings.LIST_CHOOSE_AREA_ABOVE
    kept, computed_at = ({}, None) if (len(scope.village_ids) <= LIVE_VILLAGES
                                       or settings.OVERVIEW_CACHE_SECONDS <= 0) else _kept(scope)
    if computed_at is None:
        rows = coverage_by_village(scope=scope) if village_rows else []
        branches = coverage_totals(rows, key="branch") if village_rows else branch_coverage(scope=scope)
    else:
        # Issue 18: a head office's home page lists its branches (their villages are one click away, V1's pages), added
        # up from the kept village figures of the dashboards instead of a count over the county's households.
        rows, branches = kept_coverage(scope, kept, village_rows=village_rows)
    return {
        "tasks": task_list(scope=scope),  # issue 15 item 4: the role's task list opens the page
        "credit": credit_figures(scope=scope, kept=kept if computed_at else None),
        "computed_at": computed_at,
        "villages": rows,
        "village_rows": village_rows,
        "branches": branches,
        "target": settings.ARCHIVE_COVERAGE_TARGET,
        # U7: from December, next year's holidays unknown to the library and the administrator's table.
        "calendar_unknown_year": calendar_warning_year(scope=scope, today=timezone.localdate()),
    }


def _kept(scope: Scope) -> tuple[dict, object]:
    """The scope's villages from the dashboards' kept figures (V1), cut to scope.village_ids (R1)."""
    with scopes_disabled():
        return kept_village_figures(scope, scope.village_ids, campaign_or_latest(scope=scope, pk=None),
                                    timezone.localdate(),
                                    branch_id=scope.branch_ids[0] if len(scope.branch_ids) == 1 else None)


def kept_coverage(scope: Scope, kept: dict, *, village_rows: bool) -> tuple[list[dict], list[dict]]:
    """H7 per village (when `village_rows`) and per branch from the kept village figures (V1), in the rows
    households.selectors.coverage_by_village and coverage_totals make."""
    if not village_rows:
        return [], branch_coverage(scope=scope, kept=kept)
    codes = dict(Branch.objects.filter(pk__in=scope.branch_ids).values_list("pk", "code"))
    rows = [{"id": f.key, "code": f.code, "name": f.name, "branch_id": f.branch_id,
             "branch__code": codes.get(f.branch_id, ""), "branch__name": f.branch, "roster": f.roster,
             "archived": f.archived, "excluded": f.excluded, "coverage": f.archive_coverage} for f in kept.values()]
    return rows, coverage_totals(rows, key="branch")


def branch_coverage(*, scope: Scope, kept: dict | None = None) -> list[dict]:
    """H7 per branch from the dashboards' kept village figures (V1), in the rows coverage_totals makes."""
    if kept is None:
        kept, _at = _kept(scope)
    branches = {b.pk: b for b in Branch.objects.filter(pk__in=scope.branch_ids).order_by("code")}
    totals = {pk: {"id": pk, "code": b.code, "name": b.name, "roster": 0, "archived": 0, "excluded": 0, "villages": 0}
              for pk, b in branches.items()}
    for figures in kept.values():
        total = totals.get(figures.branch_id)
        if total is not None:
            for name in ("roster", "archived", "excluded", "villages"):
                total[name] += getattr(figures, name)
    for total in totals.values():
        total["coverage"] = total["archived"] / total["roster"] if total["roster"] else None
    return list(totals.values())


def credit_figures(*, scope: Scope, kept: dict | None = None) -> dict:
    """Lines in effect, what is drawn and owed, overdue drawdowns, time-limit breaches (U7) and revocations (U9).
    With `kept` (the scope's kept village figures, V1) the lines in effect, the drawdowns disbursed, the principal
    outstanding and the overdue loans are added up from them (the same definitions); what waits for someone
    (submitted drawdowns, revocations, breaches: the task list's) is counted now."""
    today = timezone.localdate()
    villages = scope.village_ids
    if kept is None:
        lines = CreditLine.objects.filter(village_id__in=villages, status=LineStatus.ACTIVE).aggregate(
            active=Count("pk"), amount=Sum("amount"))
        drawn = Drawdown.objects.filter(village_id__in=villages, status=Drawdown.Status.DISBURSED).aggregate(
            count=Count("pk"), outstanding=Sum("principal_outstanding"),
            overdue=Count("pk", filter=Q(due_on__lt=today, principal_outstanding__gt=0)),
            overdue_amount=Sum("principal_outstanding", filter=Q(due_on__lt=today, principal_outstanding__gt=0)))
    else:
        figures = kept.values()
        lines = {"active": sum(f.lines for f in figures), "amount": sum(f.line_amount for f in figures)}
        drawn = {"count": sum(f.drawn for f in figures), "outstanding": sum(f.outstanding for f in figures),
                 "overdue": sum(f.overdue_loans for f in figures),
                 "overdue_amount": sum(f.overdue_amount for f in figures)}
    with scopes_disabled():  # the filters on scope.village_ids are the scope (not the same list twice, issue 18)
        waiting = Drawdown.objects.filter(village_id__in=villages, status=Drawdown.Status.SUBMITTED).count()
        cases = RevocationCase.objects.filter(village_id__in=villages, status=RevocationCase.Status.ACTIVE).count()
    return {"lines": lines, "drawn": drawn, "waiting": waiting, "revocations": cases,
            "breaches": time_limit_breach_count(scope=scope, today=today),
            # a count links to its list only for those who may read it (no link answering 404)
            "lists": scope.role in LIST_READERS}
