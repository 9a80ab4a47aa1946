"""U7/V1: drawdowns that broke their time limit (限时服务), for the supervisors' page and dashboards.

Set-based: one query fetches the scope's drawdowns whose application is complete and which were (or are
waiting to be) decided; the deadlines are computed in Python over one working-day table for the whole span
(rules.time_limits.WorkCalendar), never a query per row. Every selector starts from the caller's scope (R1).
"""

import datetime
from dataclasses import dataclass

from django.db.models import F, FilteredRelation, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from households.models import Relation
from sunshine_credit.models import Role
from sunshine_credit.scoping import HEAD_OFFICE_READERS, Scope, activate
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


def _clocked_drawdowns(scope: Scope, today: datetime.date, *, names: bool = True):
    # The manager scopes by village too; the explicit filter is the second layer (STYLE §3).
    drawdowns = Drawdown.objects.filter(_may_be_late(today), head_office_id=scope.head_office_id,
                                        village_id__in=scope.village_ids, complete_at__isnull=False,
                                        status__in=CLOCKED)
    if not names:  # the counts: no household, no names
        return drawdowns.values("pk", "authority", "small_farm", "complete_at", "decided_at", "village_id")
    heads = FilteredRelation("household__members", condition=Q(household__members__relation=Relation.HEAD))
    return (drawdowns.alias(head=heads)
            .annotate(head_name=Coalesce(F("head__name"), F("household__representative__name")))
            .values(*FIELDS))


def _late(scope: Scope, today: datetime.date, *, names: bool):
    """(row, limit, complete_on, decided_on, deadline, calendar) of each drawdown in breach."""
    with activate(scope):
        rows = list(_clocked_drawdowns(scope, today, names=names))
    if not rows:
        return
    completes = [_local(row["complete_at"]) for row in rows]
    ends = [_local(row["decided_at"]) or today for row in rows]
    # U7: the administrator's holiday table wins over the calendar library (2027 on: the library's last year is 2026).
    overrides = calendar_overrides(head_office_id=scope.head_office_id)
    calendar = rules.WorkCalendar(min(completes), max([today, *ends]), overrides)
    for row, complete_on, decided_on in zip(rows, completes, ends, strict=True):
        limit = rules.time_limit(row["authority"], row["small_farm"])
        deadline = calendar.deadline(complete_on, limit)
        if rules.in_breach(deadline, decided_on):
            yield row, limit, complete_on, decided_on, deadline, calendar


def time_limit_breaches(*, scope: Scope, today: datetime.date | None = None) -> list[Breach]:
    """The scope's drawdowns decided after their deadline, or undecided past it today; latest first."""
    today = today or timezone.localdate()
    breaches = [
        Breach(pk=row["pk"], number=row["number"], loan_number=row["loan_number"], status=row["status"],
               village=row["village__name"], household_code=row["household__code"], head_name=row["head_name"] or "",
               authority=row["authority"], limit=limit, complete_on=complete_on, deadline=deadline,
               decided_on=_local(row["decided_at"]), disbursed_on=_local(row["disbursed_at"]),
               days_late=rules.days_late(deadline, decided_on, calendar=calendar), village_id=row["village_id"])
        for row, limit, complete_on, decided_on, deadline, calendar in _late(scope, today, names=True)]
    return sorted(breaches, key=lambda b: (-b.days_late, b.deadline, b.number))


def breach_counts(*, scope: Scope, today: datetime.date | None = None) -> dict[int, int]:
    """V1: {village id: drawdowns in breach} — the same breaches as the list, counted without their names."""
    counts: dict[int, int] = {}
    for row, *_rest in _late(scope, today or timezone.localdate(), names=False):
        counts[row["village_id"]] = counts.get(row["village_id"], 0) + 1
    return counts


def time_limit_breach_count(*, scope: Scope, today: datetime.date | None = None) -> int:
    """V1: the dashboard's figure."""
    return sum(breach_counts(scope=scope, today=today).values())
