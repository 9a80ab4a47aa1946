"""V1: the dashboards' figures for head office → branch → village → officer.

Every figure is computed per village by one grouped query per source table (households, credit lines, loans,
grades, the campaign's stages, repayments, visits), then added up to branches and officers in Python over those
village rows — a few hundred rows, never one per household or loan. Everything starts from the caller's scope
(R1): the villages asked for are cut to `scope.village_ids`, and a unit outside it is 404.

Definitions (SPEC §10 V1, seed 000 四 工作目标):
- archive coverage (建档面) = archived households ÷ households on the roster (target ARCHIVE_COVERAGE_TARGET);
- pre-credit coverage (预授信面) = households with a credit line in effect ÷ archived households (target
  PRECREDIT_COVERAGE_TARGET);
- campaign progress: the households of the campaign that reached each stage (Stage); the archived stage is measured
  against the roster, surveyed / computed / appraised against the archived households, published and in effect
  against the households the panels granted;
- line utilisation (用信率) = households with a line in effect that owe on a loan ÷ households with a line in effect;
- overdue = loans past their due day with principal outstanding, today; PAR30 = the outstanding principal of loans
  more than 30 days overdue ÷ all outstanding principal (sunshine_credit.lib.risk's days overdue);
- the five-category mix = outstanding principal by grade of the last daily classification (post_loan, C6);
- repayment rate (C5) over the loans due in the last twelve months, on time and with the grace months;
- visit rate (C1) = scheduled visits of the current quarter made within it ÷ scheduled visits of the quarter;
- time-limit breaches (U7); complaints (V4: audit's — only for AUDIT_ROLES, never for the branch itself).
An officer's figures are those of the villages assigned to them (包片).
"""

import datetime
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django_scopes import scopes_disabled

from appraisal.models import DecisionStatus
from appraisal.stages import appraised
from credit_use.models import CreditLine, Drawdown, LineStatus
from credit_use.selectors.time_limits import breach_counts
from households.models import ArchiveStatus, Household
from post_loan.models import RiskGrade, Visit
from post_loan.rules.visits import quarter_start
from post_loan.selectors.repayment_rate import rate_rows
from publicity.selectors import published as published_items
from sunshine_credit.models import Role, Village
from sunshine_credit.scoping import HEAD_OFFICE_READERS, Scope, head_office_scope
from surveys.models import Campaign, LimitResult, Questionnaire

from ...models import Stage
from ...rules import overview as rules

LEVELS = ("county", "branch", "village", "officer")
# Who reads the dashboards: head office, a branch's president (their branch), an officer (their own villages).
READERS = frozenset({*HEAD_OFFICE_READERS, Role.PRESIDENT, Role.OFFICER})
STAGES = tuple(Stage.values)
GRADES = (1, 2, 3, 4, 5)
# The stages measured against the households the panels granted (the others against the archive or the roster).
GRANTED_STAGES = (Stage.PUBLISHED, Stage.EFFECTIVE)
COUNTS = ("roster", "archived", "excluded", "precredit", "granted", "lines", "line_users", "drawn", "loans", "borrowers",
          "overdue_loans", "visits_scheduled", "visits_done", "breaches")
AMOUNTS = ("line_amount", "outstanding", "overdue_amount", "par30_amount", "due", "repaid", "graced_due",
           "graced_repaid")
SUMMED = ("villages", *COUNTS, *AMOUNTS)  # what a total adds up from its parts


@dataclass
class Figures:
    """One unit's figures: the county (head office), a branch, a village or an officer."""

    kind: str
    key: int | None
    code: str = ""
    name: str = ""
    branch: str = ""
    branch_id: int | None = None
    villages: int = 0
    roster: int = 0
    archived: int = 0
    excluded: int = 0
    precredit: int = 0
    granted: int = 0
    stages: dict = field(default_factory=lambda: dict.fromkeys(STAGES, 0))
    lines: int = 0
    line_amount: Decimal = Decimal(0)
    line_users: int = 0
    drawn: int = 0  # drawdowns disbursed, repaid or not (the home page's "drawn")
    loans: int = 0
    borrowers: int = 0
    outstanding: Decimal = Decimal(0)
    overdue_loans: int = 0
    overdue_amount: Decimal = Decimal(0)
    par30_amount: Decimal = Decimal(0)
    grades: dict = field(default_factory=lambda: dict.fromkeys(GRADES, Decimal(0)))
    due: Decimal = Decimal(0)
    repaid: Decimal = Decimal(0)
    graced_due: Decimal = Decimal(0)
    graced_repaid: Decimal = Decimal(0)
    visits_scheduled: int = 0
    visits_done: int = 0
    breaches: int = 0
    complaints: int | None = None
    complaints_open: int | None = None
    complaints_overdue: int | None = None

    def __reduce__(self):
        """Kept (pickled) as the class and its values in field order: a county's figures load in half the time of
        the default (an instance dict per village), and each page reads them from the cache (issue 18)."""
        return (Figures, tuple(getattr(self, name) for name in FIELD_NAMES))

    def add(self, other: "Figures") -> None:
        mine, theirs = self.__dict__, other.__dict__
        for name in SUMMED:
            mine[name] += theirs[name]
        for stage in STAGES:
            self.stages[stage] += other.stages[stage]
        for grade in GRADES:
            self.grades[grade] += other.grades[grade]

    # --- the ratios (None when there is nothing to divide by) ---
    @property
    def archive_coverage(self):
        return rules.share(self.archived, self.roster)

    @property
    def precredit_coverage(self):
        return rules.share(self.precredit, self.archived)

    @property
    def utilisation(self):
        return rules.share(self.line_users, self.precredit)

    @property
    def par30(self):
        return rules.share(self.par30_amount, self.outstanding)

    @property
    def repayment_rate(self):
        return rules.share(self.repaid, self.due)

    @property
    def graced_rate(self):
        return rules.share(self.graced_repaid, self.graced_due)

    @property
    def visit_rate(self):
        return rules.share(self.visits_done, self.visits_scheduled)

    def stage_base(self, stage: str) -> int:
        """What a stage's count is measured against (the module's docstring)."""
        if stage == Stage.ARCHIVED:
            return self.roster
        return self.granted if stage in GRANTED_STAGES else self.archived

    def stage_share(self, stage: str):
        return rules.share(self.stages[stage], self.stage_base(stage))

    @property
    def below_archive_target(self) -> bool:
        return self.archive_coverage is not None and self.archive_coverage < settings.ARCHIVE_COVERAGE_TARGET

    @property
    def below_precredit_target(self) -> bool:
        return self.precredit_coverage is not None and self.precredit_coverage < settings.PRECREDIT_COVERAGE_TARGET


FIELD_NAMES = tuple(item.name for item in fields(Figures))


@dataclass(frozen=True)
class PlanRow:
    stage: str
    label: str
    count: int
    base: int
    actual: float | None
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    planned: float | None = None

    @property
    def behind(self) -> bool:
        return self.planned is not None and rules.behind(self.actual, self.planned)


# --- campaigns ------------------------------------------------------------------------------------------------

def campaigns(*, scope: Scope) -> list[Campaign]:
    """The head office's campaigns, latest first (the chooser)."""
    return list(Campaign.objects.filter(head_office_id=scope.head_office_id).order_by("-reference_date", "-pk"))


def campaign_or_latest(*, scope: Scope, pk: int | None, choices: list[Campaign] | None = None) -> Campaign | None:
    """The campaign asked for (404 when not the head office's), else the latest one (None when there is none)."""
    choices = campaigns(scope=scope) if choices is None else choices
    if pk is None:
        return choices[0] if choices else None
    for campaign in choices:
        if campaign.pk == pk:
            return campaign
    raise Http404


# --- per village ----------------------------------------------------------------------------------------------

def _by_village(queryset, **measures) -> dict[int, dict]:
    return {row["village_id"]: row for row in queryset.values("village_id").annotate(**measures).order_by()}


def _in(ids) -> tuple[str, list]:
    return ", ".join(["%s"] * len(ids)), list(ids)


def _surveyed(campaign: Campaign, village_ids: tuple[int, ...]) -> dict[int, int]:
    """Households with at least the campaign's minimum of questionnaires, per village (one statement)."""
    marks, params = _in(village_ids)
    sql = (f"SELECT h.village_id, COUNT(*) FROM {Household._meta.db_table} h JOIN ("
           f"SELECT household_id FROM {Questionnaire._meta.db_table} WHERE campaign_id = %s "
           f"GROUP BY household_id HAVING COUNT(*) >= %s) q ON q.household_id = h.id "
           f"WHERE h.village_id IN ({marks}) GROUP BY h.village_id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [campaign.pk, campaign.min_respondents, *params])
        return dict(cursor.fetchall())


def _stage_counts(campaign: Campaign | None, village_ids: tuple[int, ...]) -> dict[str, dict[int, int]]:
    counts = {stage: {} for stage in STAGES if stage != Stage.ARCHIVED}
    counts["granted"] = {}
    if campaign is None:
        return counts
    counts[Stage.SURVEYED] = _surveyed(campaign, village_ids)
    village = "household__village_id"
    computed = (LimitResult.objects.filter(campaign=campaign, household__village_id__in=village_ids)
                .values(village).annotate(n=Count("pk")).order_by())
    counts[Stage.COMPUTED] = {row[village]: row["n"] for row in computed}
    # The appraised and published stages: their owners' definitions, which the lists behind the figures show too.
    decided = (appraised(campaign_id=campaign.pk, village_ids=village_ids)
               .values(village).annotate(n=Count("pk"), granted=Count("pk", filter=Q(status=DecisionStatus.GRANTED)))
               .order_by())
    for row in decided:
        counts[Stage.APPRAISED][row[village]] = row["n"]
        counts["granted"][row[village]] = row["granted"]
    published = (published_items(campaign_id=campaign.pk, village_ids=village_ids)
                 .values("notice__village_id").annotate(n=Count("notice_id")).order_by())
    counts[Stage.PUBLISHED] = {row["notice__village_id"]: row["n"] for row in published}
    effective = _by_village(CreditLine.objects.filter(campaign=campaign, village_id__in=village_ids,
                                                      status=LineStatus.ACTIVE), n=Count("pk"))
    counts[Stage.EFFECTIVE] = {key: row["n"] for key, row in effective.items()}
    return counts


def _credit(ids: tuple[int, ...], today: datetime.date) -> tuple[dict, dict, QuerySet]:
    """Lines in effect and their users, loans still owed with overdue and PAR30, and the grades' outstanding."""
    live = Q(status=Drawdown.Status.DISBURSED, principal_outstanding__gt=0)
    # The households owing on a loan, as one set (hashed once), not a probe per line.
    owing = Drawdown.objects.filter(live, village_id__in=ids).values("household_id")
    lines = _by_village(CreditLine.objects.filter(village_id__in=ids, status=LineStatus.ACTIVE),
                        lines=Count("village_id"), line_amount=Sum("amount"),
                        precredit=Count("household_id", distinct=True),
                        line_users=Count("household_id", distinct=True, filter=Q(household_id__in=owing)))
    overdue = Q(due_on__lt=today)
    par30 = Q(due_on__lt=today - datetime.timedelta(days=30))
    loans = _by_village(Drawdown.objects.filter(village_id__in=ids, status=Drawdown.Status.DISBURSED),
                        drawn=Count("pk"), loans=Count("pk", filter=live),
                        borrowers=Count("household_id", distinct=True, filter=live),
                        outstanding=Sum("principal_outstanding", filter=live),
                        overdue_loans=Count("pk", filter=live & overdue),
                        overdue_amount=Sum("principal_outstanding", filter=live & overdue),
                        par30_amount=Sum("principal_outstanding", filter=live & par30))
    grades = (RiskGrade.objects.filter(village_id__in=ids, drawdown__status=Drawdown.Status.DISBURSED,
                                       drawdown__principal_outstanding__gt=0)
              .values("village_id", "grade").annotate(amount=Sum("drawdown__principal_outstanding")).order_by())
    return lines, loans, grades


def village_figures(*, scope: Scope, village_ids, campaign: Campaign | None,
                    today: datetime.date) -> dict[int, Figures]:
    """{village id: Figures} for the villages of the scope among `village_ids` — the one place every figure is
    computed (the pages, the exports, the daily snapshot and the progress reports read it)."""
    ids = tuple(sorted(set(village_ids) & set(scope.village_ids)))
    if not ids:
        return {}
    with scopes_disabled():  # every query below filters by `ids`, cut to the scope above (R1)
        return _village_figures(scope, ids, campaign, today)


def _village_figures(scope: Scope, ids: tuple[int, ...], campaign, today: datetime.date) -> dict[int, Figures]:
    result = {
        row["id"]: Figures(kind="village", key=row["id"], code=row["code"], name=row["name"],
                           branch=row["branch__name"], branch_id=row["branch_id"], villages=1)
        for row in Village.objects.filter(id__in=ids, branch__head_office_id=scope.head_office_id)
        .values("id", "code", "name", "branch_id", "branch__name").order_by("branch__code", "code")}
    ids = tuple(result)
    if not ids:
        return result

    # Counting village_id (never null) lets the (village, archive status) index answer without the table.
    households = _by_village(Household.objects.filter(village_id__in=ids), roster=Count("village_id"),
                             archived=Count("village_id", filter=Q(archive_status=ArchiveStatus.ARCHIVED)),
                             excluded=Count("village_id", filter=Q(archive_status=ArchiveStatus.EXCLUDED)))
    lines, loans, grades = _credit(ids, today)
    quarter = quarter_start(today)
    visits = _by_village(Visit.objects.filter(village_id__in=ids, kind=Visit.Kind.SCHEDULED, period_start=quarter),
                         visits_scheduled=Count("pk"),
                         visits_done=Count("pk", filter=Q(visited_on__isnull=False, visited_on__lte=today)))
    stages = _stage_counts(campaign, ids)
    narrow = replace(scope, village_ids=ids)
    year_ago, _today = rules.repayment_window(today)
    repayments = rate_rows(scope=narrow, date_from=year_ago, date_to=today, today=today, by_village=True)
    breaches = breach_counts(scope=narrow, today=today)

    for key, figures in result.items():
        for source in (households, lines, loans, visits):
            for name, value in source.get(key, {}).items():
                if name != "village_id":
                    setattr(figures, name, value or (Decimal(0) if name in AMOUNTS else 0))
        for stage in STAGES:
            if stage != Stage.ARCHIVED:
                figures.stages[stage] = stages[stage].get(key, 0)
        figures.stages[Stage.ARCHIVED] = figures.archived
        figures.granted = stages["granted"].get(key, 0)
    for row in grades:
        result[row["village_id"]].grades[row["grade"]] += row["amount"] or Decimal(0)
    for row in repayments:
        figures = result[row["village_id"]]
        figures.due += row["due"] or 0
        figures.repaid += row["repaid"] or 0
        figures.graced_due += row["graced_due"] or 0
        figures.graced_repaid += row["graced_repaid"] or 0
    for village_id, count in breaches.items():
        result[village_id].breaches = count
    return result


# --- the head office's village figures, kept for a few minutes ----------------------------------------------------

def _cache_key(head_office_id: int, campaign, today: datetime.date, branch_id: int | None = None) -> str:
    # "2": the Figures of issue 18 (the drawn count, pickled by their values): a deploy never reads the old ones.
    key = f"v1:figures2:{head_office_id}:{campaign.pk if campaign else 0}:{today.isoformat()}"
    return key if branch_id is None else f"{key}:b{branch_id}"


def refresh_figures(*, head_office_id: int, campaign, today: datetime.date) -> tuple[dict[int, Figures], object]:
    """Compute every village of the head office and keep them for OVERVIEW_CACHE_SECONDS (the beat job
    `supervision.refresh_figures` does this ahead of the readers), the whole head office and each branch apart (a
    branch's page and its president's home page read only theirs). Returns (figures, computed at)."""
    with scopes_disabled():
        scope = head_office_scope(head_office_id)
        figures = _village_figures(scope, scope.village_ids, campaign, today) if scope.village_ids else {}
    kept = (figures, timezone.now())
    branches: dict[int, dict[int, Figures]] = {}
    for village_id, item in figures.items():
        branches.setdefault(item.branch_id, {})[village_id] = item
    entries = {_cache_key(head_office_id, campaign, today, pk): (part, kept[1]) for pk, part in branches.items()}
    entries[_cache_key(head_office_id, campaign, today)] = kept
    try:
        cache.set_many(entries, settings.OVERVIEW_CACHE_SECONDS)
    except Exception:  # R8: without Redis the figures are computed for each page, never an error
        pass
    return kept


def kept_village_figures(scope: Scope, ids, campaign, today: datetime.date,
                         branch_id: int | None = None) -> tuple[dict[int, Figures], object]:
    """The villages `ids` (cut to the scope, R1) with the time their figures were computed: from the head office's
    kept figures when OVERVIEW_CACHE_SECONDS is set (a county's figures take seconds of database time; a page
    answers from memory), else computed now. `branch_id`: the ids are all of that branch (only its figures are
    read from the cache)."""
    allowed = set(scope.village_ids)
    ids = tuple(v for v in ids if v in allowed)
    if not ids:
        return {}, timezone.now()
    if settings.OVERVIEW_CACHE_SECONDS <= 0:
        return _village_figures(scope, ids, campaign, today), timezone.now()
    keys = ([_cache_key(scope.head_office_id, campaign, today, branch_id)] if branch_id is not None else []) + [
        _cache_key(scope.head_office_id, campaign, today)]
    wanted, kept = set(ids), None
    for key in keys:  # the branch's own (when it holds every village asked for), else the head office's
        try:
            kept = cache.get(key)
        except Exception:  # R8: Redis down
            kept = None
        if kept is not None and wanted <= kept[0].keys():
            break
        kept = None
    if kept is None:
        kept = refresh_figures(head_office_id=scope.head_office_id, campaign=campaign, today=today)
    figures, computed_at = kept
    # No copy: what the cache returns is its own unpickled copy (Redis, locmem), and refresh_figures' own result is not
    # the cache's, so a page may add to the Figures it gets without touching anyone else's.
    return {v: f for v, f in figures.items() if v in wanted}, computed_at
