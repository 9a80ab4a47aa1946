"""County-scale benchmark of the post-loan daily classification (issue 16, C6) on PostgreSQL.

A county of 10 branches × 30 villages with 100,000 disbursed drawdowns (default; --drawdowns N for a smaller run),
10 % of them overdue (1–500 days, every floor and ageing bucket), the rest not yet due.
`post_loan.services.classification.classify_all` — every RiskGrade row upserted (days overdue, floor, grade,
changed_on kept), the rows of loans out of the book deleted, each village's RiskSnapshot (outstanding by grade and
by ageing bucket) upserted — is timed against a bare SQL pass that computes the same classification and writes
the same rows into the same tables, in the same run, each the best of --repeat:

- first day (empty RiskGrade table): ours vs a bare INSERT … SELECT of the rows + a bare INSERT … SELECT of the
  villages' snapshots (json_build_object over one GROUP BY);
- next day (the table full from the day before, every row's as_of and days overdue move): ours vs a bare
  UPDATE … FROM of the rows + the bare snapshots of the day;
- a second run the same day (ours only: it writes no RiskGrade row).

The issue asks for at most 1.5× the bare pass.

    .venv/bin/python bench/post_loan.py [--drawdowns N] [--overdue 0.10] [--repeat 3] [--keep]

Creates and drops its own database: BENCH_POSTLOAN_DATABASE_URL, else DATABASE_URL when it names PostgreSQL, else
postgres://postgres@127.0.0.1:5432/sc_bench_cls.
"""

import argparse
import datetime
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sc_bench_cls"
TODAY = datetime.date(2027, 6, 1)


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def database_url() -> str:
    url = os.environ.get("BENCH_POSTLOAN_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else DEFAULT_URL


def columns(model, values: dict, now):
    """(field names, function values → row): every concrete column, the missing ones at their default."""
    import json as _json

    from django.db import models

    fields, constants = [], {}
    for field in model._meta.concrete_fields:
        if field.primary_key and field.name not in values:
            continue
        fields.append(field.name)
        if field.name in values:
            continue
        if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
            constants[field.name] = now
        elif field.has_default():
            value = field.get_default()
            constants[field.name] = _json.dumps(value) if isinstance(field, models.JSONField) else value
        elif field.null:
            constants[field.name] = None
        else:
            constants[field.name] = ""
    return fields, lambda row: tuple(row[name] if name in row else constants[name] for name in fields)


def load(drawdowns: int, overdue_share: float):
    """The org, a user, a campaign; one household, line and drawdown per loan, all through COPY."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.run import make_org
    from credit_use.models import CreditLine, Drawdown
    from households.models import Household
    from sunshine_credit.lib.bulk import bulk_insert
    from sunshine_credit.models import Village
    from surveys.models import Campaign

    rng = random.Random(16)
    office = make_org()
    user = get_user_model().objects.create(username="bench-officer")
    campaign = Campaign.objects.create(head_office=office, code="BENCH", name="基准批次",
                                       reference_date=datetime.date(2026, 11, 1), created_by=user)
    villages = list(Village.objects.order_by("id").values_list("id", flat=True))
    now = timezone.now()
    h_fields, h_row = columns(Household, {k: 0 for k in ("id", "head_office", "village", "code")}, now)
    l_fields, l_row = columns(CreditLine, {k: 0 for k in ("id", "head_office", "village", "household", "campaign",
                                                          "amount", "effective_on", "expires_on", "status")}, now)
    d_keys = ("id", "head_office", "village", "household", "line", "number", "loan_number", "amount", "purpose",
              "applied_on", "due_on", "annual_rate", "guarantee", "status", "principal_outstanding", "disbursed_at",
              "created_by")
    d_fields, d_row = columns(Drawdown, {k: 0 for k in d_keys}, now)
    homes, lines, loans = [], [], []
    for i in range(1, drawdowns + 1):
        village = villages[i % len(villages)]
        if rng.random() < overdue_share:
            due = TODAY - datetime.timedelta(days=rng.randint(1, 500))
        else:
            due = TODAY + datetime.timedelta(days=rng.randint(0, 300))
        amount = Decimal(rng.randrange(10, 100) * 1000)
        homes.append(h_row({"id": i, "head_office": office.id, "village": village, "code": f"H{i:07d}"}))
        lines.append(l_row({"id": i, "head_office": office.id, "village": village, "household": i,
                            "campaign": campaign.id, "amount": amount, "effective_on": due - datetime.timedelta(400),
                            "expires_on": due + datetime.timedelta(400), "status": "active"}))
        loans.append(d_row({"id": i, "head_office": office.id, "village": village, "household": i, "line": i,
                            "number": f"YX{i:08d}", "loan_number": f"JJ{i:08d}", "amount": amount, "purpose": "种植",
                            "applied_on": due - datetime.timedelta(days=365), "due_on": due,
                            "annual_rate": Decimal("0.0650"), "guarantee": "guarantors", "status": "disbursed",
                            "principal_outstanding": amount if rng.random() < 0.8 else amount / 2,
                            "disbursed_at": now, "created_by": user.id}))
    with transaction.atomic():
        bulk_insert(Household, h_fields, homes)
        bulk_insert(CreditLine, l_fields, lines)
        bulk_insert(Drawdown, d_fields, loans)
    with connection.cursor() as cur:
        for model in (Household, CreditLine, Drawdown):
            table = model._meta.db_table
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cur.execute("VACUUM ANALYZE")


BARE_DAYS = "(CAST(%(today)s AS date) - d.due_on)"
BARE_FLOOR = (f"CASE WHEN {BARE_DAYS} > 360 THEN 5 WHEN {BARE_DAYS} > 270 THEN 4 WHEN {BARE_DAYS} > 90 THEN 3 "
              f"WHEN {BARE_DAYS} > 0 THEN 2 ELSE 1 END")
BARE_INSERT = f"""
INSERT INTO post_loan_riskgrade (drawdown_id, village_id, as_of, overdue_days, "floor", manual, grade, changed_on)
SELECT d.id, d.village_id, %(today)s, GREATEST({BARE_DAYS}, 0), {BARE_FLOOR}, NULL, {BARE_FLOOR}, %(today)s
FROM credit_use_drawdown d WHERE d.status = 'disbursed' AND d.principal_outstanding > 0
"""
BARE_UPDATE = f"""
UPDATE post_loan_riskgrade r SET as_of = %(today)s, overdue_days = GREATEST({BARE_DAYS}, 0), "floor" = {BARE_FLOOR},
  grade = GREATEST({BARE_FLOOR}, COALESCE(r.manual, 0)),
  changed_on = CASE WHEN GREATEST({BARE_FLOOR}, COALESCE(r.manual, 0)) <> r.grade THEN %(today)s ELSE r.changed_on END
FROM credit_use_drawdown d WHERE d.id = r.drawdown_id
"""
_BUCKETS = [("current", "r.overdue_days = 0"), ("1_30", "r.overdue_days BETWEEN 1 AND 30"),
            ("31_90", "r.overdue_days BETWEEN 31 AND 90"), ("91_180", "r.overdue_days BETWEEN 91 AND 180"),
            ("181_360", "r.overdue_days BETWEEN 181 AND 360"), ("over_360", "r.overdue_days > 360")]


def _sum(condition: str) -> str:
    return f"to_char(COALESCE(sum(d.principal_outstanding) FILTER (WHERE {condition}), 0), 'FM999999999990.00')"


BARE_SNAPSHOTS = f"""
INSERT INTO post_loan_risksnapshot (village_id, "on", figures)
SELECT r.village_id, %(today)s, json_build_object(
  'outstanding', {_sum('true')}, 'loans', count(*),
  'grade', json_build_object({", ".join(f"'{g}', {_sum(f'r.grade = {g}')}" for g in range(1, 6))}),
  'grade_loans', json_build_object({", ".join(f"'{g}', count(*) FILTER (WHERE r.grade = {g})" for g in range(1, 6))}),
  'ageing', json_build_object({", ".join(f"'{key}', {_sum(cond)}" for key, cond in _BUCKETS)}),
  'par30', {_sum('r.overdue_days > 30')}, 'par90', {_sum('r.overdue_days > 90')})
FROM post_loan_riskgrade r JOIN credit_use_drawdown d ON d.id = r.drawdown_id
GROUP BY r.village_id
ON CONFLICT (village_id, "on") DO UPDATE SET figures = excluded.figures
"""


def bench(drawdowns: int, overdue_share: float, repeat: int) -> dict:
    from django.db import connection, transaction
    from django.db.models import Count
    from django_scopes import scopes_disabled

    from post_loan.models import RiskGrade, RiskSnapshot
    from post_loan.services.classification import classify_all

    load_s, _ = timed(lambda: load(drawdowns, overdue_share))
    next_day = TODAY + datetime.timedelta(days=1)

    def empty():
        with connection.cursor() as cur:
            cur.execute("TRUNCATE post_loan_riskgrade, post_loan_risksnapshot")
            cur.execute("VACUUM ANALYZE post_loan_riskgrade")

    def bare(*statements, today):
        with transaction.atomic(), connection.cursor() as cur:
            for sql in statements:
                cur.execute(sql, {"today": today})

    def ours(today):
        with scopes_disabled():
            return classify_all(today=today)

    times = {name: [] for name in ("bare_first", "ours_first", "bare_next", "ours_next")}
    for _ in range(repeat):
        empty()
        times["bare_first"].append(timed(lambda: bare(BARE_INSERT, BARE_SNAPSHOTS, today=TODAY))[0])
        times["bare_next"].append(timed(lambda: bare(BARE_UPDATE, BARE_SNAPSHOTS, today=next_day))[0])
        empty()
        seconds, first = timed(lambda: ours(TODAY))
        times["ours_first"].append(seconds)
        seconds, result = timed(lambda: ours(next_day))
        times["ours_next"].append(seconds)
    rerun_s, rerun = timed(lambda: ours(next_day))
    with scopes_disabled():
        loans = RiskGrade.objects.count()
        by_grade = dict(RiskGrade.objects.values_list("grade").annotate(n=Count("id")).order_by("grade"))
        snapshots = RiskSnapshot.objects.filter(on=next_day).count()
    assert loans == result["loans"] and rerun["written"] == 0, (loans, result, rerun)
    best = {name: min(values) for name, values in times.items()}
    return {"drawdowns": drawdowns, "overdue_share": overdue_share, "load_s": round(load_s, 2),
            **{f"{name}_s": round(value, 3) for name, value in best.items()},
            "ratio_first_day": round(best["ours_first"] / best["bare_first"], 2),
            "ratio_next_day": round(best["ours_next"] / best["bare_next"], 2),
            "rerun_same_day_s": round(rerun_s, 3), "loans_classified": loans, "by_grade": by_grade,
            "snapshots": snapshots, "first_counts": {k: v for k, v in first.items() if k != "grades"}}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--drawdowns", type=int, default=None)
    parser.add_argument("--households", type=int, default=None, help="as --drawdowns (make bench's BENCH_ARGS)")
    parser.add_argument("--overdue", type=float, default=0.10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    drawdowns = args.drawdowns or args.households or 100_000
    url = database_url()
    from bench.limits import drop, setup

    setup(url)
    try:
        result = bench(drawdowns, args.overdue, args.repeat)
    finally:
        if not args.keep:
            drop(url)
    print(json.dumps({"bench": "postloan_classification", **result}, ensure_ascii=False))
    print(f"classify_all over {result['drawdowns']} drawdowns: first day {result['ours_first_s']} s vs bare "
          f"{result['bare_first_s']} s = {result['ratio_first_day']}x; next day {result['ours_next_s']} s vs bare "
          f"{result['bare_next_s']} s = {result['ratio_next_day']}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
