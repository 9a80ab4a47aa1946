"""County-scale benchmark of the head office's dashboard (issue 17, V1) on PostgreSQL.

A county of 10 branches × 30 villages and 100,000 households (default; --households N), about 95 % archived, one
head per household (the credit representative), and one campaign whose villages stand at every stage: per branch
2 villages only archived, 2 surveyed (6 questionnaires per household, a few with 3), 2 computed (LimitResult),
2 appraised (signed Panel + Decision), 2 published (precredit Notice + NoticeItem) and 20 in effect (CreditLine
active); within a village the households of its current stage are 40–100 % through it. 100,000 disbursed drawdowns
(--drawdowns) on three quarters of the lines, about 10 % overdue (1–500 days) and a fifth half repaid, plus 10 %
more repaid in full within the last year (principal repayments on time, in the grace or later), one interest
payment per loan, a few hundred applications waiting for the president (U7 clocks; about 3 % of all decisions
late); RiskGrade rows from post_loan's own classification (`classify_all`); the scheduled visits of the previous
quarter (mostly done) and this one (partly done); complaints and evaluation cards (some open, some overdue); the
stage plan; twelve month-ends of VillageDay figures.

Everything is COPYed (FK triggers skipped when the role may: the rows are generated consistent), then classified.

Timed, each the best of --repeat, as wall time and as CPU time (this process plus its PostgreSQL backend's time on a
CPU, from /proc/<pid>/schedstat: the machine may be shared, and time spent waiting for a CPU is not the code's);
one persistent connection, serial plans unless --parallel:
- the head office's page as a supervisor sees it: Django's test Client GET /overview/ (force_login, second factor
  verified), around the request, DEBUG off (production settings, plain static storage);
- the figures alone: `supervision.selectors.overview.overview(scope=…, level="county", campaign=latest)`, and the
  sources whose Python work counts (time-limit breaches, repayment rate), end to end;
- each figure: the queries the core sends for it (recorded with connection.execute_wrapper, labelled by the figure
  they serve) replayed as sent, interleaved with a bare SQL statement written by hand from the schema that computes
  the same numbers per village (the county's totals of both are compared: they must agree). The issue asks for
  ≤ 200 ms for the page and ≤ 1.5× the bare statement for each figure. EXPLAIN ANALYZE of the slowest query.

    .venv/bin/python bench/overview.py [--households N] [--drawdowns N] [--repeat 7] [--keep] [--reuse]
                                       [--only all|figures|page] [--parallel]

Creates and drops its own database: BENCH_OVERVIEW_DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/sc_bench_overview. --keep leaves it; --reuse times a kept database again without
loading it. Prints the results as JSON (and a table) and writes them, with every query's SQL and the slowest one's
plan, to bench/out/overview.json.
"""

import argparse
import datetime
import json
import os
import random
import re
import secrets
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sc_bench_overview"
STAGES = ("archived", "surveyed", "computed", "appraised", "published", "effective")
# The stage each of a branch's 30 villages stands at (index into STAGES), rotated by branch.
SLOTS = [0] * 2 + [1] * 2 + [2] * 2 + [3] * 2 + [4] * 2 + [5] * 20
RESPONDENTS = 8
OFFICERS_PER_BRANCH = 3


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def best_of(repeat: int, fn):
    times, result = [], None
    for _ in range(repeat):
        seconds, result = timed(fn)
        times.append(seconds)
    return min(times), result


def backend_cpu() -> float:
    """Seconds on a CPU of this connection's PostgreSQL backend so far (/proc/<pid>/schedstat: time running, not
    waiting for a CPU — the machine may be shared). 0 when the server is not on this machine."""
    from django.db import connection

    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0]) / 1e9
    except OSError:
        return 0.0


def measured(fn):
    """(wall seconds, CPU seconds of this process and its database backend, result)."""
    cpu, backend, start = time.process_time(), backend_cpu(), time.perf_counter()
    result = fn()
    wall = time.perf_counter() - start
    return wall, time.process_time() - cpu + backend_cpu() - backend, result


def best(repeat: int, fn):
    """The best wall time and the best CPU time of `repeat` runs, and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu, result = measured(fn)
        walls.append(wall)
        cpus.append(cpu)
    return min(walls), min(cpus), result


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


# --- the county -------------------------------------------------------------------------------------------------

class Table:
    """COPY rows into one model's table: the given columns in order, every other column at its default."""

    def __init__(self, model, keys: tuple[str, ...], now):
        from django.db import models

        self.model, self.keys, self.rows = model, keys, []
        extra, constants = [], []
        for field in model._meta.concrete_fields:
            if field.name in keys or field.primary_key:
                continue
            extra.append(field.name)
            if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
                constants.append(now)
            elif field.has_default():
                value = field.get_default()
                constants.append(json.dumps(value) if isinstance(field, models.JSONField) else value)
            elif field.null:
                constants.append(None)
            else:
                constants.append("")
        missing = [k for k in keys if k not in {f.name for f in model._meta.concrete_fields}]
        assert not missing, (model, missing)
        self.fields, self.constants = [*keys, *extra], tuple(constants)

    def add(self, *values):
        assert len(values) == len(self.keys)
        self.rows.append(values + self.constants)

    def copy(self) -> int:
        from sunshine_credit.lib.bulk import bulk_insert

        count = bulk_insert(self.model, self.fields, self.rows)
        self.rows = []
        return count


def aware(day: datetime.date, hour: int = 10):
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def load(households: int, drawdowns: int, today: datetime.date) -> dict:
    """Everything through COPY but the org, the users and the campaign (a few hundred ORM rows)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from appraisal.models import Decision, Panel
    from bench.run import make_org
    from credit_use.models import CreditLine, Drawdown, Repayment
    from households.models import Household, Member
    from post_loan.models import Visit
    from post_loan.rules.visits import quarter_end, quarter_start
    from publicity.models import Notice, NoticeItem
    from sunshine_credit.models import Branch, Role, StaffProfile, Village
    from supervision.models import Complaint, StagePlan, VillageDay
    from surveys.models import Campaign, LimitResult, Questionnaire, Respondent

    started = time.perf_counter()
    rng = random.Random(17)
    now = timezone.now()
    User = get_user_model()
    office = make_org()
    admin = User.objects.create(username="bench-admin")
    StaffProfile.objects.create(user=admin, role=Role.ADMIN, head_office=office)
    supervisor = User.objects.create(username="bench-supervisor", first_name="督导")
    StaffProfile.objects.create(user=supervisor, role=Role.SUPERVISOR, head_office=office)
    branches = list(Branch.objects.order_by("code"))
    villages = list(Village.objects.order_by("code"))
    stage_of, officer_of, president_of, teller_of = {}, {}, {}, {}
    Through = Village.officers.through
    for b, branch in enumerate(branches):
        president_of[branch.id] = User.objects.create(username=f"president-{branch.code}")
        StaffProfile.objects.create(user=president_of[branch.id], role=Role.PRESIDENT, head_office=office,
                                    branch=branch)
        teller_of[branch.id] = User.objects.create(username=f"teller-{branch.code}")
        StaffProfile.objects.create(user=teller_of[branch.id], role=Role.TELLER, head_office=office, branch=branch)
        officers = [User.objects.create(username=f"officer-{branch.code}-{i}", first_name=f"{branch.code}信贷员{i}")
                    for i in range(1, OFFICERS_PER_BRANCH + 1)]
        for officer in officers:
            StaffProfile.objects.create(user=officer, role=Role.OFFICER, head_office=office, branch=branch)
        mine = [v for v in villages if v.branch_id == branch.id]
        for v, village in enumerate(mine):
            stage_of[village.id] = SLOTS[(v + 3 * b) % len(SLOTS)]
            officer_of[village.id] = officers[v * OFFICERS_PER_BRANCH // len(mine)]
        Through.objects.bulk_create(Through(village_id=v.id, user_id=officer_of[v.id].id) for v in mine)
    campaign = Campaign.objects.create(head_office=office, code="BENCH", name="2026年阳光信贷整村授信",
                                       reference_date=today - datetime.timedelta(days=150), created_by=admin)
    start = today - datetime.timedelta(days=180)
    StagePlan.objects.bulk_create(
        StagePlan(campaign=campaign, stage=stage, starts_on=start + datetime.timedelta(days=25 * i),
                  ends_on=start + datetime.timedelta(days=25 * i + 60), updated_by=admin)
        for i, stage in enumerate(STAGES))
    branch_of = {v.id: v.branch_id for v in villages}
    village_ids = [v.id for v in villages]
    progress = {v: (0.9 if stage_of[v] == 5 else rng.uniform(0.4, 1.0)) for v in village_ids}

    T = {}  # model → Table
    T["household"] = Table(Household, ("id", "head_office", "village", "code", "archive_status", "exclusion",
                                       "phone", "publicity_consent", "representative"), now)
    T["member"] = Table(Member, ("id", "head_office", "household", "name", "id_number", "relation", "sex",
                                 "birth_date", "phone"), now)
    T["respondent"] = Table(Respondent, ("id", "village", "code", "kind", "active"), now)
    T["questionnaire"] = Table(Questionnaire, ("campaign", "household", "respondent", "amount", "net_income",
                                               "representative", "surveyor", "surveyed_on"), now)
    T["result"] = Table(LimitResult, ("campaign", "household", "status", "amount", "valid_count", "mean",
                                      "representative_age", "computed_at"), now)
    T["panel"] = Table(Panel, ("id", "campaign", "village", "unit_name", "status", "opened_at", "closed_at",
                               "closed_by", "signed_at", "created_by"), now)
    T["decision"] = Table(Decision, ("id", "campaign", "panel", "household", "computed_status", "computed_amount",
                                     "rating", "survey_amount", "status", "amount", "decided_by", "decided_at"), now)
    T["notice"] = Table(Notice, ("id", "head_office", "village", "kind", "campaign", "panel", "title", "starts_on",
                                 "ends_on", "public_token", "status", "published_by", "rendered_at", "ended_at"), now)
    T["item"] = Table(NoticeItem, ("id", "notice", "line_no", "household", "decision", "name", "amount", "status"),
                      now)
    T["line"] = Table(CreditLine, ("id", "head_office", "village", "household", "campaign", "notice_item", "amount",
                                   "effective_on", "expires_on", "status"), now)
    index_of = {village: i for i, village in enumerate(village_ids)}
    for i, village in enumerate(village_ids):
        for r in range(RESPONDENTS):
            T["respondent"].add(i * RESPONDENTS + r + 1, village, f"R{r + 1:02d}", "other", True)
    for village in village_ids:
        stage = stage_of[village]
        if stage >= 3:
            signed = stage > 3
            T["panel"].add(village, campaign.id, village, f"V{village}评议小组", "signed" if signed else "closed",
                           aware(today - datetime.timedelta(days=60)), aware(today - datetime.timedelta(days=50)),
                           officer_of[village].id, aware(today - datetime.timedelta(days=45)) if signed else None,
                           officer_of[village].id)
        if stage >= 4:
            starts = today - datetime.timedelta(days=40 if stage == 5 else 2)
            T["notice"].add(village, office.id, village, "precredit", campaign.id, village, f"V{village}授信公示",
                            starts, starts + datetime.timedelta(days=campaign.notice_days), secrets.token_hex(16),
                            "published", officer_of[village].id, aware(starts),
                            aware(starts + datetime.timedelta(days=4)) if stage == 5 else None)

    counts = {"households": households, "archived": 0, "reached": [0] * 6}
    lines = []  # (line id, village, household, amount)
    line_nos = {}
    decision_id = item_id = 0
    surveyed_on = today - datetime.timedelta(days=100)
    for h in range(1, households + 1):
        village = village_ids[h % len(village_ids)]
        stage = stage_of[village]
        draw = rng.random()
        status, exclusion = ("archived", "") if draw < 0.95 else ("roster", "") if draw < 0.98 else \
            ("excluded", "other")
        T["household"].add(h, office.id, village, f"H{h:07d}", status, exclusion, f"139{h:08d}", rng.random() < 0.97,
                           h)
        birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randint(0, 21000))
        T["member"].add(h, office.id, h, f"户主{h}", f"X{h:017d}", "户主", "M", birth, "")
        if status != "archived":
            continue
        counts["archived"] += 1
        level = 0  # index of the last stage reached
        for k in range(1, stage + 1):
            if rng.random() >= ((0.96, 0.99, 0.97, 0.97, 0.97)[k - 1] if k < stage else progress[village]):
                break
            level = k
        for k in range(level + 1):
            counts["reached"][k] += 1
        if stage >= 1 and (level >= 1 or rng.random() < 0.5):  # not reached: an unfinished survey (3 of 6)
            base = rng.randrange(10, 300) * 1000
            for r in rng.sample(range(RESPONDENTS), 6 if level >= 1 else 3):
                T["questionnaire"].add(campaign.id, h, index_of[village] * RESPONDENTS + r + 1,
                                       Decimal(max(1000, base + rng.randrange(-20, 21) * 1000)),
                                       Decimal(rng.randrange(20, 200) * 1000), h, officer_of[village].id, surveyed_on)
        if level < 2:
            continue
        amount = Decimal(rng.randrange(10, 300) * 1000)
        granted = level >= 3 or stage == 2 and rng.random() < 0.93
        T["result"].add(campaign.id, h, "granted" if granted else "withheld", amount if granted else None, 6,
                        amount, rng.randint(25, 70), now - datetime.timedelta(days=70))
        if level < 3:
            continue
        decision_id += 1
        granted = level >= 4 or stage == 3 and rng.random() < 0.9
        T["decision"].add(decision_id, campaign.id, village, h, "granted", amount, 2, amount,
                          "granted" if granted else "withheld", amount if granted else None, officer_of[village].id,
                          now - datetime.timedelta(days=50))
        if level < 4:
            continue
        item_id += 1
        line_nos[village] = line_nos.get(village, 0) + 1
        T["item"].add(item_id, village, line_nos[village], h, decision_id, f"户*{h % 10}", amount,
                      "effective" if level >= 5 else "listed")
        if level < 5:
            continue
        lines.append((item_id, village, h, amount))
        T["line"].add(item_id, office.id, village, h, campaign.id, item_id, amount,
                      today - datetime.timedelta(days=30), today + datetime.timedelta(days=3 * 365 - 30), "active")
    counts["lines"] = len(lines)

    # Drawdowns on three quarters of the lines: disbursed (10 % overdue, a fifth half repaid), 10 % more repaid in
    # full within the year, a few hundred waiting for the president (U7 clocks running).
    T["drawdown"] = Table(Drawdown, ("id", "head_office", "village", "household", "line", "number", "loan_number",
                                     "amount", "purpose", "applied_on", "due_on", "annual_rate", "guarantee",
                                     "authority", "small_farm", "complete_at", "status", "submitted_by", "decided_by",
                                     "decided_at", "disbursed_by", "disbursed_at", "principal_outstanding",
                                     "interest_paid_until", "overdue_since", "created_by"), now)
    T["repayment"] = Table(Repayment, ("drawdown", "kind", "amount", "paid_on", "period_end", "recorded_by"), now)
    T["visit"] = Table(Visit, ("head_office", "village", "household", "drawdown", "officer", "kind", "period_start",
                               "due_on", "visited_on", "place", "recorded_by", "recorded_at"), now)
    users = rng.sample(lines, k=max(1, len(lines) * 3 // 4)) if lines else []
    this_q = quarter_start(today)
    last_q = quarter_start(this_q - datetime.timedelta(days=1))
    repaid_loans = drawdowns // 10
    waiting = max(drawdowns // 300, 1)
    live = 0
    for d in range(1, drawdowns + repaid_loans + waiting + 1):
        if not users:
            break
        line_id, village, h, _line_amount = rng.choice(users)
        officer = officer_of[village].id
        amount = Decimal(rng.randrange(5, 50) * 1000)
        overdue_since = interest_until = None
        if d <= drawdowns:
            status = "disbursed"
            if rng.random() < 0.10:
                due = today - datetime.timedelta(days=rng.randint(1, 500))
                overdue_since = due + datetime.timedelta(days=1)
            else:
                due = today + datetime.timedelta(days=rng.randint(1, 360))
            outstanding = amount if rng.random() < 0.8 else amount / 2
            interest_until = quarter_start(today) - datetime.timedelta(days=10)
        elif d <= drawdowns + repaid_loans:
            status, outstanding = "repaid", Decimal(0)
            due = today - datetime.timedelta(days=rng.randint(1, 365))
        else:
            status, outstanding = rng.choice(("submitted", "submitted", "approved")), Decimal(0)
            due = today + datetime.timedelta(days=365)
        applied = due - datetime.timedelta(days=365)
        if status in ("submitted", "approved"):
            applied = today - datetime.timedelta(days=rng.randint(1, 12))
            due = applied + datetime.timedelta(days=365)
        complete = aware(applied + datetime.timedelta(days=1), 9)
        late = rng.random() < 0.03
        decided = complete + datetime.timedelta(days=rng.randint(6, 15) if late else rng.randint(0, 2), hours=5)
        if status == "submitted":
            decided = None
        disbursed = decided + datetime.timedelta(days=1) if status in ("disbursed", "repaid") else None
        branch = branch_of[village]
        T["drawdown"].add(d, office.id, village, h, line_id, f"YX{d:08d}", f"JJ{d:08d}" if disbursed else "", amount,
                          "种植", applied, due, Decimal("0.0650"), "guarantors", "branch", True, complete, status,
                          officer, president_of[branch].id if decided else None, decided,
                          teller_of[branch].id if disbursed else None, disbursed, outstanding, interest_until,
                          overdue_since, officer)
        if status == "disbursed":
            T["repayment"].add(d, "interest", (amount * Decimal("0.0162")).quantize(Decimal("0.01")), interest_until,
                               interest_until, teller_of[branch].id)
            if outstanding < amount:
                paid_on = min(today, due) - datetime.timedelta(days=rng.randint(1, 60))
                T["repayment"].add(d, "principal", amount - outstanding, paid_on, None, teller_of[branch].id)
            if outstanding > 0:
                live += 1
                if disbursed.date() < last_q:
                    done = rng.random() < 0.92
                    visited = last_q + datetime.timedelta(days=rng.randint(0, 80)) if done else None
                    T["visit"].add(office.id, village, h, d, officer, "scheduled", last_q, this_q -
                                   datetime.timedelta(days=1), visited, "家中" if done else "", officer if done else None,
                                   aware(visited) if done else None)
                done = rng.random() < 0.55 and today > this_q
                visited = this_q + datetime.timedelta(days=rng.randint(0, (today - this_q).days - 1)) if done else None
                T["visit"].add(office.id, village, h, d, officer, "scheduled", this_q, quarter_end(today), visited,
                               "家中" if done else "", officer if done else None, aware(visited) if done else None)
        elif status == "repaid":
            draw = rng.random()
            paid_on = due - datetime.timedelta(days=rng.randint(0, 30)) if draw < 0.9 else \
                due + datetime.timedelta(days=rng.randint(1, 80)) if draw < 0.97 else \
                due + datetime.timedelta(days=rng.randint(100, 200))
            T["repayment"].add(d, "principal", amount, min(paid_on, today), None, teller_of[branch].id)
    counts.update(drawdowns=drawdowns, repaid_loans=repaid_loans, waiting=waiting, live_loans=live,
                  borrowers=len(users))

    T["complaint"] = Table(Complaint, ("head_office", "branch", "officer", "reference", "kind", "rating", "content",
                                       "source", "received_on", "due_on", "status"), now)
    for n in range(1, 40 * len(branches) + 1):
        branch = branches[n % len(branches)]
        village = rng.choice([v for v in village_ids if branch_of[v] == branch.id])
        received = today - datetime.timedelta(days=rng.randint(0, 200))
        draw = rng.random()
        if draw < 0.6:
            kind, rating, due, status = "evaluation", rng.choice(("satisfied", "fair")), None, "recorded"
        else:
            kind, rating = ("complaint", "") if draw < 0.85 else ("evaluation", "problem")
            due = received + datetime.timedelta(days=15)
            status = "open" if rng.random() < 0.2 else "handled"
        T["complaint"].add(office.id, branch.id, officer_of[village].id, f"TS{n:08d}", kind, rating, "意见", "public",
                           received, due, status)
    T["day"] = Table(VillageDay, ("on", "village", "campaign", "roster", "archived", "precredit", "lines",
                                  "line_amount", "loans", "outstanding", "visits_scheduled", "visits_done"), now)
    per_village = households // len(village_ids)
    for m in range(1, 13):
        month_end = today.replace(day=1) - datetime.timedelta(days=1)
        for _ in range(m - 1):
            month_end = month_end.replace(day=1) - datetime.timedelta(days=1)
        share = (13 - m) / 12
        for village in village_ids:
            T["day"].add(month_end, village, campaign.id, per_village, int(per_village * 0.95 * share),
                         int(per_village * 0.6 * share), int(per_village * 0.6 * share),
                         Decimal(per_village * 60000) * Decimal(share).quantize(Decimal("0.01")),
                         int(drawdowns / len(village_ids) * share), Decimal(drawdowns * 20000 / len(village_ids)),
                         int(drawdowns / len(village_ids)), int(drawdowns / len(village_ids) * share))

    generated = time.perf_counter()
    rows = {}
    with transaction.atomic():
        with connection.cursor() as cur:  # generated consistent: skip the FK triggers when allowed (superuser)
            cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cur.fetchone()[0]:
                cur.execute("SET LOCAL session_replication_role = replica")
        for name in ("household", "member", "respondent", "questionnaire", "result", "panel", "decision", "notice",
                     "item", "line", "drawdown", "repayment", "visit", "complaint", "day"):
            rows[name] = T[name].copy()
    with connection.cursor() as cur:
        for table in ("households_household", "households_member", "surveys_respondent", "appraisal_panel",
                      "appraisal_decision", "publicity_notice", "publicity_noticeitem", "credit_use_creditline",
                      "credit_use_drawdown"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        copied = time.perf_counter()
        cur.execute("VACUUM ANALYZE")
    counts["rows"] = rows
    counts["generate_s"], counts["copy_s"] = round(generated - started, 2), round(copied - generated, 2)
    counts["vacuum_s"] = round(time.perf_counter() - copied, 2)
    counts["reached"] = dict(zip(STAGES, counts["reached"], strict=True))
    return {"office": office.id, "campaign": campaign.id, "supervisor": supervisor.id, "counts": counts}


# --- bare statements: one per figure, written from the schema, per village ----------------------------------------

LIVE = "d.status = 'disbursed' AND d.principal_outstanding > 0"
# The core's definitions (supervision/selectors/overview.py's docstring): per village; amounts as it sums them.
BARE = {
    "coverage": """
SELECT h.village_id, count(*) AS roster, count(*) FILTER (WHERE h.archive_status = 'archived') AS archived
FROM households_household h WHERE h.village_id = ANY(%(villages)s::bigint[]) GROUP BY h.village_id""",
    "stage_surveyed": """
SELECT h.village_id, count(*) FROM households_household h
JOIN (SELECT q.household_id FROM surveys_questionnaire q WHERE q.campaign_id = %(campaign)s
      GROUP BY q.household_id HAVING count(*) >= %(min)s) q ON q.household_id = h.id
WHERE h.village_id = ANY(%(villages)s::bigint[]) GROUP BY h.village_id""",
    "stage_computed": """
SELECT h.village_id, count(*) FROM surveys_limitresult r JOIN households_household h ON h.id = r.household_id
WHERE r.campaign_id = %(campaign)s AND h.village_id = ANY(%(villages)s::bigint[]) GROUP BY h.village_id""",
    "stage_appraised": """
SELECT h.village_id, count(*), count(*) FILTER (WHERE d.status = 'granted')
FROM appraisal_decision d JOIN households_household h ON h.id = d.household_id
WHERE d.campaign_id = %(campaign)s AND d.status <> '' AND h.village_id = ANY(%(villages)s::bigint[]) GROUP BY h.village_id""",
    "stage_published": """
SELECT n.village_id, count(*) FROM publicity_noticeitem i JOIN publicity_notice n ON n.id = i.notice_id
WHERE n.campaign_id = %(campaign)s AND n.kind = 'precredit' AND n.status = 'published'
  AND n.village_id = ANY(%(villages)s::bigint[]) GROUP BY n.village_id""",
    "stage_effective": """
SELECT l.village_id, count(*) FROM credit_use_creditline l
WHERE l.campaign_id = %(campaign)s AND l.status = 'active' AND l.village_id = ANY(%(villages)s::bigint[])
GROUP BY l.village_id""",
    # lines in effect, their amount, the households holding one (pre-credit) and those of them owing on a loan
    "lines": f"""
SELECT l.village_id, count(*), sum(l.amount), count(DISTINCT l.household_id),
  count(DISTINCT l.household_id) FILTER (WHERE o.household_id IS NOT NULL)
FROM credit_use_creditline l
LEFT JOIN (SELECT DISTINCT d.household_id FROM credit_use_drawdown d WHERE {LIVE}) o
  ON o.household_id = l.household_id
WHERE l.status = 'active' AND l.village_id = ANY(%(villages)s::bigint[]) GROUP BY l.village_id""",
    "loans": f"""
SELECT d.village_id, count(*), count(DISTINCT d.household_id), sum(d.principal_outstanding),
  count(*) FILTER (WHERE d.due_on < %(today)s), sum(d.principal_outstanding) FILTER (WHERE d.due_on < %(today)s),
  sum(d.principal_outstanding) FILTER (WHERE d.due_on < %(par30)s)
FROM credit_use_drawdown d WHERE {LIVE} AND d.village_id = ANY(%(villages)s::bigint[]) GROUP BY d.village_id""",
    "grades": f"""
SELECT r.village_id, r.grade, sum(d.principal_outstanding)
FROM post_loan_riskgrade r JOIN credit_use_drawdown d ON d.id = r.drawdown_id
WHERE {LIVE} AND r.village_id = ANY(%(villages)s::bigint[]) GROUP BY r.village_id, r.grade""",
    "as_of": """
SELECT max(r.as_of) FROM post_loan_riskgrade r WHERE r.village_id = ANY(%(villages)s::bigint[])""",
    # C5 over the loans due in the last twelve months: principal due (matured) and repaid by maturity, and the
    # same for the loans past their grace, repaid within it
    "repayment": """
SELECT x.village_id, sum(x.amount) FILTER (WHERE x.matured), sum(x.on_time) FILTER (WHERE x.matured),
  sum(x.amount) FILTER (WHERE x.graced), sum(x.in_grace) FILTER (WHERE x.graced)
FROM (SELECT d.village_id, d.amount, d.due_on < %(today)s AS matured, d.grace_end < %(today)s AS graced,
        COALESCE(sum(r.amount) FILTER (WHERE r.paid_on <= d.due_on), 0) AS on_time,
        COALESCE(sum(r.amount) FILTER (WHERE r.paid_on <= d.grace_end), 0) AS in_grace
      FROM (SELECT d.id, d.village_id, d.amount, d.due_on,
                   CAST(d.due_on + INTERVAL '%(grace)s months' AS date) AS grace_end
            FROM credit_use_drawdown d
            WHERE d.status IN ('disbursed', 'repaid') AND d.due_on >= %(year_ago)s AND d.due_on <= %(today)s
              AND d.village_id = ANY(%(villages)s::bigint[])) d
      LEFT JOIN credit_use_repayment r ON r.drawdown_id = d.id AND r.kind = 'principal'
      GROUP BY d.id, d.village_id, d.amount, d.due_on, d.grace_end) x
GROUP BY x.village_id""",
    "visits": """
SELECT v.village_id, count(*), count(*) FILTER (WHERE v.visited_on IS NOT NULL AND v.visited_on <= %(today)s)
FROM post_loan_visit v
WHERE v.kind = 'scheduled' AND v.period_start = %(quarter)s AND v.village_id = ANY(%(villages)s::bigint[])
GROUP BY v.village_id""",
    # U7 with the same working-day calendar as the core (the State Council's holidays are Python's): each day of
    # the span with the number of working days up to it, and each working day with its number.
    "breaches": """
WITH span AS (SELECT * FROM unnest(%(span_days)s::date[], %(span_counts)s::int[]) AS s(day, n)),
     work AS (SELECT * FROM unnest(%(work_days)s::date[]) WITH ORDINALITY AS w(day, n)),
     d AS (SELECT d.village_id, CAST(d.complete_at AT TIME ZONE %(tz)s AS date) AS complete_on,
                  COALESCE(CAST(d.decided_at AT TIME ZONE %(tz)s AS date), %(today)s) AS end_on,
                  CASE WHEN d.authority = 'branch' AND d.small_farm THEN 3 WHEN d.authority = 'branch' THEN 5
                       WHEN d.authority = 'county' THEN 7 WHEN d.authority = 'city' THEN 15 ELSE 30 END AS lim
           FROM credit_use_drawdown d
           WHERE d.head_office_id = %(office)s AND d.village_id = ANY(%(villages)s::bigint[]) AND d.complete_at IS NOT NULL
             AND d.status IN ('submitted', 'approved', 'rejected', 'disbursed', 'repaid'))
SELECT d.village_id, count(*) FROM d JOIN span ON span.day = d.complete_on JOIN work ON work.n = span.n + d.lim
WHERE d.end_on > work.day GROUP BY d.village_id""",
    "complaints": """
SELECT c.branch_id, count(*), count(*) FILTER (WHERE c.status = 'open'),
  count(*) FILTER (WHERE c.status = 'open' AND c.due_on < %(today)s)
FROM supervision_complaint c WHERE c.head_office_id = %(office)s AND c.branch_id = ANY(%(branches)s::bigint[])
GROUP BY c.branch_id""",
}

# Which figure a query of the core serves: the first pattern its SQL matches.
LABELS = [
    ("breaches", r'"complete_at" IS NOT NULL'),
    ("repayment", r'credit_use_repayment|AS "matured_loans"'),  # C5: the principal due, and what was repaid
    ("as_of", r'^SELECT "post_loan_riskgrade"\."as_of"'),
    ("grades", r'FROM "post_loan_riskgrade"'),
    ("visits", r'FROM "post_loan_visit"'),
    ("complaints", r'FROM "supervision_complaint"'),
    ("stage_surveyed", r'surveys_questionnaire'),
    ("stage_computed", r'FROM "surveys_limitresult"'),
    ("stage_appraised", r'FROM "appraisal_decision"'),
    ("stage_published", r'FROM "publicity_noticeitem"'),
    ("stage_effective", r'FROM "credit_use_creditline" WHERE \("credit_use_creditline"\."campaign_id" ='),
    ("lines", r'FROM "credit_use_creditline"'),
    ("loans", r'FROM "credit_use_drawdown"'),
    ("coverage", r'FROM "households_household"'),
    ("plan", r'FROM "supervision_stageplan"'),
]


def label_of(sql: str) -> str:
    for label, pattern in LABELS:
        if re.search(pattern, sql):
            return label
    match = re.search(r'FROM "(\w+)"', sql)
    return f"other:{match.group(1) if match else sql[:30]}"


class Recorder:
    """connection.execute_wrapper: every query's SQL, parameters and wall time."""

    def __init__(self):
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, params, time.perf_counter() - start))


def bare_params(info: dict, today: datetime.date) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from credit_use.rules.time_limits import WorkCalendar
    from post_loan.rules.visits import quarter_start
    from sunshine_credit.models import Branch, Village
    from sunshine_credit.selectors import calendar_overrides
    from surveys.models import Campaign

    with scopes_disabled():
        villages = list(Village.objects.filter(branch__head_office_id=info["office"]).order_by("id")
                        .values_list("id", flat=True))
        minimum = Campaign.objects.get(pk=info["campaign"]).min_respondents
        branches = list(Branch.objects.filter(head_office_id=info["office"]).values_list("id", flat=True))
    with connection.cursor() as cur:  # the span of the U7 clocks: from the first complete application
        cur.execute("SELECT min(complete_at) FROM credit_use_drawdown WHERE head_office_id = %s", [info["office"]])
        first_at = cur.fetchone()[0]
    first = (timezone.localtime(first_at).date() if first_at else today) - datetime.timedelta(days=1)
    calendar = WorkCalendar(first, today + datetime.timedelta(days=60), calendar_overrides(head_office_id=info["office"]))
    work = calendar._days
    span, counts, n = [], [], 0
    day = first
    workset = set(work)
    while day <= today + datetime.timedelta(days=60):
        n += day in workset
        span.append(day)
        counts.append(n)
        day += datetime.timedelta(days=1)
    # the twelve months up to today, as the core counts them (29 February: from 1 March)
    year_ago = datetime.date(today.year - 1, 3, 1) if (today.month, today.day) == (2, 29) else \
        today.replace(year=today.year - 1) + datetime.timedelta(days=1)
    return {"villages": villages, "branches": branches, "campaign": info["campaign"], "office": info["office"],
            "min": minimum, "today": today, "year_ago": year_ago, "par30": today - datetime.timedelta(days=30),
            "grace": settings.REPAYMENT_GRACE_MONTHS,
            "quarter": quarter_start(today), "tz": settings.TIME_ZONE, "span_days": span, "span_counts": counts,
            "work_days": work}


def run_bare(name: str, params: dict) -> list:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(BARE[name], params)
        return cur.fetchall()


def run_sql(sql: str, params) -> list:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def explain(sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cur.fetchall())


def bare_totals(rows: dict) -> dict:
    """The county's figures added up from the bare statements' rows (to check they compute the core's numbers)."""
    def total(name, column, grade=None):
        return sum((r[column] or 0) for r in rows[name] if grade is None or r[1] == grade)

    totals = {"roster": total("coverage", 1), "archived": total("coverage", 2),
              "surveyed": total("stage_surveyed", 1), "computed": total("stage_computed", 1),
              "appraised": total("stage_appraised", 1), "granted": total("stage_appraised", 2),
              "published": total("stage_published", 1), "effective": total("stage_effective", 1),
              "lines": total("lines", 1), "line_amount": total("lines", 2), "precredit": total("lines", 3),
              "line_users": total("lines", 4), "loans": total("loans", 1), "borrowers": total("loans", 2),
              "outstanding": total("loans", 3), "overdue_loans": total("loans", 4),
              "overdue_amount": total("loans", 5), "par30_amount": total("loans", 6),
              "due": total("repayment", 1), "repaid": total("repayment", 2), "graced_due": total("repayment", 3),
              "graced_repaid": total("repayment", 4), "visits_scheduled": total("visits", 1),
              "visits_done": total("visits", 2), "breaches": total("breaches", 1),
              "complaints": total("complaints", 1), "complaints_open": total("complaints", 2),
              "complaints_overdue": total("complaints", 3)}
    for grade in range(1, 6):
        totals[f"grade_{grade}"] = total("grades", 2, grade)
    return totals


def core_totals(unit) -> dict:
    values = {name: getattr(unit, name) for name in (
        "roster", "archived", "granted", "lines", "line_amount", "precredit", "line_users", "loans", "borrowers",
        "outstanding", "overdue_loans", "overdue_amount", "par30_amount", "due", "repaid", "graced_due",
        "graced_repaid", "visits_scheduled", "visits_done", "breaches", "complaints", "complaints_open",
        "complaints_overdue")}
    for stage in ("surveyed", "computed", "appraised", "published", "effective"):
        values[stage] = unit.stages[stage]
    for grade in range(1, 6):
        values[f"grade_{grade}"] = unit.grades[grade]
    return values


def time_core(result: dict, scope, today: datetime.date, repeat: int, bare_rows: dict) -> None:
    from django.core.cache import cache
    from django.db import connection

    from sunshine_credit.scoping import activate
    from supervision.selectors import overview as core

    campaign = core.campaign_or_latest(scope=scope, pk=None)

    def figures():
        with activate(scope):
            return core.overview(scope=scope, level="county", campaign=campaign)

    if hasattr(core, "refresh_figures"):
        # the village figures are computed ahead (beat job) and kept: the computation is what the figures cost,
        # overview() then answers from the kept figures
        def compute():
            return core.refresh_figures(head_office_id=scope.head_office_id, campaign=campaign, today=today)
    else:
        compute = figures
    def cold_best(fn):
        """Best of `repeat` runs each from an empty cache (the core keeps figures and counts there)."""
        runs = []
        for _ in range(repeat):
            cache.clear()
            runs.append(measured(fn))
        return min(r[0] for r in runs), min(r[1] for r in runs), runs[-1][2]

    compute()  # warm-up
    wall, cpu, _kept = cold_best(compute)
    result["compute_ms"], result["compute_cpu_ms"] = ms(wall), ms(cpu)
    wall, cpu, page = best(repeat, figures)
    result["figures_ms"], result["figures_cpu_ms"] = ms(wall), ms(cpu)

    wall, cpu, _page = cold_best(figures)
    result["figures_cold_ms"], result["figures_cold_cpu_ms"] = ms(wall), ms(cpu)
    mismatches = {}
    core_values, bare_values = core_totals(page["unit"]), bare_totals(bare_rows)
    for name, value in core_values.items():
        if value != bare_values[name]:
            mismatches[name] = {"core": value, "bare": bare_values[name]}
    result["figures_checked"] = len(core_values)
    result["figures_mismatches"] = mismatches

    recorders = []

    def recorded():
        recorder = Recorder()
        cache.clear()
        with connection.execute_wrapper(recorder):
            compute()
            if compute is not figures:  # and what the page itself reads besides the kept figures
                figures()
        recorders.append(recorder)

    best_of(repeat, recorded)
    # each query of the core: its best over the runs, by position (the core runs the same queries each time)
    runs = [r.queries for r in recorders]
    queries = []
    for i, (sql, qparams, _s) in enumerate(runs[0]):
        fastest = min(run[i][2] for run in runs if len(run) > i)
        queries.append({"label": label_of(sql), "ms": round(fastest * 1000, 2), "sql": sql, "params": qparams})
    result["figures_queries"] = len(queries)
    result["figures_sql_ms"] = round(sum(q["ms"] for q in queries), 1)
    # each figure: the core's queries for it replayed as they were sent, interleaved with the bare statement
    # (the machine is shared: both see the same load), each the best of `repeat`
    by_label = {}
    for q in queries:
        by_label.setdefault(q["label"], []).append(q)
    params = bare_params_cache["params"]
    replay = {label: [] for label in by_label}
    bare = {label: [] for label in by_label if label in BARE}
    for _ in range(repeat):
        for label, items in by_label.items():
            replay[label].append(measured(lambda items=items: [run_sql(q["sql"], q["params"]) for q in items]))
            if label in bare:
                bare[label].append(measured(lambda label=label: run_bare(label, params)))
    rows = []
    for label, items in by_label.items():
        row = {"figure": label, "queries": len(items),
               "core_ms": ms(min(r[0] for r in replay[label])), "core_cpu_ms": ms(min(r[1] for r in replay[label]))}
        if label in bare:
            row.update(bare_ms=ms(min(r[0] for r in bare[label])), bare_cpu_ms=ms(min(r[1] for r in bare[label])))
            row["ratio"] = round(row["core_ms"] / row["bare_ms"], 2) if row["bare_ms"] else None
            row["cpu_ratio"] = round(row["core_cpu_ms"] / row["bare_cpu_ms"], 2) if row["bare_cpu_ms"] else None
        rows.append(row)
    result["per_figure"] = sorted(rows, key=lambda r: -r["core_ms"])
    slowest = max(queries, key=lambda q: q["ms"])
    result["slowest"] = {"label": slowest["label"], "ms": slowest["ms"], "sql": slowest["sql"],
                         "explain": explain(slowest["sql"], slowest["params"])}
    result["queries"] = [{k: v for k, v in q.items() if k != "params"} for q in queries]

    # the sources whose Python work counts too (rows fetched and handled one by one), end to end
    ids = tuple(sorted(scope.village_ids))
    sources = {"all villages' figures (_village_figures)": lambda: core._village_figures(scope, ids, campaign, today)}
    from credit_use.selectors import time_limits
    from post_loan.selectors.repayment_rate import rate_rows
    if hasattr(time_limits, "breach_counts"):  # the count the figures use, without the list's names
        sources["breaches (breach_counts)"] = lambda: time_limits.breach_counts(scope=scope, today=today)
    sources["breaches (time_limit_breaches, the list)"] = lambda: time_limits.time_limit_breaches(scope=scope,
                                                                                                   today=today)
    sources["repayment (rate_rows)"] = lambda: rate_rows(scope=scope, date_from=params["year_ago"], date_to=today,
                                                         today=today)
    if hasattr(core, "_stage_counts"):
        sources["stages (_stage_counts)"] = lambda: core._stage_counts(campaign, ids)
    end_to_end = {}
    with activate(scope):
        for name, fn in sources.items():
            wall, cpu, _rows = cold_best(fn)
            end_to_end[name] = {"ms": ms(wall), "cpu_ms": ms(cpu)}
    result["sources"] = end_to_end


bare_params_cache = {}


def verify_second_factor(client, user) -> None:
    """R9: a supervisor's session carries a verified TOTP device (as after entering a code), so that the page is
    served as in production, the device looked up on every request."""
    try:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice
    except ImportError:
        return
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or \
        TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def bench(info: dict, today: datetime.date, repeat: int, only: str = "all") -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import override_settings

    from sunshine_credit.scoping import scope_for_user

    result = {"today": today.isoformat(), "repeat": repeat}
    supervisor = get_user_model().objects.get(pk=info["supervisor"])
    scope = scope_for_user(supervisor)
    if only in ("all", "figures"):
        params = bare_params_cache["params"] = bare_params(info, today)
        bare = {name: best(repeat, lambda name=name: run_bare(name, params)) for name in BARE}
        result["bare"] = {name: {"ms": ms(wall), "cpu_ms": ms(cpu)} for name, (wall, cpu, _rows) in bare.items()}
        result["bare_sum_ms"] = round(sum(v["ms"] for v in result["bare"].values()), 1)
        result["bare_sum_cpu_ms"] = round(sum(v["cpu_ms"] for v in result["bare"].values()), 1)
        try:
            import supervision.selectors.overview  # noqa: F401
        except ImportError as error:
            result["core"] = f"not available: {error}"
        else:
            time_core(result, scope, today, repeat, {name: rows for name, (_w, _c, rows) in bare.items()})
    if only == "figures":
        return result

    client = Client()
    with override_settings(AXES_ENABLED=False):  # axes logs a login from a request; force_login has none
        client.force_login(supervisor)
    verify_second_factor(client, supervisor)
    with override_settings(STORAGES={"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                                     "staticfiles": {"BACKEND":
                                                     "django.contrib.staticfiles.storage.StaticFilesStorage"}}):
        try:
            first = client.get("/overview/")
        except Exception as error:  # the page is not ready (or broken): the figures are still measured
            result["page_status"] = f"{type(error).__name__}: {error}"
            return result
        result["page_status"] = first.status_code
        if first.status_code == 200:
            from django.db import connection
            recorder = Recorder()
            with connection.execute_wrapper(recorder):
                client.get("/overview/")
            result["page_queries"] = len(recorder.queries)
            result["page_sql_ms"] = round(sum(q[2] for q in recorder.queries) * 1000, 1)
            wall, cpu, response = best(repeat, lambda: client.get("/overview/"))
            result["page_ms"], result["page_cpu_ms"] = ms(wall), ms(cpu)
            from django.core.cache import cache
            cold = []
            for _ in range(repeat):  # nothing kept: the request computes the figures itself
                cache.clear()
                cold.append(measured(lambda: client.get("/overview/")))
            result["page_cold_ms"], result["page_cold_cpu_ms"] = ms(min(r[0] for r in cold)), \
                ms(min(r[1] for r in cold))
            client.get("/overview/")
            result["page_kb"] = round(len(response.content) / 1024, 1)
    return result


def report(result: dict) -> None:
    print(f"\nhead-office overview, {result['counts']['households']} households, "
          f"{result['counts']['drawdowns']} drawdowns, best of {result['repeat']}; wall ms (CPU ms: this process "
          f"+ its PostgreSQL backend, on a CPU):")
    if "page_ms" in result:
        print(f"  GET /overview/, figures kept: {result['page_ms']} ms ({result['page_cpu_ms']} CPU ms), "
              f"{result['page_queries']} queries ({result['page_sql_ms']} ms in SQL); target <= 200 ms")
        print(f"  GET /overview/, nothing kept: {result['page_cold_ms']} ms ({result['page_cold_cpu_ms']} CPU ms)")
    elif "page_status" in result:
        print(f"  GET /overview/: status {result['page_status']}")
    if "figures_ms" in result:
        print(f"  computing the village figures (refresh_figures): {result['compute_ms']} ms "
              f"({result['compute_cpu_ms']} CPU ms); its queries and the page's own: {result['figures_queries']}, "
              f"{result['figures_sql_ms']} ms in SQL")
        print(f"  overview(level='county'): figures kept {result['figures_ms']} ms ({result['figures_cpu_ms']} CPU "
              f"ms); nothing kept {result['figures_cold_ms']} ms ({result['figures_cold_cpu_ms']} CPU ms)")
        print(f"  {'figure (core queries replayed)':<34}{'n':>3}{'core':>9}{'bare':>9}{'ratio':>7}"
              f"{'core CPU':>10}{'bare CPU':>10}{'CPU ratio':>10}")
        for row in result["per_figure"]:
            print(f"  {row['figure']:<34}{row['queries']:>3}{row['core_ms']:>9}{row.get('bare_ms', '-'):>9}"
                  f"{row.get('ratio') or '-':>7}{row['core_cpu_ms']:>10}{row.get('bare_cpu_ms', '-'):>10}"
                  f"{row.get('cpu_ratio') or '-':>10}")
        print("  end to end (SQL + Python): " + "; ".join(f"{k} {v['ms']} ms ({v['cpu_ms']} CPU ms)"
                                                        for k, v in result["sources"].items()))
        print(f"  figures checked against the bare statements: {result['figures_checked']}, "
              f"mismatches: {result['figures_mismatches'] or 'none'}")
        print(f"  slowest query ({result['slowest']['label']}, {result['slowest']['ms']} ms):\n"
              f"{result['slowest']['explain']}")
    elif "bare" in result:
        print(f"  figures core: {result.get('core')}")
    if "bare" in result:
        print(f"  bare statements, all together: {result['bare_sum_ms']} ms ({result['bare_sum_cpu_ms']} CPU ms)")


def prepare(households: int, drawdowns: int, today: datetime.date) -> dict:
    from post_loan.services.classification import classify_all

    load_s, info = timed(lambda: load(households, drawdowns, today))
    classify_s, classified = timed(lambda: classify_all(today=today))
    from django.db import connection
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    info["counts"]["classified"] = classified["grades"]
    return {**info, "load_s": round(load_s, 2), "classify_s": round(classify_s, 2)}


def environment(url: str):
    """Production settings (DEBUG off) on the bench's database; the jobs inline."""
    os.environ["BENCH_DATABASE_URL"] = url
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ["SECURE_HSTS_SECONDS"] = "0"
    os.environ.setdefault("PUBLIC_BASE_URL", "https://bench.example.org")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # one connection for the whole run (as a production worker with persistent connections): its backend's CPU
    # time is read from /proc between runs
    os.environ["DB_CONN_MAX_AGE"] = "600"


def session(parallel: bool) -> None:
    """Serial plans unless --parallel: the CPU time then counts all the work (a parallel worker's is not this
    backend's), and a two-core server shared by a branch's users gains little from them."""
    from django.db import connection

    if not parallel:
        with connection.cursor() as cur:
            cur.execute("SET max_parallel_workers_per_gather = 0")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--drawdowns", type=int, default=None, help="disbursed drawdowns (default: as households)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="time a database kept by --keep, without loading")
    parser.add_argument("--only", choices=["all", "figures", "page"], default="all")
    parser.add_argument("--parallel", action="store_true", help="let PostgreSQL plan parallel workers (default off)")
    args = parser.parse_args()
    url = os.environ.get("BENCH_OVERVIEW_DATABASE_URL", DEFAULT_URL)
    environment(url)
    drawdowns = args.drawdowns if args.drawdowns is not None else args.households
    if args.reuse:
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sunshine_credit.settings")
        import django
        django.setup()
        from django.core.management import call_command
        call_command("migrate", verbosity=0)  # the code may have moved on since the database was kept
    else:
        from bench.limits import setup
        setup(url)
    from django.utils import timezone

    today = timezone.localdate()
    kept = OUT / f"overview-data-{url.rsplit('/', 1)[1]}.json"  # what --reuse needs to know of a kept database
    try:
        if args.reuse:
            info = json.loads(kept.read_text())
        else:
            info = prepare(args.households, drawdowns, today)
            if args.keep:
                OUT.mkdir(parents=True, exist_ok=True)
                kept.write_text(json.dumps(info, ensure_ascii=False))
        session(args.parallel)
        result = {**info, "parallel": args.parallel, **bench(info, today, args.repeat, args.only)}
    finally:
        if not args.keep and not args.reuse:
            from bench.limits import drop
            drop(url)
            kept.unlink(missing_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"bench": "overview", **result}, ensure_ascii=False, default=str)
    (OUT / "overview.json").write_text(text + "\n")  # with every query's SQL and the slowest one's plan
    brief = {k: v for k, v in result.items() if k not in ("queries", "slowest")}
    brief["slowest"] = {k: v for k, v in result.get("slowest", {}).items() if k in ("label", "ms")}
    print(json.dumps({"bench": "overview", **brief}, ensure_ascii=False, default=str))
    report(result)


if __name__ == "__main__":
    main()
