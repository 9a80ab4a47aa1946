"""Reads of the household archive. Every selector starts from the caller's scope (R1)."""

import re
from collections import defaultdict
from functools import reduce
from operator import or_

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Count, Exists, ForeignKey, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Reverse
from django.http import Http404
from django.utils.encoding import smart_str
from django_scopes import scopes_disabled

from sunshine_credit import sections
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

    One query per page whatever the number of households: the head's fields (a household has one head) and the
    member count come through subqueries the database evaluates for the page's rows only, after the ORDER BY …
    LIMIT (never a join or a GROUP BY over the whole list; the count of the list joins nothing, issue 18). The
    search narrows the list before anything else (_search_filter).
    """
    with scopes_disabled():  # subqueries over the list's rows, which carry the scope
        members = Member.objects.filter(household=OuterRef("pk")).order_by()
    head = members.filter(relation=HEAD)
    households = (_households_in_scope(scope, village_id=village_id, group_id=group_id)
                  .select_related("village", "group")
                  .annotate(head_name=Subquery(head.values("name")[:1]),
                            head_id_number=Subquery(head.values("id_number")[:1]),
                            head_phone=Subquery(head.values("phone")[:1]),
                            member_count=Coalesce(Subquery(members.values("household").annotate(n=Count("pk"))
                                                           .values("n")), 0)))
    if archive_status:
        households = households.filter(archive_status=archive_status)
    search = (search or "").strip()
    if search:
        households = households.filter(_search_filter(scope, search))
    return households.order_by(*LIST_ORDER)


def _households_in_scope(scope: Scope, *, village_id=None, group_id=None) -> QuerySet:
    # The manager scopes by village too; the explicit filter is the second layer (STYLE §3).
    if village_id:
        # One village of the scope: the manager scoped to it, and one condition on village_id where three would
        # be (issue 18: PostgreSQL multiplies their selectivities and expects one household of the village's
        # hundreds, then joins each row to the village table by a scan).
        if int(village_id) not in scope.village_ids:
            return Household.objects.none()
        households = Household.objects.with_scope(village=int(village_id)).filter(village_id=village_id)
    else:
        households = Household.objects.filter(village_id__in=scope.village_ids)
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


# The other apps' sections of the household page (sunshine_credit.sections), and the loan table's rows of this system.
PAGE_SECTIONS = ("household_loans", "household")


def household_page_get(*, scope: Scope, pk: int) -> Household:
    """household_get for the household's page (issue 18), in the same one query: whether a member is on the
    blacklist (.blacklisted), whether it has existing loans (.has_loans), and whether each section other apps show
    on the page could have anything (sunshine_credit.sections.annotate_presence): the page asks only those."""
    households = Household.objects.select_related("village__branch", "group", "representative", "updated_by",
                                                  "head_office")
    households = sections.annotate_probes(sections.annotate_presence(households, *PAGE_SECTIONS),
                                          blacklisted=blacklisted_member_exists, has_loans=_has_loans)
    return get_in_scope_or_404(households, scope, pk=pk)


def _has_loans() -> Exists:
    return Exists(ExistingLoan.objects.filter(member__household=OuterRef("pk")))


def household_members(*, household: Household) -> list[Member]:
    return list(Member.objects.filter(household=household).order_by("id"))


def household_loans(*, household: Household) -> list[ExistingLoan]:
    return list(ExistingLoan.objects.filter(member__household=household).select_related("member")
                .order_by("member_id", "id"))


def existing_loan_get(*, scope: Scope, pk: int, for_edit: bool = False) -> ExistingLoan:
    return get_in_scope_or_404(ExistingLoan.objects.select_related("member__household"), scope,
                               village_field="member__household__village_id", for_edit=for_edit, pk=pk)


def household_history(*, household: Household, members: list[Member] | None = None,
                      loans: list[ExistingLoan] | None = None, limit: int = 100) -> list[LogEntry]:
    """R4: audit entries of the household, its members (also removed ones) and their existing loans (also those of
    removed members), newest first; their foreign keys shown as auditlog shows them, read per model at once
    (_name_foreign_keys). The page's `members` and `loans` are passed in (else read).

    Three queries, each answered by an index however large the audit log grows: the removed members (a member's
    creation names its household) and the loans of every member ever here (a loan's creation names its member) by
    the expression indexes of migration households/0005 on PostgreSQL, then the entries by (type, object) — in one
    query the subqueries sat under an OR, where PostgreSQL scans every member and loan entry instead."""
    types = ContentType.objects.get_for_models(Household, Member, ExistingLoan)
    household_type, member_type, loan_type = types[Household], types[Member], types[ExistingLoan]
    members = household_members(household=household) if members is None else members
    loans = household_loans(household=household) if loans is None else loans
    member_ids = {str(m.pk) for m in members} | set(
        LogEntry.objects.filter(content_type=member_type, changes__household__1=str(household.pk))
        .values_list("object_pk", flat=True))
    # One equality per member (a household has a few), each an index condition; the same JSON comparison on SQLite
    # and PostgreSQL (a text key IN a list compares text with JSON numbers on SQLite).
    created_by_member = reduce(or_, (Q(changes__member__1=pk) for pk in sorted(member_ids)), Q(pk__in=[]))
    loan_ids = {str(loan.pk) for loan in loans} | set(
        LogEntry.objects.filter(created_by_member, content_type=loan_type).values_list("object_pk", flat=True))
    entries = list(LogEntry.objects.filter(
        Q(content_type=household_type, object_pk=str(household.pk))
        | Q(content_type=member_type, object_pk__in=sorted(member_ids))
        | Q(content_type=loan_type, object_pk__in=sorted(loan_ids)))
        .select_related("actor", "content_type").order_by("-timestamp", "-pk")[:limit])
    known = [household, household.village, household.village.branch, household.group, household.representative,
             household.updated_by, *members, *loans]
    if Household.head_office.is_cached(household):
        known.append(household.head_office)
    _name_foreign_keys(entries, known=[obj for obj in known if obj is not None])
    return entries


def _foreign_keys(entry: LogEntry):
    """(field, value) of each foreign key an entry's changes name (values as stored: primary keys as text)."""
    model = entry.content_type.model_class()
    if model is None:
        return
    for name, values in (entry.changes_dict or {}).items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(field, ForeignKey) and not field.choices and isinstance(values, list | tuple):
            for value in values:
                yield field, value


def _name_foreign_keys(entries: list[LogEntry], *, known: list) -> None:
    """What auditlog's changes_display_dict shows for a foreign key (the object's str, or "Deleted 'Model' (pk)"),
    without its query per value and entry: the objects the page holds (`known`), the others by model in one query
    each, through the base manager as auditlog reads them (AUDITLOG_USE_BASE_MANAGER)."""
    found = {(obj._meta.model, obj.pk): obj for obj in known}
    wanted = defaultdict(set)
    for entry in entries:
        for field, value in _foreign_keys(entry):
            pk = _pk_of(field, value)
            if pk is not AS_STORED and (field.related_model, pk) not in found:
                wanted[field.related_model].add(pk)
    for model, pks in wanted.items():
        found.update(((model, pk), obj) for pk, obj in model._meta.base_manager.in_bulk(list(pks)).items())

    def display(field, value) -> str:
        pk = _pk_of(field, value)
        if pk is AS_STORED:
            return value
        obj = found.get((field.related_model, pk))
        return smart_str(obj) if obj is not None else f"Deleted '{field.related_model.__name__}' ({value})"

    for entry in entries:
        entry._get_changes_display_for_fk_field = display  # auditlog's query per value, answered from `found`


AS_STORED = object()  # a foreign key's stored value auditlog shows as it is: "None", or not a primary key


def _pk_of(field, value):
    if value == "None":
        return AS_STORED
    try:
        return field.related_model._meta.pk.to_python(value)
    except ValidationError:
        return AS_STORED


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
