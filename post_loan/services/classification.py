"""C6: the daily five-category classification (五级分类) of the whole book, and manual grade changes.

`classify_all(today)` is step 6 of the daily job (services.daily). It is set-based — four statements and one
aggregate, whatever the size of the book, never a Python loop over loans (`classify_sql`):

1. one DELETE removes the rows of loans no longer in the book (repaid, or nothing outstanding): a RiskGrade is
   the state of a loan the bank still holds; the record of what happened to it stays in the GradeChange rows and
   the approvals, and the village's daily RiskSnapshot keeps the figures;
2. one UPDATE … FROM (SQLite ≥ 3.33 and PostgreSQL accept the same text) rewrites the rows of the loans in the
   book (a DISBURSED drawdown with principal outstanding) where anything changed: the days overdue, the floor
   those days set (settings.RISK_GRADE_FLOORS, rules.classification: the 2023 《商业银行金融资产风险分类办法》), and
   the grade = max(floor, manual); `changed_on` moves only when the grade changed. Rows already right for the day
   are not touched, so a second run the same day writes nothing;
3. one INSERT … SELECT adds the loans not classified yet: those of `book EXCEPT classified` (a set operation that
   reads both sides whole before the first row is inserted; a NOT EXISTS anti-join is planned as a nested loop
   over the table when it is empty on the first day, and rescans the rows being inserted — quadratic). ON CONFLICT
   DO NOTHING covers a concurrent run; `WHERE 1 = 1` is SQLite's required WHERE before ON CONFLICT.
   The floor is a comparison of due_on with the dates `today − key days` computed here, so it needs no date
   arithmetic in SQL; only the days-overdue column does (`_days_sql`, the one dialect difference);
4. one aggregate over the book gives each village's outstanding by grade and by ageing bucket, upserted as the
   day's RiskSnapshot (one bulk upsert; villages with a loan disbursed at some time get one, zeros included).

The job runs for nobody (services.daily, under scopes_disabled()). It writes RiskGrade rows by SQL, past the
audit log: they are derived figures, recomputed daily; the audited acts are the GradeChanges (a checker's approval
setting `manual`, below, saves through the ORM).

An instalment plan does not reset the floor: days overdue count from the drawdown's original due_on, which no
plan changes.

Manual changes (maker-checker, R2): `grade_change_request` (the officer of the village or an administrator)
records a GradeChange and an approval of kind "grade_change" that the branch president decides (approvals.py),
never its maker; approving sets RiskGrade.manual and recomputes the grade (`grade_change_decided`). A manual grade
better than the floor is refused: it would have no effect (grade = max(floor, manual)).
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from credit_use.models import Drawdown
from sunshine_credit.approvals import ApprovalRefused, approval_request
from sunshine_credit.errors import Refusal
from sunshine_credit.scoping import Scope, get_in_scope_or_404

from ..models import Grade, GradeChange, RiskGrade, RiskSnapshot
from ..rules import classification as rules
from ..selectors.classification import GRADE_CHANGE_KIND, bucket_case

BOOK = {"status": Drawdown.Status.DISBURSED, "principal_outstanding__gt": 0}  # the loans classified


class GradeChangeRefused(Refusal):
    """A grade change was refused; str() is the translated reason."""


# --- the daily classification -------------------------------------------------------------------------------

def _days_sql(vendor: str) -> str:
    """Days from d.due_on to the parameter date, as an integer."""
    if vendor == "postgresql":
        return "(CAST(%s AS date) - d.due_on)"
    return "CAST(julianday(%s) - julianday(d.due_on) AS INTEGER)"


def _floor_sql(today: datetime.date) -> tuple[str, list]:
    """CASE over due_on giving the floor: days overdue > key ⟺ due_on < today − key days (worst grade first)."""
    floors = sorted(settings.RISK_GRADE_FLOORS.items(), key=lambda item: (-item[1], item[0]))
    whens = " ".join("WHEN d.due_on < %s THEN " + str(int(grade)) for _key, grade in floors)
    params = [today - datetime.timedelta(days=key) for key, _grade in floors]
    return f"CASE {whens} ELSE {int(Grade.NORMAL)} END", params


def _book_sql(vendor: str, today: datetime.date) -> tuple[str, list]:
    """The book with each loan's days overdue and floor: (id, village_id, overdue_days, fl)."""
    floor, floor_params = _floor_sql(today)
    sql = (f"SELECT d.id, d.village_id, CASE WHEN d.due_on < %s THEN {_days_sql(vendor)} ELSE 0 END AS overdue_days, "
           f"{floor} AS fl FROM {Drawdown._meta.db_table} d WHERE d.status = %s AND d.principal_outstanding > 0")
    return sql, [today, today, *floor_params, Drawdown.Status.DISBURSED]


def classify_sql(vendor: str, today: datetime.date) -> list[tuple[str, list]]:
    """The three statements that classify the whole book (step 1 above), with their parameters: rows out of the
    book deleted; the others updated where anything changed (UPDATE … FROM, SQLite ≥ 3.33 and PostgreSQL); the
    loans not classified yet inserted. (One INSERT … ON CONFLICT DO UPDATE would lock — and so write — every row
    even when nothing changed.)"""
    rg, dd = RiskGrade._meta.db_table, Drawdown._meta.db_table
    book, book_params = _book_sql(vendor, today)
    grade = f"CASE WHEN {rg}.manual > c.fl THEN {rg}.manual ELSE c.fl END"
    delete = (f"DELETE FROM {rg} WHERE drawdown_id IN (SELECT id FROM {dd} WHERE status <> %s "
              f"OR principal_outstanding <= 0)", [Drawdown.Status.DISBURSED])
    update = (f"""UPDATE {rg} SET village_id = c.village_id, as_of = %s, overdue_days = c.overdue_days, "floor" = c.fl,
  grade = {grade}, changed_on = CASE WHEN {grade} <> {rg}.grade THEN %s ELSE {rg}.changed_on END
FROM ({book}) c
WHERE c.id = {rg}.drawdown_id AND ({rg}.as_of <> %s OR {rg}.overdue_days <> c.overdue_days OR {rg}."floor" <> c.fl
  OR {rg}.village_id <> c.village_id OR {rg}.grade <> {grade})""", [today, today, *book_params, today])
    insert = (f"""INSERT INTO {rg} (drawdown_id, village_id, as_of, overdue_days, "floor", manual, grade, changed_on)
SELECT c.id, c.village_id, %s, c.overdue_days, c.fl, NULL, c.fl, %s FROM ({book}) c
JOIN (SELECT id FROM {dd} WHERE status = %s AND principal_outstanding > 0 EXCEPT SELECT drawdown_id FROM {rg}) n
  ON n.id = c.id
WHERE 1 = 1
ON CONFLICT (drawdown_id) DO NOTHING""", [today, today, *book_params, Drawdown.Status.DISBURSED])
    return [delete, update, insert]


def village_figures(rows) -> dict[int, dict]:
    """village id → the snapshot's figures, from rows (village_id, grade, bucket, amount, n) of the book."""
    zero = Decimal("0.00")
    figures = defaultdict(lambda: {"grade": defaultdict(lambda: zero), "grade_loans": defaultdict(int),
                                   "ageing": {key: zero for key, _a, _b in rules.BUCKETS}, "loans": 0})
    for row in rows:
        item = figures[row["village_id"]]
        item["grade"][str(row["grade"])] += row["amount"]
        item["grade_loans"][str(row["grade"])] += row["n"]
        item["ageing"][row["bucket"]] += row["amount"]
        item["loans"] += row["n"]
    return figures


def _as_json(item: dict) -> dict:
    ageing = item["ageing"]
    outstanding = sum(ageing.values(), Decimal("0.00"))
    par = {days: sum((amount for (key, first, _last), amount in zip(rules.BUCKETS, ageing.values(), strict=True)
                      if first > days), Decimal("0.00")) for days in rules.PAR_DAYS}
    money = lambda amount: f"{amount:.2f}"  # noqa: E731
    return {"outstanding": money(outstanding), "loans": item["loans"],
            "grade": {str(g): money(item["grade"].get(str(g), Decimal(0))) for g in Grade.values},
            "grade_loans": {str(g): item["grade_loans"].get(str(g), 0) for g in Grade.values},
            "ageing": {key: money(amount) for key, amount in ageing.items()},
            **{f"par{days}": money(amount) for days, amount in par.items()}}


def write_snapshots(today: datetime.date) -> tuple[int, dict]:
    """Step 3: the day's RiskSnapshot of every village that has had a loan. Returns (snapshots, loans by grade)."""
    rows = (RiskGrade.objects.annotate(bucket=bucket_case()).values("village_id", "grade", "bucket")
            .annotate(amount=Sum("drawdown__principal_outstanding"), n=Count("id")).order_by())
    figures = village_figures(rows)
    villages = set(Drawdown.objects.filter(status__in=[Drawdown.Status.DISBURSED, Drawdown.Status.REPAID])
                   .order_by().values_list("village_id", flat=True).distinct()) | set(figures)
    snapshots = [RiskSnapshot(village_id=pk, on=today, figures=_as_json(figures[pk])) for pk in sorted(villages)]
    RiskSnapshot.objects.bulk_create(snapshots, batch_size=500, update_conflicts=True, unique_fields=["village", "on"],
                                     update_fields=["figures"])
    grades = defaultdict(int)
    for item in figures.values():
        for grade, n in item["grade_loans"].items():
            grades[grade] += n
    return len(snapshots), {str(g): grades.get(str(g), 0) for g in Grade.values}


def classify_all(*, today: datetime.date) -> dict:
    """C6 over the whole book as of `today` (step 6 of the daily job). Idempotent: three runs on one day give one
    result. Returns {"written": RiskGrade rows inserted or changed, "removed": rows of loans that left the book,
    "snapshots": villages' snapshots written, "loans": loans in the book, "grades": {grade: loans}}."""
    with scopes_disabled(), transaction.atomic(), connection.cursor() as cursor:
        counts = []
        for sql, params in classify_sql(connection.vendor, today):
            cursor.execute(sql, params)
            counts.append(max(cursor.rowcount, 0))
        removed, written = counts[0], counts[1] + counts[2]
        snapshots, grades = write_snapshots(today)
    return {"written": written, "removed": removed, "snapshots": snapshots, "loans": sum(grades.values()),
            "grades": grades}


# --- one loan ---------------------------------------------------------------------------------------------------

def current_floor(drawdown: Drawdown, risk: RiskGrade | None, today: datetime.date) -> int:
    """The loan's floor: its row's (as of the last classification) or, not classified yet, computed for today."""
    if risk is not None:
        return risk.floor
    days = rules.overdue_days(due_on=drawdown.due_on, outstanding=drawdown.principal_outstanding, today=today)
    return rules.floor_for(days, settings.RISK_GRADE_FLOORS)


def current_grade(drawdown: Drawdown, risk: RiskGrade | None, today: datetime.date) -> int:
    return risk.grade if risk is not None else current_floor(drawdown, None, today)


def _check_proposal(drawdown: Drawdown, risk: RiskGrade | None, grade: int, reason: str) -> None:
    today = timezone.localdate()
    if grade not in Grade.values:
        raise GradeChangeRefused(_("Choose one of the five grades."), field="grade")
    if not reason.strip():
        raise GradeChangeRefused(_("Give the reason for the change."), field="reason")
    if grade == current_grade(drawdown, risk, today):
        raise GradeChangeRefused(_("The loan is already in this grade."), field="grade")
    floor = current_floor(drawdown, risk, today)
    if grade < floor:
        raise GradeChangeRefused(_("The days overdue keep this loan at least %(floor)s: a manual grade never goes "
                                   "below that floor.") % {"floor": Grade(floor).label}, field="grade")


@transaction.atomic
def grade_change_request(*, scope: Scope, actor, drawdown_id: int, grade, reason: str) -> GradeChange:
    """A maker (the officer of the loan's village, an administrator) proposes a manual downgrade or upgrade with its
    reason; the branch president decides it (R2). Raises Http404 outside the scope or for a loan not in the book
    (R1), PermissionDenied for non-makers, GradeChangeRefused (no reason, the same grade, below the floor),
    ApprovalRefused when a change of this loan is already waiting."""
    scope.require_maker(_("Only loan officers and administrators propose grade changes."))
    with scopes_disabled():
        drawdown = get_in_scope_or_404(Drawdown.objects.filter(**BOOK).select_related("household"), scope,
                                       for_edit=True, pk=drawdown_id)
        risk = RiskGrade.objects.filter(drawdown=drawdown).first()
    try:
        grade = int(grade)
    except (TypeError, ValueError):
        grade = 0
    reason = (reason or "").strip()
    _check_proposal(drawdown, risk, grade, reason)
    before = current_grade(drawdown, risk, timezone.localdate())
    title = _("Risk grade of loan %(loan)s: %(before)s → %(after)s") % {
        "loan": drawdown.loan_number or drawdown.number, "before": Grade(before).label, "after": Grade(grade).label}
    approval = approval_request(scope=scope, actor=actor, kind=GRADE_CHANGE_KIND, subject_id=drawdown.pk,
                                village_id=drawdown.village_id, title=title, reason=reason)
    with scopes_disabled():
        return GradeChange.objects.create(drawdown=drawdown, village_id=drawdown.village_id, grade_before=before,
                                          grade_proposed=grade, reason=reason, approval=approval, created_by=actor)


def lock_risk(approval) -> None:
    """Kind.lock_subject: the loan's RiskGrade row (the daily job's upsert takes the same row)."""
    with scopes_disabled():
        list(RiskGrade.objects.select_for_update().filter(drawdown_id=approval.subject_id).values_list("pk", flat=True))


def grade_change_decided(approval, approved: bool) -> None:
    """Runs in the checker's transaction (approval_decide). Approving sets the loan's manual grade and recomputes
    its grade (never below the floor); the grade's date moves when it changed. Raises ApprovalRefused (all rolled
    back) when the loan left the book or its floor rose above the proposed grade meanwhile."""
    today = timezone.localdate()
    with scopes_disabled():
        change = GradeChange.objects.filter(approval=approval).select_related("drawdown").first()
        if change is None:
            raise ApprovalRefused(_("The loan this request is about no longer exists."))
        if not approved:
            return
        drawdown = change.drawdown
        if not Drawdown.objects.filter(pk=drawdown.pk, **BOOK).exists():
            raise ApprovalRefused(_("This loan has been repaid: its grade no longer changes."))
        risk = RiskGrade.objects.select_for_update().filter(drawdown=drawdown).first()
        floor = current_floor(drawdown, risk, today)
        if change.grade_proposed < floor:
            raise ApprovalRefused(_("The days overdue now keep this loan at least %(floor)s: the proposed grade is "
                                    "below that floor.") % {"floor": Grade(floor).label})
        if risk is None:
            days = rules.overdue_days(due_on=drawdown.due_on, outstanding=drawdown.principal_outstanding, today=today)
            risk = RiskGrade(drawdown=drawdown, village_id=drawdown.village_id, as_of=today, overdue_days=days,
                             floor=floor, grade=floor, changed_on=today)
        grade = rules.grade_for(floor, change.grade_proposed)
        if grade != risk.grade:
            risk.changed_on = max(today, risk.as_of)
        risk.manual, risk.grade = change.grade_proposed, grade
        risk.save()

