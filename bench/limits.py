"""County-scale benchmark of the pre-credit computation (SPEC L7) on PostgreSQL.

100,000 households × 6 questionnaires (default): the whole-campaign computation
(`surveys.services.limits.limits_compute_run`: every LimitResult field, inputs included, upserted into
the real table with its constraints) against its floors, measured in the same run and with the same
session settings (jit off, work_mem 256 MB, as the computation sets them), each the best of --repeat:

- same_results: ONE bare statement that computes every LimitResult column (the computation's own
  SELECT) and stores it into a plain table (no index, no foreign key, no upsert);
- bare: the textbook trimmed mean (sort, drop first and last, average), floored, into (household, amount);
- bare_minmax: the fastest trimmed mean found (sum − min − max), likewise.

The computation is timed on one connection (LIMITS_COMPUTE_WORKERS=1), on the default two, and with
progress chunks as the job runs it; then a second run over unchanged data (writes nothing).

    .venv/bin/python bench/limits.py [--households N] [--repeat 3]

Creates and drops its own database `sunshine_bench_limits` (BENCH_LIMITS_DATABASE_URL to change it).
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

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sunshine_bench_limits"

BARE_SQL = """
INSERT INTO bench_bare_result (household_id, amount)
SELECT household_id, floor(avg(amount) / 1000) * 1000
FROM (SELECT household_id, amount,
             row_number() OVER (PARTITION BY household_id ORDER BY amount) AS rn,
             count(*) OVER (PARTITION BY household_id) AS n
      FROM surveys_questionnaire WHERE campaign_id = %s) t
WHERE rn > 1 AND rn < n
GROUP BY household_id
"""
BARE_MINMAX_SQL = """
INSERT INTO bench_bare_result (household_id, amount)
SELECT household_id, floor((sum(amount) - min(amount) - max(amount)) / (count(*) - 2) / 1000) * 1000
FROM surveys_questionnaire WHERE campaign_id = %s
GROUP BY household_id
"""


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def setup(url: str):
    os.environ["BENCH_DATABASE_URL"] = url
    from bench.run import setup_django

    setup_django("postgres")


def drop(url: str):
    from django.db import connections

    connections.close_all()
    import psycopg2

    base = url.rsplit("/", 1)
    conn = psycopg2.connect(base[0] + "/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS " + base[1])
    conn.close()


def load(households: int):
    """Org (10 branches × 30 villages), households with their head as representative, 8 respondents per
    village, 6 questionnaires per household (about 3 % with a withhold reason), all through COPY."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.run import make_org
    from households.models import Household, Member
    from sunshine_credit.lib.bulk import bulk_insert
    from sunshine_credit.models import Village
    from surveys.models import Campaign, Questionnaire, Respondent

    rng = random.Random(11)
    office = make_org()
    user = get_user_model().objects.create(username="bench")
    campaign = Campaign.objects.create(head_office=office, code="BENCH", name="基准批次",
                                       reference_date=datetime.date(2026, 11, 1), created_by=user)
    villages = list(Village.objects.order_by("id").values_list("id", flat=True))
    now = timezone.now()
    with transaction.atomic():
        bulk_insert(Respondent, ["id", "village", "code", "name", "kind", "phone", "active"],
                    [(v * 8 + i + 1, v, f"R{i + 1:02d}", "", "other", "", True)
                     for v in villages for i in range(8)])
        household_rows, member_rows, questionnaire_rows = [], [], []
        for h in range(1, households + 1):
            village = villages[h % len(villages)]
            birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randint(0, 21000))
            household_rows.append((h, office.id, village, f"H{h:07d}", "farmer", "archived", "", "", 1, now, now, "",
                                   "", None, True, h))
            member_rows.append((h, office.id, h, f"户主{h}", f"X{h:017d}", "户主", "M", birth, False, ""))
            for i in rng.sample(range(8), 6):
                amount = Decimal(rng.randrange(10, 300) * 1000 + rng.choice((0, 0, 0, 500)))
                reasons = f"[{rng.randint(1, 9)}]" if rng.random() < 0.005 else "[]"
                questionnaire_rows.append((campaign.id, h, village * 8 + i + 1, "[]", False, amount,
                                           Decimal(rng.randrange(20, 200) * 1000), reasons, user.id,
                                           datetime.date(2026, 11, 2), now, now, 1))
        bulk_insert(Household, ["id", "head_office", "village", "code", "category", "archive_status", "exclusion",
                                "exclusion_note", "version", "created_at", "updated_at", "address", "phone",
                                "land_area", "publicity_consent", "representative"], household_rows)
        bulk_insert(Member, ["id", "head_office", "household", "name", "id_number", "relation", "sex", "birth_date",
                             "works_away", "phone"], member_rows)
        bulk_insert(Questionnaire, ["campaign", "household", "respondent", "business_codes", "members_away",
                                    "amount", "net_income", "withhold_reasons", "surveyor", "surveyed_on",
                                    "created_at", "updated_at", "version"], questionnaire_rows)
    with connection.cursor() as cur:
        for table in ("households_household", "households_member", "surveys_respondent", "surveys_questionnaire"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cur.execute("CREATE TABLE bench_bare_result (household_id integer PRIMARY KEY, amount numeric(14, 2))")
        cur.execute("VACUUM ANALYZE")
    return office, campaign, len(questionnaire_rows)


def bench(households: int, repeat: int) -> dict:
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from sunshine_credit.models import Role, StaffProfile
    from sunshine_credit.scoping import activate, scope_for_profile
    from surveys.models import LimitResult
    from surveys.services.limits import compute_params, limits_compute_run, select_sql, session_settings

    load_s, (office, campaign, questionnaires) = timed(lambda: load(households))
    scope = scope_for_profile(StaffProfile(role=Role.ADMIN, head_office=office))

    def empty(table):
        with connection.cursor() as cur:
            cur.execute(f"TRUNCATE {table}")
            cur.execute(f"VACUUM ANALYZE {table}")

    def bare(sql):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET LOCAL jit = off")
            cur.execute("SET LOCAL work_mem = '256MB'")
            cur.execute(sql, [campaign.id])
            return cur.rowcount

    def ours(workers, progress=None):
        settings.LIMITS_COMPUTE_WORKERS = workers
        with activate(scope):
            return limits_compute_run(scope=scope, campaign=campaign, progress=progress)

    def same_results():
        """The bare statement that computes every LimitResult column, stored into a plain table."""
        with transaction.atomic(), connection.cursor() as cur:
            session_settings(cur)
            cur.execute("DROP TABLE IF EXISTS bench_same_result")
            cur.execute("CREATE TABLE bench_same_result AS " + select_sql("postgresql"),
                        compute_params(campaign, timezone.now()))
            return cur.rowcount

    times = {"bare": [], "bare_minmax": [], "same_results": [], "one": [], "two": [], "chunked": []}
    for _ in range(repeat):
        for name, sql in (("bare", BARE_SQL), ("bare_minmax", BARE_MINMAX_SQL)):
            empty("bench_bare_result")
            seconds, rows = timed(lambda sql=sql: bare(sql))
            times[name].append(seconds)
        times["same_results"].append(timed(same_results)[0])
        for name, run in (("one", lambda: ours(1)), ("two", lambda: ours(2)),
                          ("chunked", lambda: ours(2, progress=lambda percent: None))):
            empty("surveys_limitresult")
            seconds, result = timed(run)
            times[name].append(seconds)
    again_s, again = timed(lambda: ours(2))  # a second run over unchanged data: nothing is rewritten (L7)
    with scopes_disabled():
        assert LimitResult.objects.filter(campaign=campaign).count() == households
        with connection.cursor() as cur:  # the two agree on every granted household
            cur.execute("SELECT count(*) FROM surveys_limitresult r JOIN bench_bare_result b USING (household_id) "
                        "WHERE r.status = 'granted' AND r.amount <> b.amount")
            assert cur.fetchone()[0] == 0
    assert again["written"] == 0, again
    best = {name: min(values) for name, values in times.items()}
    return {"households": households, "questionnaires": questionnaires, "load_s": round(load_s, 2),
            **{f"{name}_s": round(value, 3) for name, value in best.items()},
            "ratio_one_connection": round(best["one"] / best["bare"], 2),
            "ratio_two_connections": round(best["two"] / best["bare"], 2),
            "ratio_chunked_job": round(best["chunked"] / best["bare"], 2),
            "ratio_two_vs_minmax_floor": round(best["two"] / best["bare_minmax"], 2),
            "ratio_two_vs_same_results": round(best["two"] / best["same_results"], 2),
            "ratio_one_vs_same_results": round(best["one"] / best["same_results"], 2),
            "rerun_unchanged_s": round(again_s, 3), "counts": result["counts"], "bare_rows": rows}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    url = os.environ.get("BENCH_LIMITS_DATABASE_URL", DEFAULT_URL)
    setup(url)
    try:
        result = bench(args.households, args.repeat)
    finally:
        if not args.keep:
            drop(url)
    print(json.dumps({"bench": "compute_limits", **result}, ensure_ascii=False))


if __name__ == "__main__":
    main()
