"""C6 reads: the loans' grades, the ageing buckets and PAR30/PAR90 per branch, village and officer.

Everything starts from the caller's scope (R1). The figures are those of the last daily classification
(services.classification.classify_all): the days overdue and grades of its RiskGrade rows, as of its `as_of`, with
the principal outstanding now (a loan repaid since is left out). Ageing and PAR are one set-based aggregate per
page — grouped by village and officer in the database, then added up to branches, villages and officers (a few
rows per village, never one per loan):
- ageing buckets (账龄): current, 1–30, 31–90, 91–180, 181–360, over 360 days overdue;
- PAR30 / PAR90 (portfolio at risk): outstanding principal of loans MORE than 30 / 90 days overdue ÷ all
  outstanding principal (of the same group).
The officer of a loan is the drawdown's `created_by` (the officer who made the application, as U9 publishes).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, CharField, Count, Max, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404

from credit_use.models import Drawdown
from households.models import Member, Relation
from sunshine_credit.models import Approval, Role, Village
from sunshine_credit.scoping import HEAD_OFFICE_READERS, Scope, get_in_scope_or_404

from ..models import Grade, GradeChange, RiskGrade
from ..rules import classification as rules

READERS = frozenset({*HEAD_OFFICE_READERS, Role.PRESIDENT, Role.OFFICER})  # tellers and reviewers: 404
GRADE_CHANGE_KIND = "grade_change"  # the approvals' key (approvals.py registers it, services request it)
BUCKET_KEYS = tuple(key for key, _first, _last in rules.BUCKETS)


def require_reader(scope: Scope) -> None:
    if scope.role not in READERS:
        raise Http404


def _book(scope: Scope) -> QuerySet:
    """The scope's classified loans still in the book."""
    return RiskGrade.objects.filter(village_id__in=scope.village_ids, drawdown__head_office_id=scope.head_office_id,
                                    drawdown__status=Drawdown.Status.DISBURSED,
                                    drawdown__principal_outstanding__gt=0)


def as_of(scope: Scope):
    """The date of the last classification of the scope's book (None when never classified)."""
    return _book(scope).aggregate(on=Max("as_of"))["on"]


# --- ageing and PAR ------------------------------------------------------------------------------------------

@dataclass
class Ageing:
    """One row of an ageing table: a branch, a village or an officer."""

    key: object
    name: str
    branch: str = ""
    loans: int = 0
    buckets: dict = field(default_factory=lambda: {key: Decimal(0) for key in BUCKET_KEYS})
    grades: dict = field(default_factory=lambda: {grade: Decimal(0) for grade in Grade.values})

    @property
    def outstanding(self) -> Decimal:
        return sum(self.buckets.values(), Decimal(0))

    def at_risk(self, days: int) -> Decimal:
        """Outstanding of the loans more than `days` overdue."""
        return sum((self.buckets[key] for key, first, _last in rules.BUCKETS if first > days), Decimal(0))

    def par(self, days: int) -> Decimal | None:
        """PAR `days` as a percentage (two decimals), None without outstanding."""
        total = self.outstanding
        return (self.at_risk(days) * 100 / total).quantize(Decimal("0.01")) if total else None

    @property
    def par30(self):
        return self.par(30)

    @property
    def par90(self):
        return self.par(90)

    @property
    def bucket_list(self) -> list[Decimal]:
        return [self.buckets[key] for key in BUCKET_KEYS]

    @property
    def grade_list(self) -> list[Decimal]:
        return [self.grades[grade] for grade in Grade.values]

    def add(self, row: dict) -> None:
        self.loans += row["n"]
        self.buckets[row["bucket"]] += row["amount"]
        self.grades[row["grade"]] += row["amount"]


def bucket_case():
    whens = [When(overdue_days__lte=last, then=Value(key)) for key, _first, last in rules.BUCKETS if last is not None]
    return Case(*whens, default=Value(BUCKET_KEYS[-1]), output_field=CharField())


def ageing_rows(scope: Scope) -> list[dict]:
    """The one aggregate: outstanding and loans per village, officer, grade and bucket."""
    return list(_book(scope).annotate(bucket=bucket_case())
                .values("village_id", "village__name", "village__code", "village__branch_id",
                        "village__branch__name", "village__branch__code", "drawdown__created_by_id",
                        "drawdown__created_by__username", "drawdown__created_by__first_name",
                        "drawdown__created_by__last_name", "grade", "bucket")
                .annotate(amount=Sum("drawdown__principal_outstanding"), n=Count("id")).order_by())


def _officer_name(row: dict) -> str:
    full = f"{row['drawdown__created_by__last_name']}{row['drawdown__created_by__first_name']}".strip()
    return full or row["drawdown__created_by__username"]


def ageing_report(scope: Scope) -> dict:
    """{"as_of", "branches", "villages", "officers", "total"}: Ageing rows, ordered by code or name."""
    branches, villages, officers = {}, {}, {}
    total = Ageing(key=None, name="")
    for row in ageing_rows(scope):
        groups = (
            (branches, row["village__branch_id"], (row["village__branch__code"], row["village__branch__name"], "")),
            (villages, row["village_id"], (row["village__code"], row["village__name"], row["village__branch__name"])),
            (officers, row["drawdown__created_by_id"], (_officer_name(row), _officer_name(row), "")),
        )
        for table, key, (order, name, branch) in groups:
            if key not in table:
                table[key] = (order, Ageing(key=key, name=name, branch=branch))
            table[key][1].add(row)
        total.add(row)
    ordered = lambda table: [item for _order, item in sorted(table.values(), key=lambda pair: pair[0])]  # noqa: E731
    return {"as_of": as_of(scope), "branches": ordered(branches), "villages": ordered(villages),
            "officers": ordered(officers), "total": total}


# --- lists and one loan --------------------------------------------------------------------------------------

def _holder_name():
    head = Member.objects.filter(household_id=OuterRef("drawdown__household_id"), relation=Relation.HEAD)
    return Coalesce("drawdown__household__representative__name", Subquery(head.values("name")[:1]))


def village_get(*, scope: Scope, pk: int) -> Village:
    return get_in_scope_or_404(Village.objects.select_related("branch"), scope, village_field="id", pk=pk)


def village_grades(*, scope: Scope, village: Village, grade: int | None = None) -> QuerySet:
    """The classified loans of one village of the scope (of `grade` when given), worst first."""
    rows = _book(scope).filter(village=village)
    if grade:
        rows = rows.filter(grade=grade)
    return (rows.select_related("drawdown__household", "drawdown__created_by").annotate(holder_name=_holder_name())
            .order_by("-grade", "-overdue_days", "drawdown__number"))


def grade_tabs(*, scope: Scope, village: Village) -> list[tuple]:
    """(grade, label, loans of the village in it) for the filter's tabs."""
    rows = _book(scope).filter(village=village).values("grade").annotate(n=Count("id")).order_by()
    counts = {row["grade"]: row["n"] for row in rows}
    return [(value, label, counts.get(value, 0)) for value, label in Grade.choices]


def loan_get(*, scope: Scope, pk: int) -> Drawdown:
    """One disbursed (or repaid) loan of the scope, with its RiskGrade (or None); Http404 otherwise (R1)."""
    loans = (Drawdown.objects.filter(head_office_id=scope.head_office_id,
                                     status__in=[Drawdown.Status.DISBURSED, Drawdown.Status.REPAID])
             .select_related("village__branch", "household", "created_by", "risk"))
    return get_in_scope_or_404(loans, scope, pk=pk)


def risk_of(drawdown: Drawdown) -> RiskGrade | None:
    try:
        return drawdown.risk
    except RiskGrade.DoesNotExist:
        return None


def grade_changes(*, drawdown: Drawdown) -> list[GradeChange]:
    """The loan's manual grade changes, oldest first (the page's history), with their approvals."""
    return list(GradeChange.objects.filter(drawdown=drawdown, village_id=drawdown.village_id)
                .select_related("approval__decided_by", "created_by").order_by("created_at", "pk"))


def pending_change(*, drawdown: Drawdown) -> Approval | None:
    return (Approval.objects.filter(kind=GRADE_CHANGE_KIND, subject_id=drawdown.pk, village_id=drawdown.village_id,
                                    status=Approval.Status.PENDING).select_related("requested_by").first())
