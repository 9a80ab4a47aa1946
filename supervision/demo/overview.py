"""The demo's dashboard history (V1): the demo campaign's stage timetable and 90 days of each village's figures, so
that the dashboards show a plan to measure against and the monthly trends have points to draw.

- Timetable: seed 000's six stages with the seed's own lengths (supervision.rules.progress.default_plan), laid so
  that the campaign started 70 days before the seeding: 走访建档 should be over (the demo has about three quarters of
  its roster archived: behind plan), 问卷调查 well under way, the later stages not yet due (ahead of plan wherever the
  demo already has households there) — partly behind, as a real campaign is.
- Village figures of a day (VillageDay): today's are measured, by the nightly snapshot's own service
  (supervision.services.progress.snapshot_figures over the figures core). The 89 days before are NOT measured —
  the demo's history did not happen — but drawn from today's figures, scaled: each stage grows from its planned
  start, the archive from about half of today's, the loan book slowly, visits over each quarter. They are
  plausible, not true; a real database gets its rows from the beat job, one a day.

The timetable is set through supervision.services.progress.stage_plan_save as the administrator (its rule, its
audit). Idempotent: a campaign with a timetable keeps it, and only missing (village, day) rows are written.
"""

import datetime
from decimal import Decimal

from auditlog.context import set_actor
from django.utils import timezone

from sunshine_credit.models import Village
from sunshine_credit.scoping import scope_for_profile
from surveys.models import Campaign

from ..models import Stage, StagePlan, VillageDay
from ..rules.progress import default_plan
from ..services import progress
from .appraisal import CAMPAIGN

DAYS = 90
STARTED_DAYS_AGO = 70
DAY = datetime.timedelta(days=1)
STAGE_FIELDS = {Stage.SURVEYED: "surveyed", Stage.COMPUTED: "computed", Stage.APPRAISED: "appraised",
                Stage.PUBLISHED: "published", Stage.EFFECTIVE: "effective"}


def seed_overview(office, users: dict) -> dict:
    today = timezone.localdate()
    campaign = Campaign.objects.get(head_office=office, code=CAMPAIGN["code"])
    return {"stage_plans": _plans(campaign, users["admin"], today),
            "village_days": _village_days(office, campaign, today)}


def _plans(campaign, admin, today) -> int:
    """The administrator sets the timetable through the timetable's service (its rule, audit with the actor), once:
    a campaign with any stage planned is left as it is."""
    if StagePlan.objects.filter(campaign=campaign).exists():
        return 0
    rows = default_plan(today - STARTED_DAYS_AGO * DAY)
    with set_actor(admin):
        saved = progress.stage_plan_save(scope=scope_for_profile(admin.staff_profile), actor=admin,
                                         campaign_id=campaign.pk, rows=rows, stamp="")
    return len(saved)


def _village_days(office, campaign, today) -> int:
    villages = list(Village.objects.filter(branch__head_office=office).values_list("pk", flat=True))
    first = today - (DAYS - 1) * DAY
    have = set(VillageDay.objects.filter(village_id__in=villages, on__gte=first, on__lte=today)
               .values_list("village_id", "on"))
    if len(have) == len(villages) * DAYS:
        return 0
    made = 0
    if any((pk, today) not in have for pk in villages):
        made = progress.snapshot_figures(head_office=office, on=today)  # today's, measured: the beat job's own
    now = VillageDay.objects.filter(village_id__in=villages, on=today)
    starts = {plan.stage: plan.starts_on for plan in StagePlan.objects.filter(campaign=campaign)}
    missing = [row for day in now for n in range(DAYS - 1)
               for row in [_earlier(day, first + n * DAY, today, starts)] if (row.village_id, row.on) not in have]
    VillageDay.objects.bulk_create(missing)
    return made + len(missing)


def _ramp(day: datetime.date, start: datetime.date, today: datetime.date) -> float:
    """0 up to `start`, 1 on `today`, linear in between (a stage begun less than a week ago: over the last week)."""
    start = min(start, today - 7 * DAY)
    if day <= start:
        return 0.0
    return min(1.0, (day - start).days / (today - start).days)


def _scaled(value, share: float):
    if isinstance(value, Decimal):
        return (value * Decimal(str(round(share, 4)))).quantize(Decimal("0.01"))
    return round(value * share)


def _earlier(now: VillageDay, day: datetime.date, today: datetime.date, starts: dict) -> VillageDay:
    """The village's figures on an earlier `day`, drawn from today's (see the module's docstring)."""
    elapsed = (day - (today - (DAYS - 1) * DAY)).days / (DAYS - 1)           # 0 on the first day, 1 today
    stage = {name: _ramp(day, starts.get(key, today), today) for key, name in STAGE_FIELDS.items()}
    archived = 0.5 + 0.5 * _ramp(day, starts.get(Stage.ARCHIVED, today), today)
    book = 0.9 + 0.1 * elapsed
    quarter = (day.month - 1) // 3 == (today.month - 1) // 3 and day.year == today.year
    visits = _quarter_share(day) / max(_quarter_share(today), 0.01) if quarter else 0.9 * _quarter_share(day)
    return VillageDay(
        on=day, village_id=now.village_id, campaign_id=now.campaign_id, roster=now.roster,
        archived=min(now.roster, _scaled(now.archived, archived)),
        **{name: _scaled(getattr(now, name), share) for name, share in stage.items()},
        precredit=_scaled(now.precredit, stage["effective"]), lines=_scaled(now.lines, stage["effective"]),
        line_amount=_scaled(now.line_amount, stage["effective"]),
        borrowers=now.borrowers, loans=now.loans, outstanding=_scaled(now.outstanding, book),
        overdue_amount=_scaled(now.overdue_amount, elapsed), par30_amount=_scaled(now.par30_amount, elapsed),
        due_principal=_scaled(now.due_principal, book), repaid_principal=_scaled(now.repaid_principal, book),
        visits_scheduled=now.visits_scheduled,
        visits_done=min(now.visits_scheduled, _scaled(now.visits_done if quarter else now.visits_scheduled,
                                                      min(visits, 1.0))),
        breaches=_scaled(now.breaches, 0.5 + 0.5 * elapsed))


def _quarter_share(day: datetime.date) -> float:
    """How far through its quarter `day` is (0 on the first day, about 1 on the last)."""
    start = datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    end = (start + 100 * DAY).replace(day=1)
    return (day - start).days / (end - start).days
