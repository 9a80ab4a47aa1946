"""Reads of drawdowns (用信) for the services' checks and for the pages. Everything a page lists or opens starts
from the caller's scope (R1); the check helpers run inside the service's activated scope, and the few that
must see other villages of the head office (blacklist, guarantors' lines) say so and filter by head office.
"""

import datetime
from decimal import Decimal

from django.db.models import F, FilteredRelation, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django_scopes import scopes_disabled

from guarantee_groups.models import GroupMember, GuaranteeGroup
from households.models import Household, Member, Relation
from sunshine_credit.models import Approval, BlacklistEntry
from sunshine_credit.scoping import Scope, get_in_scope_or_404

from ..models import CreditLine, Drawdown, LineStatus
from ..rules import drawdowns as rules
from .todo import drawdowns_todo


def holder_name(*, household: Household) -> str:
    """The borrower's name: the credit representative (H1), or the head (户主) when none is set."""
    if household.representative_id:
        return Member.objects.filter(pk=household.representative_id).values_list("name", flat=True).first() or ""
    return (Member.objects.filter(household=household, relation=Relation.HEAD)
            .values_list("name", flat=True).first() or "")


def _with_holder(drawdowns: QuerySet) -> QuerySet:
    """Each drawdown with its borrower's name and ID number (representative, else head) in one join."""
    return (drawdowns.alias(head=FilteredRelation("household__members",
                                                  condition=Q(household__members__relation=Relation.HEAD)))
            .annotate(holder_name=Coalesce(F("household__representative__name"), F("head__name")),
                      holder_id_number=Coalesce(F("household__representative__id_number"), F("head__id_number"))))


# --- pages ---------------------------------------------------------------------------------------------

# V1: the dashboards' loan figures — loans still owed, those past their due day, those more than 30 days past it.
BOOK_FILTERS = ("owed", "overdue", "par30")


def book_filter(book: str, today: datetime.date) -> Q:
    """The loans of a dashboard figure (BOOK_FILTERS): disbursed with principal outstanding, and overdue today or
    more than 30 days overdue."""
    owed = Q(status=Drawdown.Status.DISBURSED, principal_outstanding__gt=0)
    if book == "overdue":
        return owed & Q(due_on__lt=today)
    if book == "par30":
        return owed & Q(due_on__lt=today - datetime.timedelta(days=30))
    return owed


def drawdown_list(*, scope: Scope, status: str = "", todo: str = "", book: str = "",
                  today: datetime.date | None = None) -> QuerySet:
    """The scope's drawdowns, newest first, of `status` when given; only those of `todo.drawdowns_todo(todo)` when
    given; only the loans of `book` (BOOK_FILTERS, as of `today`) when given. The drawdown table alone (issue 18):
    its count and a page's keys come from the (village, applied_on) index; `drawdown_rows` reads the page's rows
    with their names."""
    drawdowns = (drawdowns_todo(scope=scope, todo=todo) if todo
                 else Drawdown.objects.filter(village_id__in=scope.village_ids))
    if status:
        drawdowns = drawdowns.filter(status=status)
    if book in BOOK_FILTERS:
        drawdowns = drawdowns.filter(book_filter(book, today or datetime.date.today()))
    return drawdowns.order_by("-applied_on", "-pk")


def drawdown_rows(*, scope: Scope, ids: list[int]) -> QuerySet:
    """The drawdowns `ids` of the scope (a page of `drawdown_list`) with village, household and borrower: one query
    by primary key."""
    return _with_holder(Drawdown.objects.filter(village_id__in=scope.village_ids, pk__in=ids)
                        .select_related("village", "household").order_by())


def drawdown_get(*, scope: Scope, pk: int, for_edit: bool = False) -> Drawdown:
    """One drawdown of the scope (editable villages with `for_edit`); Http404 otherwise (O2)."""
    drawdowns = _with_holder(Drawdown.objects.select_related(
        "village__branch", "household__group", "line", "group", "submitted_by", "decided_by", "disbursed_by",
        "investigated_by", "post_loan_checked_by", "created_by"))
    return get_in_scope_or_404(drawdowns, scope, for_edit=for_edit, pk=pk)


def line_for_drawdown(*, scope: Scope, pk: int) -> CreditLine:
    """A line of the maker's villages to apply against; Http404 otherwise."""
    lines = CreditLine.objects.select_related("village__branch", "household")
    return get_in_scope_or_404(lines, scope, for_edit=True, pk=pk)


def drawdown_approvals(*, drawdown: Drawdown) -> list[Approval]:
    return list(Approval.objects.filter(kind__in=("drawdown", "drawdown_above_branch"), subject_id=drawdown.pk,
                                        village_id=drawdown.village_id)
                .select_related("requested_by", "decided_by").order_by("requested_at"))


def guarantor_rows(*, scope: Scope, drawdown: Drawdown) -> list[dict]:
    """The named guarantors: code and amount; the name only when the guarantor's village is in the scope."""
    with scopes_disabled():  # a guarantor may live in another village of the head office
        rows = list(drawdown.guarantors.filter(household__head_office_id=drawdown.head_office_id)
                    .select_related("household").order_by("pk"))
        names = {h.pk: holder_name(household=h) for h in (row.household for row in rows)
                 if scope.can_read_village(h.village_id)}
    return [{"code": row.household.code, "name": names.get(row.household_id, ""), "amount": row.amount,
             "household_id": row.household_id} for row in rows]


# --- facts for the checks ------------------------------------------------------------------------------

def line_usage(*, line_id: int, exclude_id: int | None = None) -> tuple[Decimal, Decimal]:
    """U1: (principal outstanding of the line's disbursed drawdowns, amounts of its submitted and approved
    drawdowns not yet disbursed), leaving out `exclude_id`."""
    drawdowns = Drawdown.objects.filter(line_id=line_id)
    if exclude_id is not None:
        drawdowns = drawdowns.exclude(pk=exclude_id)
    totals = drawdowns.aggregate(
        outstanding=Sum("principal_outstanding", filter=Q(status=Drawdown.Status.DISBURSED)),
        reserved=Sum("amount", filter=Q(status__in=[Drawdown.Status.SUBMITTED, Drawdown.Status.APPROVED])))
    return totals["outstanding"] or Decimal(0), totals["reserved"] or Decimal(0)


def line_available(*, line: CreditLine, exclude_id: int | None = None) -> Decimal:
    outstanding, reserved = line_usage(line_id=line.pk, exclude_id=exclude_id)
    return rules.available_amount(line_amount=line.amount, outstanding=outstanding, reserved=reserved)


def has_disbursed(*, household_id: int, exclude_id: int | None = None) -> bool:
    """U4: whether the household had a drawdown disbursed before, on any line (then this one is not its first)."""
    drawdowns = Drawdown.objects.filter(household_id=household_id,
                                        status__in=[Drawdown.Status.DISBURSED, Drawdown.Status.REPAID])
    if exclude_id is not None:
        drawdowns = drawdowns.exclude(pk=exclude_id)
    return drawdowns.exists()


def has_spouse(*, household: Household) -> bool:
    """U4: whether the borrower has a spouse in the household. The roster links spouses only as 户主 and 配偶:
    a representative who is the head has a spouse when a 配偶 is recorded, one who is the 配偶 always has the
    head; any other representative (a son, say) is taken to have none (the roster does not say whom a 儿媳
    married)."""
    relation = Relation.HEAD
    if household.representative_id:
        relation = Member.objects.filter(pk=household.representative_id).values_list("relation", flat=True).first()
    if relation == Relation.HEAD:
        return Member.objects.filter(household=household, relation=Relation.SPOUSE).exists()
    return relation == Relation.SPOUSE


def active_group_of(*, household_id: int, lock: bool = False) -> GuaranteeGroup | None:
    """U3: the group the household is an active member of (G4: at most one), whatever the group's state;
    `lock`: the group row locked for the caller's transaction."""
    group_id = (GroupMember.objects.filter(household_id=household_id, active=True).order_by("-pk")
                .values_list("group_id", flat=True).first())
    if group_id is None:
        return None
    groups = GuaranteeGroup.objects.select_for_update() if lock else GuaranteeGroup.objects
    return groups.filter(pk=group_id).first()


def previous_member_drawdown(*, drawdown: Drawdown) -> tuple[str, datetime.date | None, bool] | None:
    """U6: (number, post-loan check date, problem found) of the latest disbursed drawdown of another member of
    the group."""
    row = (Drawdown.objects.filter(group_id=drawdown.group_id,
                                   status__in=[Drawdown.Status.DISBURSED, Drawdown.Status.REPAID])
           .exclude(household_id=drawdown.household_id).exclude(pk=drawdown.pk)
           .order_by("-disbursed_at", "-pk")
           .values_list("loan_number", "number", "post_loan_checked_on", "post_loan_problem").first())
    return (row[0] or row[1], row[2], row[3]) if row else None


def blacklist_hits(*, head_office_id: int, household_ids: list[int]) -> list[tuple[str, str]]:
    """C4: (household code, reason) for members on the active blacklist. Guarantors may be of other villages:
    unscoped, filtered by head office; ID numbers never leave this function."""
    with scopes_disabled():
        members = dict(Member.objects.filter(head_office_id=head_office_id, household_id__in=household_ids)
                       .values_list("id_number", "household__code"))
        entries = (BlacklistEntry.objects.filter(head_office_id=head_office_id, active=True, id_number__in=members)
                   .values_list("id_number", "reason"))
        return sorted({(members[number], reason) for number, reason in entries})


def group_household_ids(*, group_id: int) -> list[int]:
    """The active members of a group (they guarantee a group drawdown). Unscoped: ids only."""
    with scopes_disabled():
        return list(GroupMember.objects.filter(group_id=group_id, active=True).values_list("household_id", flat=True))


def guarantor_line_ids(*, drawdown_id: int, today: datetime.date) -> list[int]:
    """The lines in effect of the drawdown's guarantors, to lock with the borrower's line on submission."""
    with scopes_disabled():
        homes = Drawdown.objects.filter(pk=drawdown_id).values_list("guarantors__household_id", flat=True)
        return list(CreditLine.objects.filter(household_id__in=[h for h in homes if h], status=LineStatus.ACTIVE,
                                              effective_on__lte=today, expires_on__gte=today)
                    .values_list("pk", flat=True))


def document_checklist(*, drawdown: Drawdown) -> list[dict]:
    """U4 for the detail page: the documents this drawdown needs, each with whether it was received."""
    first = drawdown.is_first
    if drawdown.status == Drawdown.Status.DRAFT:  # settled on submission; until then as things stand now
        first = not has_disbursed(household_id=drawdown.household_id, exclude_id=drawdown.pk)
    required = rules.required_documents(first=first, amount=drawdown.amount, guarantee=drawdown.guarantee,
                                        has_spouse=has_spouse(household=drawdown.household),
                                        spouse_away=drawdown.spouse_away)
    return [{"code": code, "label": rules.DOCUMENTS[code], "received": code in drawdown.documents}
            for code in required]
