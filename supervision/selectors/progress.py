"""V1 over time: reads of the daily village snapshots (VillageDay), the stage timetable and the ten-day progress
reports (旬报). The figures themselves are the core's (selectors.overview.village_figures, kept each night by the
snapshot job); here they are only read back, per month or per ten-day period. Every read starts from the scope
(R1): a report or a village outside it is 404 or left out."""

import datetime
import hashlib
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from sunshine_credit.models import Branch, Role, Village
from sunshine_credit.scoping import HEAD_OFFICE_READERS, Scope
from surveys.models import Campaign

from ..models import ProgressReport, Stage, StagePlan, VillageDay
from ..rules import overview as overview_rules
from ..rules.progress import STAGES, Period, increase
from .overview import GRANTED_STAGES

# The ten-day reports: head office reads every branch's, a branch's president their own branch's (and asks for
# them); officers and tellers read none (404).
REPORT_ROLES = frozenset({*HEAD_OFFICE_READERS, Role.PRESIDENT})
# The stage timetable is set by head office's administrator or supervisor.
PLAN_EDITORS = frozenset({Role.ADMIN, Role.SUPERVISOR})
TREND_SUMS = ("roster", "archived", "precredit", "outstanding", "par30_amount")


# --- the monthly trend (the dashboards' charts) -------------------------------------------------------------------

def _months(today: datetime.date, count: int) -> list[datetime.date]:
    """The first days of the `count` months up to `today`'s, oldest first."""
    first, months = today.replace(day=1), []
    for _ in range(count):
        months.append(first)
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return months[::-1]


def _float(value) -> float | None:
    return None if value is None else float(value)


def monthly_trend(*, scope: Scope, village_ids, months: int = 12, today: datetime.date | None = None) -> dict:
    """The last `months` months (this one included) of the villages asked for that lie in the scope, from each
    village's last snapshot of each month, added up: {"months": ["YYYY-MM", …], "outstanding": [yuan], "par30",
    "archive", "precredit": [share]} (None where a month has no snapshot, or nothing to divide by). A village
    without a snapshot in a month counts nothing in it. One grouped query."""
    today = today or timezone.localdate()
    firsts = _months(today, months)
    ids = sorted(set(village_ids) & set(scope.village_ids))
    later = (VillageDay.objects.annotate(month=TruncMonth("on"))
             .filter(village_id=OuterRef("village_id"), month=OuterRef("month"), on__gt=OuterRef("on")))
    rows = (VillageDay.objects.filter(village_id__in=ids, on__gte=firsts[0], on__lte=today)
            .annotate(month=TruncMonth("on")).filter(~Exists(later))
            .values("month").annotate(**{name: Sum(name) for name in TREND_SUMS}).order_by("month"))
    by_month = {_as_date(row["month"]): row for row in rows} if ids else {}
    trend = {"months": [f"{first:%Y-%m}" for first in firsts], "outstanding": [], "par30": [], "archive": [],
             "precredit": []}
    for first in firsts:
        row = by_month.get(first)
        if row is None:
            for key in ("outstanding", "par30", "archive", "precredit"):
                trend[key].append(None)
            continue
        trend["outstanding"].append(_float(row["outstanding"] or Decimal(0)))
        trend["par30"].append(overview_rules.share(row["par30_amount"], row["outstanding"]))
        trend["archive"].append(overview_rules.share(row["archived"], row["roster"]))
        trend["precredit"].append(overview_rules.share(row["precredit"], row["archived"]))
    return trend


def kept_monthly_trend(*, scope: Scope, village_ids, today: datetime.date) -> dict:
    """`monthly_trend` of the villages asked for, kept OVERVIEW_CACHE_SECONDS like the dashboards' village figures
    (issue 18: a county's twelve months are a grouped read of every village's snapshots; they change once a day, when
    the snapshot job runs). Without the cache (Redis down, R8, or 0 seconds) it is read for each page."""
    ids = sorted(set(village_ids) & set(scope.village_ids))
    seconds = settings.OVERVIEW_CACHE_SECONDS
    if seconds <= 0:
        return monthly_trend(scope=scope, village_ids=ids, today=today)
    digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:32]
    key = f"v1:trend:{scope.head_office_id}:{today.isoformat()}:{digest}"
    try:
        trend = cache.get(key)
    except Exception:  # R8: Redis down
        trend = None
    if trend is None:
        trend = monthly_trend(scope=scope, village_ids=ids, today=today)
        try:
            cache.set(key, trend, seconds)
        except Exception:  # R8
            pass
    return trend


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


# --- the stage timetable --------------------------------------------------------------------------------------

def may_edit_plan(scope: Scope) -> bool:
    return scope.role in PLAN_EDITORS


def plan_campaign_or_404(*, scope: Scope, pk: int) -> Campaign:
    """A campaign of the user's head office whose timetable the user sets; 404 for anyone else (R1)."""
    if not may_edit_plan(scope):
        raise Http404
    campaign = Campaign.objects.filter(head_office_id=scope.head_office_id, pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign


def stage_plans(*, campaign: Campaign) -> dict[str, StagePlan]:
    return {plan.stage: plan for plan in StagePlan.objects.filter(campaign=campaign).select_related("updated_by")}


def plan_stamp(plans: dict[str, StagePlan]) -> str:
    """R3: what the form read — the latest change of the timetable ("" while it has none)."""
    latest = max((plan.updated_at for plan in plans.values()), default=None)
    return latest.isoformat() if latest else ""


# --- the ten-day progress reports -------------------------------------------------------------------------------

def reads_reports(scope: Scope) -> bool:
    return scope.role in REPORT_ROLES


def report_branches(scope: Scope):
    """The branches whose reports the user reads and asks for (president: their own)."""
    if not reads_reports(scope):
        return Branch.objects.none()
    return Branch.objects.filter(head_office_id=scope.head_office_id, pk__in=scope.branch_ids).order_by("code")


def progress_reports(scope: Scope):
    if not reads_reports(scope):
        return ProgressReport.objects.none()
    return ProgressReport.objects.filter(head_office_id=scope.head_office_id, branch_id__in=scope.branch_ids)


def progress_report_list(*, scope: Scope, branch_id: int | None = None, campaign_id: int | None = None):
    """The list page: latest period first, one query (branch, campaign and requester joined)."""
    rows = progress_reports(scope).select_related("branch", "campaign", "generated_by")
    if branch_id:
        rows = rows.filter(branch_id=branch_id)
    if campaign_id:
        rows = rows.filter(campaign_id=campaign_id)
    return rows.order_by("-period_end", "branch__code", "-campaign_id")


def progress_report_or_404(*, scope: Scope, pk: int) -> ProgressReport:
    report = progress_reports(scope).select_related("branch", "campaign").filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def _day_rows(village_ids: list[int], on: datetime.date) -> dict[int, VillageDay]:
    return {row.village_id: row for row in VillageDay.objects.filter(village_id__in=village_ids, on=on)}


def _keeps_granted() -> bool:
    """Whether the snapshots keep the households the panels granted (the base of the published and in-effect
    stages' shares); without it those shares are left blank rather than measured against something else."""
    return any(f.name == "granted" for f in VillageDay._meta.concrete_fields)


def _stage_base(stage: str, values: dict) -> int | None:
    if stage == Stage.ARCHIVED:
        return values["roster"]
    if stage in GRANTED_STAGES:
        return values.get("granted")
    return values["archived"]


def _values(day: VillageDay | None, campaign: Campaign) -> dict | None:
    """A snapshot's counts; its stage counts only when they are the report's campaign's (the current campaign of
    that day may have been another: then they are unknown here, not zero)."""
    if day is None:
        return None
    values = {"roster": day.roster, "archived": day.archived, "precredit": day.precredit,
              "granted": getattr(day, "granted", None) if _keeps_granted() else None}
    same = day.campaign_id == campaign.pk
    values["stages"] = {stage: getattr(day, stage) if same else None for stage in STAGES}
    values["stages"][Stage.ARCHIVED] = day.archived  # archiving is no campaign's
    return values


def _row(code: str, name: str, before: dict | None, end: dict | None) -> dict:
    row = {"code": code, "name": name, "has_before": before is not None, "has_end": end is not None,
           "roster": None, "archived": None, "precredit": None, "archive_coverage": None,
           "precredit_coverage": None, "stages": {}}
    if end is not None:
        row.update(roster=end["roster"], archived=end["archived"], precredit=end["precredit"],
                   archive_coverage=overview_rules.share(end["archived"], end["roster"]),
                   precredit_coverage=overview_rules.share(end["precredit"], end["archived"]))
    for stage in STAGES:
        count = end["stages"][stage] if end else None
        base = _stage_base(stage, end) if end else None
        row["stages"][stage] = {
            "count": count, "increase": increase(before["stages"][stage] if before else None, count),
            "base": base, "actual": overview_rules.share(count, base) if count is not None and base else None}
    return row


def _add(total: dict, values: dict) -> dict:
    """Sum of snapshot values (None stays None: an unknown count makes the sum unknown)."""
    out = {key: (None if total[key] is None or values[key] is None else total[key] + values[key])
           for key in ("roster", "archived", "precredit", "granted")}
    out["stages"] = {stage: (None if total["stages"][stage] is None or values["stages"][stage] is None
                             else total["stages"][stage] + values["stages"][stage]) for stage in STAGES}
    return out


def _zero() -> dict:
    return {"roster": 0, "archived": 0, "precredit": 0, "granted": 0 if _keeps_granted() else None,
            "stages": dict.fromkeys(STAGES, 0)}


def report_figures(*, branch: Branch, campaign: Campaign, period: Period) -> dict:
    """What a branch's ten-day report shows (JSON-safe, kept on the report): per village of the branch and for the
    branch, the roster, the archived households and each stage's count at the period's end with its increase
    during the period (the end's snapshot less that of the day before the period), the planned and the actual
    share of each stage at the end, and the coverage figures. A village without a snapshot on either day is named
    under "missing" and its figures for that day are left blank (never taken as zero); the branch's total is that
    of the villages with figures, and says how many it counts. Three queries."""
    villages = list(Village.objects.filter(branch=branch).order_by("code").values("id", "code", "name"))
    ids = [v["id"] for v in villages]
    before_rows, end_rows = _day_rows(ids, period.day_before), _day_rows(ids, period.end)
    rows, missing = [], {"before": [], "end": []}
    total_end = _zero()
    counted = {"end": 0, "both": 0}
    for village in villages:
        before = _values(before_rows.get(village["id"]), campaign)
        end = _values(end_rows.get(village["id"]), campaign)
        for key, values in (("before", before), ("end", end)):
            if values is None:
                missing[key].append(village["name"])
        rows.append(_row(village["code"], village["name"], before, end))
        if end is not None:
            counted["end"] += 1
            total_end = _add(total_end, end)
            counted["both"] += before is not None
    total = _row(branch.code, branch.name, None, total_end if counted["end"] else None)
    both = _total_increase(villages, before_rows, end_rows, campaign)
    for stage in STAGES:
        total["stages"][stage]["increase"] = both[stage] if counted["both"] else None
    total.update(villages=len(villages), counted_end=counted["end"], counted_both=counted["both"])
    return {"branch": {"id": branch.pk, "code": branch.code, "name": branch.name},
            "campaign": {"id": campaign.pk, "code": campaign.code, "name": campaign.name},
            "period": {"start": period.start.isoformat(), "end": period.end.isoformat(),
                       "day_before": period.day_before.isoformat()},
            "plan": _plan(campaign, period.end), "villages": rows, "total": total, "missing": missing,
            "targets": {"archive": settings.ARCHIVE_COVERAGE_TARGET, "precredit": settings.PRECREDIT_COVERAGE_TARGET}}


def _total_increase(villages, before_rows, end_rows, campaign) -> dict[str, int | None]:
    """Each stage's increase over the villages with both snapshots (None when one of them lacks the count)."""
    sums: dict[str, int | None] = dict.fromkeys(STAGES, 0)
    for village in villages:
        before = _values(before_rows.get(village["id"]), campaign)
        end = _values(end_rows.get(village["id"]), campaign)
        if before is None or end is None:
            continue
        for stage in STAGES:
            grown = increase(before["stages"][stage], end["stages"][stage])
            sums[stage] = None if sums[stage] is None or grown is None else sums[stage] + grown
    return sums


def _plan(campaign: Campaign, on: datetime.date) -> list[dict]:
    plans = stage_plans(campaign=campaign)
    rows = []
    for stage in STAGES:
        plan = plans.get(stage)
        rows.append({"stage": stage, "starts_on": plan.starts_on.isoformat() if plan else None,
                     "ends_on": plan.ends_on.isoformat() if plan else None,
                     "planned": overview_rules.planned_share(plan.starts_on, plan.ends_on, on) if plan else None})
    return rows
