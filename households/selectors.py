"""Reads of the household archive. Every selector starts from the caller's scope (R1)."""

import re

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Reverse
from django.http import Http404
from django_scopes import scopes_disabled

from sunshine_credit.models import BlacklistEntry, Village, VillageGroup
from sunshine_credit.scoping import HEAD_OFFICE_READERS, Scope, get_in_scope_or_404

from .models import ArchiveExport, ArchiveStatus, ExistingLoan, Household, Member, Relation, RosterImport
from .rules import RuleViolation, parse_resident_id, stage_ineligibility


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
                   search: str = "", archive_status: str = "") -> QuerySet:
    """Households the user may read, one row each with the head's name, ID and phone and the member count.

    One query per page whatever the number of households: the head comes in through a filtered join (one row per
    household: a household has one head), and the member count through a subquery the database evaluates for the
    page's rows only, after the ORDER BY … LIMIT (never a GROUP BY over the whole scope). The search narrows
    the list before anything else (_search_filter).
    """
    members = (Member.objects.filter(household=OuterRef("pk")).order_by().values("household")
               .annotate(n=Count("pk")).values("n"))
    households = (_households_in_scope(scope, village_id=village_id, group_id=group_id)
                  .select_related("village", "group")
                  .alias(head=FilteredRelation("members", condition=Q(members__relation=HEAD)))
                  .annotate(head_name=F("head__name"), head_id_number=F("head__id_number"),
                            head_phone=F("head__phone"), member_count=Coalesce(Subquery(members), 0)))
    if archive_status:
        households = households.filter(archive_status=archive_status)
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


ID_LIKE = re.compile(r"^(\d{15}|\d{17}[\dXx])$")
# Terms shorter than this (a surname, a given name: one or two characters, which hold no trigram) match the start
# or the end of a name, each an index range (households migration 0004 indexes name and reverse(name)); longer
# terms match anywhere in the name through a trigram index on PostgreSQL.
SUBSTRING_MIN = 3


def _search_filter(scope: Scope, term: str) -> Q:
    """What the search box finds (H1, H2), cheapest first, each answered by its own index (issue 18):
    1. a term shaped like an ID number is an exact ID look-up — never a substring search;
    2. a term that is a household code of the head office finds that household;
    3. otherwise members whose name contains the term (one or two characters: starts or ends with it — a Chinese
       name's surname or given name) and households whose code contains it."""
    if ID_LIKE.match(term):
        try:
            id_number = parse_resident_id(term).number
        except RuleViolation:
            id_number = term.upper()
        # head_office_id leads the unique index (head_office, id_number): an index probe.
        return Q(pk__in=Member.objects.filter(head_office_id=scope.head_office_id, id_number=id_number)
                 .values("household_id"))
    if Household.objects.filter(head_office_id=scope.head_office_id, code=term).exists():
        return Q(code=term)
    if len(term) < SUBSTRING_MIN:
        office = Member.objects.filter(head_office_id=scope.head_office_id).order_by()
        starts = office.filter(name__startswith=term).values("household_id")
        ends = office.alias(reversed_name=Reverse("name")).filter(reversed_name__startswith=term[::-1])
        codes = Household.objects.filter(head_office_id=scope.head_office_id, code__icontains=term).order_by()
        return Q(pk__in=starts) | Q(pk__in=ends.values("household_id")) | Q(pk__in=codes.values("pk"))
    names = Member.objects.filter(head_office_id=scope.head_office_id, name__contains=term).order_by()
    codes = Household.objects.filter(head_office_id=scope.head_office_id, code__icontains=term).order_by()
    return Q(pk__in=names.values("household_id")) | Q(pk__in=codes.values("pk"))


def household_filter_choices(*, scope: Scope) -> tuple[list[Village], list[VillageGroup]]:
    """The villages and groups of the user's scope, for the list's filter boxes."""
    villages = list(Village.objects.filter(id__in=scope.village_ids).select_related("branch")
                    .order_by("branch__code", "code"))
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


def blacklisted_households(*, head_office_id: int, household_ids) -> dict[int, str]:
    """C4: household id → 户号代码 of the given households with a member on the head office's active blacklist.
    Unscoped, filtered by head office (a guarantor or a group's household may lie outside the caller's villages);
    ID numbers never leave this function."""
    with scopes_disabled():
        listed = BlacklistEntry.objects.filter(head_office_id=head_office_id, active=True,
                                               id_number=OuterRef("id_number"))
        return dict(Member.objects.filter(head_office_id=head_office_id, household_id__in=list(household_ids))
                    .filter(Exists(listed)).order_by("household__code")
                    .values_list("household_id", "household__code"))


def household_blacklist_hits(*, household: Household, members: list[Member]) -> list[dict]:
    """C4 on the household page: each member whose ID number is on the head office's active blacklist, with the
    entry's reason and source (one query; the page masks the ID number for all but the village's makers)."""
    by_number = {m.id_number: m for m in members if m.id_number}
    if not by_number:
        return []
    entries = (BlacklistEntry.objects.filter(head_office_id=household.head_office_id, active=True,
                                             id_number__in=list(by_number)).order_by("id_number", "pk"))
    return [{"member": by_number[e.id_number], "entry": e} for e in entries]


# --- Who may enter a stage (issue 15) ----------------------------------------------------------------------------

def blacklisted_member_exists(household_ref: str = "pk", head_office_ref: str = "head_office_id") -> Exists:
    """C4: whether a member of the household (the outer query's `household_ref`) is on the active blacklist of its
    head office (the outer query's `head_office_ref`)."""
    with scopes_disabled():  # a subquery: the outer query carries the scope
        members = Member.objects.filter(
            household_id=OuterRef(household_ref),
            id_number__in=BlacklistEntry.objects.filter(head_office_id=OuterRef(OuterRef(head_office_ref)),
                                                        active=True).values("id_number"))
    return Exists(members)


def households_eligible(queryset: QuerySet) -> QuerySet:
    """The households of `queryset` that may enter a credit stage (survey entry, the computation, a panel's
    round, a board, a credit line): archived, and no member on the active blacklist (H5, C4). The one filter every
    stage's chokepoint applies; `households.rules.stage_ineligibility` is the same rule for one household."""
    return queryset.filter(archive_status=ArchiveStatus.ARCHIVED).exclude(blacklisted_member_exists())


def households_ineligibility(*, household_ids=None, head_office_id: int | None = None) -> dict[int, str]:
    """{household id: code of households.rules.stage_ineligibility} for the households of `household_ids` (or of
    the whole head office) that may not enter a credit stage; eligible households are left out. One query. Needs
    no scope (ids the caller already holds)."""
    with scopes_disabled():
        households = Household.objects.all()
        if household_ids is not None:
            households = households.filter(pk__in=list(household_ids))
        if head_office_id is not None:
            households = households.filter(head_office_id=head_office_id)
        rows = (households.annotate(listed=blacklisted_member_exists())
                .filter(~Q(archive_status=ArchiveStatus.ARCHIVED) | Q(listed=True))
                .values_list("pk", "archive_status", "listed"))
        return {pk: code for pk, status, listed in rows
                if (code := stage_ineligibility(archive_status=status, blacklisted=listed)) is not None}


def archive_export_list(*, scope: Scope) -> QuerySet:
    """R4/PIPL: the record of archive exports, for the head office's readers (admin, supervisors, auditors)."""
    if scope.role not in HEAD_OFFICE_READERS:
        raise Http404
    return (ArchiveExport.objects.filter(head_office_id=scope.head_office_id)
            .select_related("exported_by", "village", "group"))
