"""Reads of the household archive. Every selector starts from the caller's scope (R1)."""

from django.db.models import Count, Q
from django_scopes import scopes_disabled

from sunshine_credit.models import Village
from sunshine_credit.scoping import Scope

from .models import ArchiveStatus, RosterImport


def coverage_by_village(*, scope: Scope) -> list[dict]:
    """H7: archived households ÷ households on the roster, per village, in one grouped query."""
    with scopes_disabled():  # the filter on scope.village_ids below is the scope
        rows = (Village.objects.filter(id__in=scope.village_ids)
                .values("id", "code", "name", "branch_id", "branch__code", "branch__name")
                .annotate(roster=Count("households"),
                          archived=Count("households", filter=Q(households__archive_status=ArchiveStatus.ARCHIVED)),
                          excluded=Count("households", filter=Q(households__archive_status=ArchiveStatus.EXCLUDED)))
                .order_by("branch__code", "code"))
        result = list(rows)
    for row in result:
        row["coverage"] = row["archived"] / row["roster"] if row["roster"] else None
    return result


def coverage_totals(rows: list[dict], *, key: str) -> list[dict]:
    """Sum village coverage rows up to branches (key="branch")."""
    totals: dict = {}
    for row in rows:
        total = totals.setdefault(row[f"{key}_id"], {"id": row[f"{key}_id"], "code": row[f"{key}__code"],
                                                      "name": row[f"{key}__name"], "roster": 0, "archived": 0,
                                                      "excluded": 0, "villages": 0})
        for field in ("roster", "archived", "excluded"):
            total[field] += row[field]
        total["villages"] += 1
    for total in totals.values():
        total["coverage"] = total["archived"] / total["roster"] if total["roster"] else None
    return list(totals.values())


def roster_import_list(*, scope: Scope):
    """Imports the user may see: their own, and those whose branches all lie in their scope."""
    imports = RosterImport.objects.filter(head_office_id=scope.head_office_id).select_related("created_by")
    return [i for i in imports[:200] if _import_visible(i, scope)]


def roster_import_get(*, scope: Scope, pk: int) -> RosterImport | None:
    item = RosterImport.objects.filter(head_office_id=scope.head_office_id, pk=pk).select_related("created_by").first()
    return item if item is not None and _import_visible(item, scope) else None


def _import_visible(item: RosterImport, scope: Scope) -> bool:
    if item.created_by_id is not None and item.created_by_id == scope.user_id:
        return True
    if not item.branch_ids:
        return False
    if not set(item.branch_ids) <= set(scope.branch_ids):
        return False
    return set(item.village_ids) <= set(scope.village_ids)
