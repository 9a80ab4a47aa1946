"""C1 reads: the officer's visit list (due, overdue, done) in the order of a day's round, one visit, a loan's
visits, and the visit rate per officer, village and branch. Every read starts from the scope (R1)."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, FilteredRelation, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf

from credit_use.models import Drawdown
from households.models import Relation
from sunshine_credit.scoping import Scope, get_in_scope_or_404

from ..models import Visit
from ..rules.visits import quarter_end, quarter_start

TABS = ("due", "overdue", "done")
# A day's round: village by village, group by group, house by house.
ROUND_ORDER = ("village__code", "household__group__name", "household__code", "due_on", "pk")


def with_borrower(rows: QuerySet, household: str = "household") -> QuerySet:
    """Each row with its borrower's name and telephone in one join: the credit representative (H1), else the head
    of household; the phone is the person's, else the household's."""
    head = f"{household}__members"
    rep = f"{household}__representative"
    return (rows.alias(head_member=FilteredRelation(head, condition=Q(**{f"{head}__relation": Relation.HEAD})))
            .annotate(borrower_name=Coalesce(F(f"{rep}__name"), F("head_member__name"), Value("")),
                      borrower_phone=Coalesce(NullIf(F(f"{rep}__phone"), Value("")),
                                              NullIf(F("head_member__phone"), Value("")),
                                              F(f"{household}__phone"), Value(""))))


def live_loans() -> Q:
    """Loans that are still owed (the post-loan book): disbursed, principal outstanding."""
    return Q(status=Drawdown.Status.DISBURSED, principal_outstanding__gt=0)


def live_loan_for_maker(*, scope: Scope, drawdown_id: int) -> Drawdown:
    """A loan still owed of the actor's villages where they make data (a service re-checks the id it is given,
    R1); Drawdown.DoesNotExist otherwise, PermissionDenied for a role that makes no data. Call under activate()."""
    drawdown = (Drawdown.objects.filter(live_loans(), pk=drawdown_id, village_id__in=scope.editable_village_ids)
                .first())
    if drawdown is None:
        raise Drawdown.DoesNotExist
    scope.require_maker(village_id=drawdown.village_id)
    return drawdown


def _tab_filter(tab: str, today: datetime.date) -> Q:
    open_scheduled = Q(kind=Visit.Kind.SCHEDULED, visited_on__isnull=True,
                       drawdown__status=Drawdown.Status.DISBURSED, drawdown__principal_outstanding__gt=0)
    if tab == "overdue":
        return open_scheduled & Q(due_on__lt=today)
    if tab == "done":
        return Q(visited_on__gte=quarter_start(today), visited_on__lte=quarter_end(today))
    return open_scheduled & Q(due_on__gte=today)


def visit_list(*, scope: Scope, tab: str, today: datetime.date, village_id: int | None = None) -> QuerySet:
    """The scope's visits of `tab` ("due": this quarter's scheduled visits not yet made; "overdue": scheduled
    visits past their quarter and not made, of loans still owed; "done": visits recorded this quarter), in the
    order of a day's round. An officer's scope is the villages assigned to them (包片)."""
    rows = Visit.objects.filter(_tab_filter(tab, today), village_id__in=scope.village_ids)
    if village_id is not None:
        rows = rows.filter(village_id=village_id)
    rows = rows.select_related("village", "household__group", "drawdown", "officer")
    return with_borrower(rows).order_by(*ROUND_ORDER)


def visit_counts(*, scope: Scope, today: datetime.date) -> dict[str, int]:
    """How many visits each tab holds (one query)."""
    counts = Visit.objects.filter(village_id__in=scope.village_ids).aggregate(
        **{tab: Count("pk", filter=_tab_filter(tab, today)) for tab in TABS})
    return counts


def visit_get(*, scope: Scope, pk: int, for_edit: bool = False) -> Visit:
    """One visit of the scope (of the maker's villages with `for_edit`); Http404 otherwise (O2)."""
    rows = with_borrower(Visit.objects.select_related("village__branch", "household__group", "drawdown",
                                                      "officer", "recorded_by"))
    return get_in_scope_or_404(rows, scope, for_edit=for_edit, pk=pk)


def loan_for_visit(*, scope: Scope, pk: int) -> Drawdown:
    """A loan still owed, of the maker's villages, to add a visit to; Http404 otherwise."""
    loans = with_borrower(Drawdown.objects.filter(live_loans()).select_related("village", "household"))
    return get_in_scope_or_404(loans, scope, for_edit=True, pk=pk)


def open_visit_of_quarter(*, drawdown_id: int, day: datetime.date) -> Visit | None:
    """The loan's scheduled visit of `day`'s quarter when it is not yet made (recording it completes it)."""
    return (Visit.objects.filter(drawdown_id=drawdown_id, kind=Visit.Kind.SCHEDULED,
                                 period_start=quarter_start(day), visited_on__isnull=True).first())


def loan_visits(*, drawdown: Drawdown) -> list[Visit]:
    """A loan's visits, the latest first (the loan's post-loan section)."""
    return list(Visit.objects.filter(drawdown=drawdown, village_id=drawdown.village_id)
                .select_related("officer", "recorded_by").order_by("-due_on", "-pk")[:20])


# --- the visit rate -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RateRow:
    label: str
    branch: str
    scheduled: int
    done: int

    @property
    def rate(self) -> float | None:
        return self.done / self.scheduled if self.scheduled else None


def visit_rate(*, scope: Scope, quarter: datetime.date) -> dict[str, list[RateRow]]:
    """C1's visit rate for the quarter starting `quarter`: the scheduled visits of the quarter that were made within
    it (visited on or before the quarter's last day) ÷ the scheduled visits of the quarter — per officer, village
    and branch, and the scope's total. A visit made after its quarter ended stays a miss of that quarter. Three
    grouped queries, whatever the size of the book."""
    start, end = quarter_start(quarter), quarter_end(quarter)
    rows = Visit.objects.filter(village_id__in=scope.village_ids, kind=Visit.Kind.SCHEDULED, period_start=start)
    measures = {"scheduled": Count("pk"), "done": Count("pk", filter=Q(visited_on__gte=start, visited_on__lte=end))}
    officers = (rows.values("officer_id", "officer__username", "officer__first_name", "village__branch__name")
                .annotate(**measures).order_by("village__branch__name", "officer__username"))
    villages = (rows.values("village_id", "village__name", "village__branch__name").annotate(**measures)
                .order_by("village__branch__name", "village__code"))
    branches = rows.values("village__branch_id", "village__branch__name").annotate(**measures).order_by(
        "village__branch__name")
    result = {
        "officer": [RateRow(r["officer__first_name"] or r["officer__username"] or "—", r["village__branch__name"],
                            r["scheduled"], r["done"]) for r in officers],
        "village": [RateRow(r["village__name"], r["village__branch__name"], r["scheduled"], r["done"])
                    for r in villages],
        "branch": [RateRow(r["village__branch__name"], r["village__branch__name"], r["scheduled"], r["done"])
                   for r in branches],
    }
    result["total"] = [RateRow("", "", sum(r.scheduled for r in result["branch"]),
                               sum(r.done for r in result["branch"]))]
    return result
