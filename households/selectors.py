"""Reads of the household archive. Every selector starts from the caller's scope (R1)."""

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, QuerySet
from django_scopes import scopes_disabled

from sunshine_credit.models import Village, VillageGroup
from sunshine_credit.scoping import Scope, get_in_scope_or_404

from .models import ArchiveStatus, ExistingLoan, Household, Member, Relation, RosterImport
from .rules import RuleViolation, parse_resident_id


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


# --- Household archive pages (H1–H5, R1, R5) ---------------------------------------------------

HEAD = Relation.HEAD.value
LIST_ORDER = ("village__code", "code")


def household_list(*, scope: Scope, village_id: int | None = None, group_id: int | None = None,
                   search: str = "") -> QuerySet:
    """Households the user may read, one row each with the head's name, ID and phone and the member count.

    One query per page whatever the number of households: the head comes in through a filtered join,
    the count through a grouped join, and the search through EXISTS subqueries (no duplicate rows).
    """
    households = (_households_in_scope(scope, village_id=village_id, group_id=group_id)
                  .select_related("village", "group")
                  .alias(head=FilteredRelation("members", condition=Q(members__relation=HEAD)))
                  .annotate(head_name=F("head__name"), head_id_number=F("head__id_number"),
                            head_phone=F("head__phone"), member_count=Count("members", distinct=True)))
    search = (search or "").strip()
    if search:
        households = households.filter(_search_filter(scope, search))
    return households.order_by(*LIST_ORDER)


def _households_in_scope(scope: Scope, *, village_id=None, group_id=None) -> QuerySet:
    # The manager scopes by village too; the explicit filter is the second layer (STYLE §3).
    households = Household.objects.filter(village_id__in=scope.village_ids)
    if village_id:
        households = households.filter(village_id=village_id)
    if group_id:
        households = households.filter(group_id=group_id)
    return households


def _search_filter(scope: Scope, term: str) -> Q:
    """Exact ID number (normalised when it parses), member name or household code (H1, H2)."""
    try:
        id_number = parse_resident_id(term).number
    except RuleViolation:
        id_number = term.upper()
    # head_office_id leads the unique index (head_office, id_number), so the lookup is an index probe.
    by_id = Member.objects.filter(household=OuterRef("pk"), head_office_id=scope.head_office_id,
                                  id_number=id_number)
    by_name = Member.objects.filter(household=OuterRef("pk"), name__icontains=term)
    return Exists(by_id) | Exists(by_name) | Q(code__icontains=term)


def household_filter_choices(*, scope: Scope) -> tuple[list[Village], list[VillageGroup]]:
    """The villages and groups of the user's scope, for the list's filter boxes."""
    villages = list(Village.objects.filter(id__in=scope.village_ids).order_by("code"))
    groups = list(VillageGroup.objects.filter(village_id__in=scope.village_ids)
                  .select_related("village").order_by("village__code", "name"))
    return villages, groups


def household_get(*, scope: Scope, pk: int, for_edit: bool = False) -> Household:
    """One household of the scope (for_edit: of the villages the user may enter data for), else Http404."""
    return get_in_scope_or_404(Household.objects.select_related("village__branch", "group", "representative",
                                                                "updated_by"),
                               scope, for_edit=for_edit, pk=pk)


def household_members(*, household: Household) -> list[Member]:
    return list(Member.objects.filter(household=household).order_by("id"))


def household_loans(*, household: Household) -> list[ExistingLoan]:
    return list(ExistingLoan.objects.filter(member__household=household).select_related("member")
                .order_by("member_id", "id"))


def existing_loan_get(*, scope: Scope, pk: int, for_edit: bool = False) -> ExistingLoan:
    return get_in_scope_or_404(ExistingLoan.objects.select_related("member__household"), scope,
                               village_field="member__household__village_id", for_edit=for_edit, pk=pk)


def household_history(*, household: Household, limit: int = 100) -> list[LogEntry]:
    """R4: audit entries of the household, its members (also removed ones) and their existing loans."""
    types = ContentType.objects.get_for_models(Household, Member, ExistingLoan)
    household_type, member_type, loan_type = types[Household], types[Member], types[ExistingLoan]
    # Foreign keys are logged as primary keys; a member's creation names its household, a loan's its member.
    member_ids = {str(pk) for pk in Member.objects.filter(household=household).values_list("pk", flat=True)}
    member_ids |= set(LogEntry.objects.filter(content_type=member_type, changes__household__1=str(household.pk))
                      .values_list("object_pk", flat=True))
    loan_ids = {str(pk) for pk in ExistingLoan.objects.filter(member__household=household)
                .values_list("pk", flat=True)}
    loan_ids |= set(LogEntry.objects.filter(content_type=loan_type, changes__member__1__in=member_ids)
                    .values_list("object_pk", flat=True))
    entries = (LogEntry.objects.filter(Q(content_type=household_type, object_pk=str(household.pk))
                                       | Q(content_type=member_type, object_pk__in=member_ids)
                                       | Q(content_type=loan_type, object_pk__in=loan_ids))
               .select_related("actor", "content_type").order_by("-timestamp", "-pk"))
    return list(entries[:limit])
