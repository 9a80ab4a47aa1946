"""C5: the repayment rate (还款率) per branch, village, officer and month of maturity, reproducible from the records.

For the loans (disbursed drawdowns, repaid or not) of the scope falling due in [from, to]:
- principal due = the drawdown's amount (the principal is repaid in one sum at maturity; interest is quarterly);
- repaid by maturity = the Repayment rows of kind "principal" with paid_on ≤ due_on;
- with grace = the same with paid_on ≤ due_on + 3 calendar months (settings.REPAYMENT_GRACE_MONTHS);
- rate = repaid ÷ due, as a percentage.

Edge cases, decided as a bank's report decides them (a rate is reported once it is final, never as a guess):
- a loan due in the period but not matured yet (due_on ≥ today: the borrower still has the day) is not counted
  in either figure; the page shows how many there are;
- a loan matured but still within its grace (due_on + 3 months ≥ today) counts in the first figure and NOT in the
  second: its graced figure is not final, and counting it with what it repaid so far would understate the rate
  while counting it as repaid would overstate it. The page shows how many loans wait for their grace to end, and
  the graced figure's own principal due (so the two denominators may differ);
- a loan repaid early counts as repaid by maturity; principal repaid after the grace counts in neither.

Two flat aggregate queries grouped by village, officer and month of maturity — the loans' principal due and the
principal repaid (rate_rows) — so a loan's amount is never counted twice; the branch, village, officer and month
tables and the total are added up from their rows.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, DateField, F, Func, Q, Sum
from django.db.models.functions import TruncMonth

from credit_use.models import Drawdown, Repayment
from sunshine_credit.scoping import Scope

from ..rules.repayment_rate import rate


class GraceEnd(Func):
    """due_on + N calendar months as a date, clamped to the month's end (as rules.repayment_rate.add_months)."""

    output_field = DateField()

    def __init__(self, expression, months: int):
        super().__init__(expression)
        self.months = int(months)

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(({sql} + INTERVAL '{self.months} months') AS date)", params

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        months = self.months
        return (f"min(date({sql}, '+{months} months'), date({sql}, 'start of month', '+{months + 1} months', "
                f"'-1 day'))", [*params, *params])


GROUP_FIELDS = ("village_id", "village__code", "village__name", "village__branch_id", "village__branch__code",
                "village__branch__name", "created_by_id", "created_by__username", "created_by__first_name",
                "created_by__last_name")


def _loans(scope: Scope, date_from: datetime.date, date_to: datetime.date) -> Q:
    return Q(head_office_id=scope.head_office_id, village_id__in=scope.village_ids,
             status__in=[Drawdown.Status.DISBURSED, Drawdown.Status.REPAID], due_on__gte=date_from, due_on__lte=date_to)


def rate_rows(*, scope: Scope, date_from: datetime.date, date_to: datetime.date, today: datetime.date,
              by_village: bool = False) -> list[dict]:
    """The aggregate, per village, officer and month of maturity (by_village: per village only, as the dashboards
    add it up): two flat GROUP BY statements — the loans' principal due, and the principal repayments by maturity
    and within the grace — joined here on their group (a loan's amount is counted once, its repayments each once; no
    correlated subquery per loan)."""
    grace = GraceEnd(F("due_on"), settings.REPAYMENT_GRACE_MONTHS)
    matured, graced = Q(due_on__lt=today), Q(grace_end__lt=today)
    fields = ("village_id",) if by_village else GROUP_FIELDS
    months = {} if by_village else {"month": TruncMonth("due_on")}
    # a row's group: its village (and officer and month)
    keys = ("village_id",) if by_village else ("village_id", "created_by_id")

    def key(row, prefix=""):
        return (*(row[prefix + name] for name in keys), row.get("month"))

    rows = {}
    loans = (Drawdown.objects.filter(_loans(scope, date_from, date_to)).alias(grace_end=grace)
             .values(*fields, **months)
             .annotate(loans=Count("id"), matured_loans=Count("id", filter=matured),
                       due=Sum("amount", filter=matured), graced_loans=Count("id", filter=graced),
                       graced_due=Sum("amount", filter=graced))
             .order_by())
    for row in loans:
        row.update(repaid=Decimal(0), graced_repaid=Decimal(0))
        rows[key(row)] = row
    on_loan = {f"drawdown__{name}": name for name in fields}
    repaid_months = {} if by_village else {"month": TruncMonth("drawdown__due_on")}
    repaid = (Repayment.objects.filter(kind=Repayment.Kind.PRINCIPAL, drawdown__in=Drawdown.objects.filter(
                  _loans(scope, date_from, date_to)).values("pk"))
              .alias(due_on=F("drawdown__due_on"), grace_end=GraceEnd(F("drawdown__due_on"),
                                                                      settings.REPAYMENT_GRACE_MONTHS))
              .values(*on_loan, **repaid_months)
              .annotate(repaid=Sum("amount", filter=matured & Q(paid_on__lte=F("due_on"))),
                        graced_repaid=Sum("amount", filter=graced & Q(paid_on__lte=F("grace_end"))))
              .order_by())
    for row in repaid:
        loan = rows[key(row, "drawdown__")]
        loan["repaid"] += row["repaid"] or Decimal(0)
        loan["graced_repaid"] += row["graced_repaid"] or Decimal(0)
    return list(rows.values())


@dataclass
class Rate:
    """One row of a repayment-rate table."""

    key: object
    name: str
    branch: str = ""
    loans: int = 0            # falling due in the period
    matured_loans: int = 0    # … and matured (counted in the first figure)
    due: Decimal = Decimal(0)
    repaid: Decimal = Decimal(0)
    graced_loans: int = 0     # … and past their grace (counted in the second figure)
    graced_due: Decimal = Decimal(0)
    graced_repaid: Decimal = Decimal(0)

    def add(self, row: dict) -> None:
        for name in ("loans", "matured_loans", "graced_loans"):
            setattr(self, name, getattr(self, name) + row[name])
        for name in ("due", "repaid", "graced_due", "graced_repaid"):
            setattr(self, name, getattr(self, name) + (row[name] or Decimal(0)))

    @property
    def rate(self):
        return rate(self.repaid, self.due)

    @property
    def graced_rate(self):
        return rate(self.graced_repaid, self.graced_due)

    @property
    def not_matured(self) -> int:
        return self.loans - self.matured_loans

    @property
    def within_grace(self) -> int:
        return self.matured_loans - self.graced_loans


def _officer(row: dict) -> str:
    return f"{row['created_by__last_name']}{row['created_by__first_name']}".strip() or row["created_by__username"]


def repayment_rate(*, scope: Scope, date_from: datetime.date, date_to: datetime.date, today: datetime.date) -> dict:
    """{"branches", "villages", "officers", "months", "total"}: Rate rows, ordered by code, name or month."""
    tables = {"branches": {}, "villages": {}, "officers": {}, "months": {}}
    total = Rate(key=None, name="")
    for row in rate_rows(scope=scope, date_from=date_from, date_to=date_to, today=today):
        month = row["month"]
        month = month.date() if isinstance(month, datetime.datetime) else month
        keys = {"branches": (row["village__branch_id"], row["village__branch__code"], row["village__branch__name"], ""),
                "villages": (row["village_id"], row["village__code"], row["village__name"],
                             row["village__branch__name"]),
                "officers": (row["created_by_id"], _officer(row), _officer(row), ""),
                "months": (month, month, month.strftime("%Y-%m"), "")}
        for table, (key, order, name, branch) in keys.items():
            if key not in tables[table]:
                tables[table][key] = (order, Rate(key=key, name=name, branch=branch))
            tables[table][key][1].add(row)
        total.add(row)
    result = {name: [item for _order, item in sorted(table.values(), key=lambda pair: pair[0])]
              for name, table in tables.items()}
    return {**result, "total": total}
