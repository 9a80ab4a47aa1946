"""V1: the dashboard pages — head office, branch, village, officer — composed from the village figures
(overview.figures), with the officers' rows, the complaints (audit's only) and the campaign's timetable."""

import datetime

from django.db.models import Count, Max, Q
from django.http import Http404
from django.utils import timezone
from django_scopes import scopes_disabled

from post_loan.models import RiskSnapshot
from sunshine_credit.models import Branch, Role, Village
from sunshine_credit.scoping import Scope
from surveys.models import Campaign

from ...models import Complaint, Stage, StagePlan
from ...rules import overview as rules
from ..complaints import AUDIT_ROLES
from ..complaints import complaints as audit_complaints
from .figures import LEVELS, READERS, Figures, PlanRow, kept_village_figures

# --- officers and complaints ----------------------------------------------------------------------------------

def officer_villages(*, scope: Scope, branch_ids=None, officer_ids=None, village_ids=None) -> dict[int, dict]:
    """{officer id: {"name", "branch", "branch_id", "villages": [ids in scope]}} from the 包片 assignments;
    `village_ids` (of the scope): only those villages."""
    through = Village.officers.through
    allowed = scope.village_ids if village_ids is None else sorted(set(village_ids) & set(scope.village_ids))
    rows = through.objects.filter(village_id__in=allowed, user__is_active=True,
                                  user__staff_profile__role=Role.OFFICER,
                                  user__staff_profile__head_office_id=scope.head_office_id)
    if branch_ids is not None:
        rows = rows.filter(village__branch_id__in=branch_ids)
    if officer_ids is not None:
        rows = rows.filter(user_id__in=officer_ids)
    officers: dict[int, dict] = {}
    for row in rows.values("user_id", "user__username", "user__first_name", "user__last_name", "village_id",
                           "user__staff_profile__branch_id", "user__staff_profile__branch__name").order_by(
            "user__username", "village__code"):
        name = f"{row['user__last_name']}{row['user__first_name']}".strip() or row["user__username"]
        item = officers.setdefault(row["user_id"], {"name": name, "username": row["user__username"],
                                                    "branch_id": row["user__staff_profile__branch_id"],
                                                    "branch": row["user__staff_profile__branch__name"] or "",
                                                    "villages": []})
        item["villages"].append(row["village_id"])
    return officers


def complaint_counts(*, scope: Scope, today: datetime.date, by: str) -> dict | None:
    """V4's counts per branch (by="branch_id") or officer (by="officer_id"); None for roles that may not read
    complaints (a branch never sees the complaints about it)."""
    return complaint_counts_by(scope=scope, today=today, fields=(by,))[0]


def complaint_counts_by(*, scope: Scope, today: datetime.date, fields: tuple[str, ...]) -> tuple:
    """complaint_counts for each of `fields` from one grouped query: ({key: {"n", "open", "overdue"}}, …) in the
    order of `fields`; Nones for roles that may not read complaints."""
    if scope.role not in AUDIT_ROLES:
        return (None,) * len(fields)
    rows = audit_complaints(scope=scope).values(*fields).annotate(
        n=Count("pk"), open=Count("pk", filter=Q(status=Complaint.Status.OPEN)),
        overdue=Count("pk", filter=Q(status=Complaint.Status.OPEN, due_on__lt=today))).order_by()
    counts = tuple({} for _ in fields)
    for row in rows:
        for by, totals in zip(fields, counts, strict=True):
            total = totals.setdefault(row[by], {by: row[by], "n": 0, "open": 0, "overdue": 0})
            for name in ("n", "open", "overdue"):
                total[name] += row[name]
    return counts


def _with_complaints(figures: Figures, counts: dict | None, key) -> Figures:
    if counts is not None:
        row = counts.get(key) or {}
        figures.complaints = (figures.complaints or 0) + row.get("n", 0)
        figures.complaints_open = (figures.complaints_open or 0) + row.get("open", 0)
        figures.complaints_overdue = (figures.complaints_overdue or 0) + row.get("overdue", 0)
    return figures


def _total(kind: str, key, name: str, parts, code: str = "") -> Figures:
    total = Figures(kind=kind, key=key, name=name, code=code)
    for part in parts:
        total.add(part)
    return total


def _officer_rows(officers: dict, villages: dict[int, Figures], complaints: dict | None) -> list[Figures]:
    rows = []
    for pk, item in officers.items():
        row = _total("officer", pk, item["name"], [villages[v] for v in item["villages"] if v in villages],
                     code=item["username"])
        row.branch, row.branch_id = item["branch"], item["branch_id"]
        rows.append(_with_complaints(row, complaints, pk))
    return sorted(rows, key=lambda row: (row.branch, row.code))


# --- the pages ------------------------------------------------------------------------------------------------

def require_reader(scope: Scope) -> None:
    if scope.role not in READERS:
        raise Http404


def overview(*, scope: Scope, level: str, pk: int | None = None, campaign: Campaign | None = None,
             today: datetime.date | None = None) -> dict:
    """One dashboard page: {"level", "unit" (the page's own Figures), "rows" (branches or villages), "officers",
    "campaign", "plan" (PlanRows), "trail" ([(level, pk, name)] from the county down), "as_of" (the last
    classification), "today"}. Http404 outside the scope (R1) or for roles that do not read dashboards."""
    require_reader(scope)
    if level not in LEVELS:
        raise Http404
    today = today or timezone.localdate()
    with scopes_disabled():
        page = _PAGES[level](scope, pk, campaign, today)
        page["as_of"] = _classified_on(scope)
    page.update(level=level, campaign=campaign, today=today, plan=stage_plan(unit=page["unit"], campaign=campaign,
                                                                               today=today))
    return page


def _classified_on(scope: Scope):
    """The day of the last daily classification (C6) of the scope's villages: its villages' snapshots, one row per
    village and day, answer from their unique index instead of sorting the loans' grades."""
    return RiskSnapshot.objects.filter(village_id__in=scope.village_ids).aggregate(on=Max("on"))["on"]


def _county(scope: Scope, pk, campaign, today) -> dict:
    if pk is not None:
        raise Http404
    villages, computed_at = kept_village_figures(scope, scope.village_ids, campaign, today)
    complaints = complaint_counts(scope=scope, today=today, by="branch_id")
    branches = {b.pk: b for b in Branch.objects.filter(pk__in=scope.branch_ids, head_office_id=scope.head_office_id)
                .order_by("code")}
    rows = []
    for branch in branches.values():
        row = _total("branch", branch.pk, branch.name, [f for f in villages.values() if f.branch_id == branch.pk],
                     code=branch.code)
        rows.append(_with_complaints(row, complaints, branch.pk))
    unit = _total("county", None, "", rows)
    for row in rows:
        _with_complaints(unit, complaints, row.key)
    return {"unit": unit, "rows": rows, "officers": [], "trail": [("county", None, "")], "computed_at": computed_at}


def _branch(scope: Scope, pk, campaign, today) -> dict:
    if pk not in scope.branch_ids:
        raise Http404
    branch = Branch.objects.filter(pk=pk, head_office_id=scope.head_office_id).first()
    if branch is None:
        raise Http404
    allowed = set(scope.village_ids)  # the branch's villages in the scope (compared here, not as 300 parameters)
    ids = tuple(v for v in Village.objects.filter(branch_id=pk).values_list("id", flat=True) if v in allowed)
    villages, computed_at = kept_village_figures(scope, ids, campaign, today, branch_id=pk)
    unit = _total("branch", branch.pk, branch.name, villages.values(), code=branch.code)
    by_branch, by_officer = complaint_counts_by(scope=scope, today=today, fields=("branch_id", "officer_id"))
    _with_complaints(unit, by_branch, branch.pk)
    officers = _officer_rows(officer_villages(scope=scope, branch_ids=[pk], village_ids=ids), villages, by_officer)
    return {"unit": unit, "rows": list(villages.values()), "officers": officers,
            "trail": [("county", None, ""), ("branch", branch.pk, branch.name)], "computed_at": computed_at}


def _village(scope: Scope, pk, campaign, today) -> dict:
    if pk not in scope.village_ids:
        raise Http404
    officers = officer_villages(scope=scope, officer_ids=list(
        Village.officers.through.objects.filter(village_id=pk).values_list("user_id", flat=True)))
    ids = {pk, *(v for item in officers.values() for v in item["villages"])}
    villages, computed_at = kept_village_figures(scope, ids, campaign, today)
    if pk not in villages:
        raise Http404
    unit = villages[pk]
    return {"unit": unit, "rows": [], "officers": _officer_rows(
                officers, villages, complaint_counts(scope=scope, today=today, by="officer_id")),
            "trail": [("county", None, ""), ("branch", unit.branch_id, unit.branch), ("village", pk, unit.name)],
            "computed_at": computed_at}


def _officer(scope: Scope, pk, campaign, today) -> dict:
    if scope.role == Role.OFFICER and pk != scope.user_id:
        raise Http404
    officers = officer_villages(scope=scope, officer_ids=[pk])
    if pk not in officers:
        raise Http404
    item = officers[pk]
    villages, computed_at = kept_village_figures(scope, item["villages"], campaign, today)
    unit = _officer_rows(officers, villages, complaint_counts(scope=scope, today=today, by="officer_id"))[0]
    return {"unit": unit, "rows": list(villages.values()), "officers": [],
            "trail": [("county", None, ""), ("branch", item["branch_id"], item["branch"]), ("officer", pk, unit.name)],
            "computed_at": computed_at}


_PAGES = {"county": _county, "branch": _branch, "village": _village, "officer": _officer}


def stage_plan(*, unit: Figures, campaign: Campaign | None, today: datetime.date) -> list[PlanRow]:
    """Each stage's count and share for the unit, with the campaign's planned dates and planned share by today."""
    plans = {plan.stage: plan for plan in StagePlan.objects.filter(campaign=campaign)} if campaign else {}
    rows = []
    for stage in Stage:
        plan = plans.get(stage.value)
        rows.append(PlanRow(
            stage=stage.value, label=stage.label, count=unit.stages[stage.value], base=unit.stage_base(stage.value),
            actual=unit.stage_share(stage.value), starts_on=plan.starts_on if plan else None,
            ends_on=plan.ends_on if plan else None,
            planned=rules.planned_share(plan.starts_on, plan.ends_on, today) if plan else None))
    return rows
