"""U7/V1: drawdowns that broke their time limit (限时服务), for the supervisors' page and dashboards.

Set-based: one query fetches the scope's drawdowns whose application is complete and which were (or are
waiting to be) decided; the deadlines are computed in Python over one working-day table for the whole span
(rules.time_limits.WorkCalendar), never a query per row. Every selector starts from the caller's scope (R1).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, F, FilteredRelation, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from households.models import Relation
from sunshine_credit.models import Role
from sunshine_credit.scoping import HEAD_OFFICE_READERS, Scope, activate, head_office_scope
from sunshine_credit.selectors import calendar_overrides

from ..models import Authority, Drawdown
from ..rules import time_limits as rules

# Who reads the supervision lists of credit use (time-limit breaches, revocations); tellers serve the counter and
# see a drawdown's state on its own page.
LIST_READERS = frozenset({*HEAD_OFFICE_READERS, Role.PRESIDENT, Role.OFFICER})

CLOCKED = (Drawdown.Status.SUBMITTED, Drawdown.Status.APPROVED, Drawdown.Status.REJECTED, Drawdown.Status.DISBURSED,
           Drawdown.Status.REPAID)  # a late decision stays late once the loan is repaid
FIELDS = ("pk", "number", "loan_number", "status", "authority", "small_farm", "complete_at", "decided_at",
          "disbursed_at", "village_id", "village__name", "household__code", "head_name")


@dataclass(frozen=True)
class Breach:
    pk: int
    number: str
    loan_number: str
    status: str
    village: str
    household_code: str
    head_name: str
    authority: str
    limit: int                          # working days
    complete_on: datetime.date
    deadline: datetime.date
    decided_on: datetime.date | None    # None: still waiting for the decision
    disbursed_on: datetime.date | None
    days_late: int                      # working days after the deadline (up to today while pending)
    village_id: int = 0

    @property
    def authority_label(self) -> str:
        return Authority(self.authority).label


def _local(value: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(value).date() if value is not None else None


def _limit_classes():
    """(filter, limit in working days) for each kind of drawdown the limits tell apart (rules.time_limit)."""
    for authority in Authority.values:
        if authority == Authority.BRANCH:
            for small_farm in (True, False):
                yield Q(authority=authority, small_farm=small_farm), rules.time_limit(authority, small_farm)
        else:
            yield Q(authority=authority), rules.time_limit(authority, False)


def _may_be_late(today: datetime.date) -> Q:
    """A cheap superset of the breaches, in SQL: a limit is counted in working days, and every working day is a
    calendar day, so a drawdown decided (or still undecided today) within its limit's number of calendar days after
    its completion cannot be late. One day of slack for the local dates of the stored times (issue 18: a county's
    hundred thousand decided drawdowns are not each put through the working-day calendar)."""
    late = Q(pk__in=[])
    for kind, limit in _limit_classes():
        slack = datetime.timedelta(days=limit - 1)
        midnight = timezone.make_aware(datetime.datetime.combine(today - slack, datetime.time.min))
        late |= kind & (Q(decided_at__isnull=True, complete_at__lt=midnight)
                        | Q(decided_at__gt=F("complete_at") + slack))
    return late


def _clocked_drawdowns(scope: Scope, today: datetime.date):
    """The scope's clocked drawdowns that may be late, with their limit and the local days of completion and
    decision (converted by the database)."""
    # The manager scopes by village too; the explicit filter is the second layer (STYLE §3).
    limit = Case(*(When(kind, then=Value(days)) for kind, days in _limit_classes()), output_field=IntegerField())
    return (Drawdown.objects.filter(_may_be_late(today), head_office_id=scope.head_office_id,
                                    village_id__in=scope.village_ids, complete_at__isnull=False, status__in=CLOCKED)
            .annotate(limit_days=limit, complete_on=TruncDate("complete_at"), decided_on=TruncDate("decided_at"))
            .order_by())


def _late_sql(scope: Scope, today: datetime.date, select: str, group: str = "") -> tuple[list, rules.WorkCalendar]:
    """Set-based: the deadline of each distinct (day of completion, limit) among the candidates is computed once over
    the working-day calendar, and one statement joins the candidates to those deadlines and keeps the late ones.
    Returns (rows of `select`, the calendar)."""
    with activate(scope):
        candidates = _clocked_drawdowns(scope, today).values("pk", "village_id", "limit_days", "complete_on", "decided_on")
        pairs = list(candidates.values_list("complete_on", "limit_days").distinct().order_by())
    if not pairs:
        return [], None
    # U7: the administrator's holiday table wins over the calendar library (2027 on: the library's last year is 2026).
    calendar = rules.WorkCalendar(min(day for day, _limit in pairs), today,
                                  calendar_overrides(head_office_id=scope.head_office_id))
    deadlines = [value for day, days in pairs for value in (day, days, calendar.deadline(day, days))]
    inner, params = candidates.query.sql_with_params()
    sql = (f"WITH d(day, lim, deadline) AS (VALUES {', '.join(['(%s, %s, %s)'] * len(pairs))}) "
           f"SELECT {select} FROM ({inner}) c JOIN d ON d.day = c.complete_on AND d.lim = c.limit_days "
           f"WHERE COALESCE(c.decided_on, %s) > d.deadline {group}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*deadlines, *params, today])
        return cursor.fetchall(), calendar


def time_limit_breaches(*, scope: Scope, today: datetime.date | None = None) -> list[Breach]:
    """The scope's drawdowns decided after their deadline, or undecided past it today; latest first."""
    today = today or timezone.localdate()
    late, calendar = _late_sql(scope, today, "c.pk")
    if not late:
        return []
    heads = FilteredRelation("household__members", condition=Q(household__members__relation=Relation.HEAD))
    with activate(scope):
        rows = (_clocked_drawdowns(scope, today).filter(pk__in=[pk for (pk,) in late]).alias(head=heads)
                .annotate(head_name=Coalesce(F("head__name"), F("household__representative__name")))
                .values(*FIELDS, "limit_days", "complete_on", "decided_on"))
        breaches = []
        for row in rows:
            deadline = calendar.deadline(row["complete_on"], row["limit_days"])
            breaches.append(Breach(
                pk=row["pk"], number=row["number"], loan_number=row["loan_number"], status=row["status"],
                village=row["village__name"], household_code=row["household__code"],
                head_name=row["head_name"] or "", authority=row["authority"], limit=row["limit_days"],
                complete_on=row["complete_on"], deadline=deadline, decided_on=row["decided_on"],
                disbursed_on=_local(row["disbursed_at"]), village_id=row["village_id"],
                days_late=rules.days_late(deadline, row["decided_on"] or today, calendar=calendar)))
    return sorted(breaches, key=lambda b: (-b.days_late, b.deadline, b.number))


def breach_counts(*, scope: Scope, today: datetime.date | None = None) -> dict[int, int]:
    """V1: {village id: drawdowns in breach} — the same breaches as the list, counted in the database. The head
    office's counts are kept BREACH_COUNT_CACHE_SECONDS (the task lists and dashboards of every reader ask for them)
    and cut to the scope's villages (R1); without the cache (Redis down, R8) they are counted."""
    today = today or timezone.localdate()
    seconds = settings.BREACH_COUNT_CACHE_SECONDS
    if seconds <= 0:
        return _count_late(scope, today)
    key = f"u7:breaches:{scope.head_office_id}:{today.isoformat()}"
    try:
        counts = cache.get(key)
    except Exception:  # R8: Redis down
        counts = None
    if counts is None:
        counts = _count_late(head_office_scope(scope.head_office_id), today)
        try:
            cache.set(key, counts, seconds)
        except Exception:  # R8
            pass
    villages = set(scope.village_ids)
    return {village: n for village, n in counts.items() if village in villages}


def _count_late(scope: Scope, today: datetime.date) -> dict[int, int]:
    rows, _calendar = _late_sql(scope, today, "c.village_id, COUNT(*)", "GROUP BY c.village_id")
    return dict(rows)


def time_limit_breach_count(*, scope: Scope, today: datetime.date | None = None) -> int:
    """V1: the dashboard's figure."""
    return sum(breach_counts(scope=scope, today=today).values())
