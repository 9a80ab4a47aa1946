"""County-scale benchmark of closing appraisal rounds (SPEC A3, A5, A6) on PostgreSQL.

100,000 households (default) in 300 villages, one open standard panel per village (5 reviewers),
every reviewer's entry for every household (500,000 entries), existing loans on 10 % of the households
and a blacklist. Every panel's round is closed as an officer closes it (`round_close`: the computed
result and median rating of each household written as Decision rows, then the pre-check), against
the floor measured in the same run: reading the same entries, loans and blacklist with one bare query
each and COPYing as many rows of the same width into a plain table.

    .venv/bin/python bench/appraisal.py [--households N]

Creates and drops its own database `sunshine_bench_appraisal` (BENCH_APPRAISAL_DATABASE_URL to change it).
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

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sunshine_bench_appraisal"


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def load(households: int):
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from appraisal.models import Appraisal, Panel, PanelMember, Reviewer
    from bench.run import make_org
    from households.models import ExistingLoan, Household, Member
    from sunshine_credit.lib.bulk import bulk_insert
    from sunshine_credit.models import BlacklistEntry, Role, StaffProfile, Village
    from surveys.models import Campaign

    rng = random.Random(7)
    office = make_org()
    user = get_user_model().objects.create(username="bench")
    campaign = Campaign.objects.create(head_office=office, code="BENCH", name="基准批次",
                                       reference_date=datetime.date(2026, 11, 1), created_by=user)
    villages = list(Village.objects.select_related("branch").order_by("id"))
    officer = get_user_model().objects.create(username="officer")
    StaffProfile.objects.create(user=officer, role=Role.ADMIN, head_office=office)
    now = timezone.now()
    with transaction.atomic():
        panels, seats = {}, {}
        for village in villages:
            panels[village.id] = Panel.objects.create(campaign=campaign, village=village, status=Panel.Status.OPEN,
                                                      unit_name=f"{village.name}评议小组")
            reviewers = Reviewer.objects.bulk_create([
                Reviewer(head_office=office, branch=village.branch, name=f"评议员{i}", kind="villager")
                for i in range(1, 6)])
            seats[village.id] = PanelMember.objects.bulk_create([
                PanelMember(panel=panels[village.id], reviewer=r, seat=i) for i, r in enumerate(reviewers, 1)])
        household_rows, member_rows, entry_rows, loan_rows, black_rows = [], [], [], [], []
        for h in range(1, households + 1):
            village = villages[h % len(villages)]
            birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randint(0, 21000))
            household_rows.append((h, office.id, village.id, f"H{h:07d}", "farmer", "archived", "", "", 1, now, now,
                                   "", "", None, True, h))
            member_rows.append((h, office.id, h, f"户主{h}", f"X{h:017d}", "户主", "M", birth, False, ""))
            for seat in seats[village.id]:
                withheld = rng.random() < 0.01
                amount = None if withheld else Decimal(rng.randrange(10, 300) * 1000)
                entry_rows.append((panels[village.id].id, seat.id, h, amount, "[2]" if withheld else "[]",
                                   rng.randint(1, 4), "web", user.id, now, 1))
            if rng.random() < 0.1:
                loan_rows.append((h, f"L{h:08d}", Decimal(50000), Decimal(rng.choice((0, 20000))),
                                  rng.choice(("正常", "正常", "次级")), rng.random() < 0.05, False,
                                  rng.random() < 0.02, rng.random() < 0.02, False, False))
            if rng.random() < 0.005:
                black_rows.append((office.id, f"X{h:017d}", "", "恶意逃废债", "", True, now))
        bulk_insert(Household, ["id", "head_office", "village", "code", "category", "archive_status", "exclusion",
                                "exclusion_note", "version", "created_at", "updated_at", "address", "phone",
                                "land_area", "publicity_consent", "representative"], household_rows)
        bulk_insert(Member, ["id", "head_office", "household", "name", "id_number", "relation", "sex", "birth_date",
                             "works_away", "phone"], member_rows)
        bulk_insert(Appraisal, ["panel", "member", "household", "amount", "withhold_reasons", "rating", "source",
                                "entered_by", "entered_at", "version"], entry_rows)
        bulk_insert(ExistingLoan, ["member", "loan_number", "amount", "balance", "classification", "written_off",
                                   "replaced", "repaid_by_guarantor", "recovered_by_lawsuit", "as_guarantor",
                                   "guarantee_defaulted"], loan_rows)
        bulk_insert(BlacklistEntry, ["head_office", "id_number", "name", "reason", "source", "active", "created_at"],
                    black_rows)
    with connection.cursor() as cur:
        for table in ("households_household", "households_member"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cur.execute("CREATE TABLE bench_floor (household_id integer, panel_id integer, status varchar(10), "
                    "amount numeric(14, 2), rating smallint, inputs jsonb, ratings jsonb, flags jsonb)")
        cur.execute("VACUUM ANALYZE")
    return office, campaign, officer, list(panels.values()), len(entry_rows)


def floor(campaign) -> float:
    """The bare cost: read every entry, loan and blacklist row once, COPY one row per household."""
    from django.db import connection, transaction

    from sunshine_credit.lib.bulk import _copy_text

    def run():
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SELECT panel_id, household_id, member_id, amount, withhold_reasons, rating "
                        "FROM appraisal_appraisal")
            entries = cur.fetchall()
            cur.execute("SELECT m.household_id, l.* FROM households_existingloan l "
                        "JOIN households_member m ON m.id = l.member_id")
            cur.fetchall()
            cur.execute("SELECT id_number FROM sunshine_credit_blacklistentry WHERE active")
            cur.fetchall()
            rows = {}
            for panel_id, household_id, member_id, amount, _reasons, rating in entries:
                rows.setdefault(household_id, [panel_id, [], []])
                rows[household_id][1].append([member_id, amount and int(amount * 100)])
                rows[household_id][2].append([member_id, rating])
            import io
            buffer = io.StringIO()
            for household_id, (panel_id, inputs, ratings) in rows.items():
                buffer.write("\t".join(_copy_text(v) for v in (household_id, panel_id, "granted", 1000, 2,
                                                               json.dumps(inputs), json.dumps(ratings), "[]")) + "\n")
            buffer.seek(0)
            cur.cursor.copy_expert("COPY bench_floor FROM STDIN", buffer)
            cur.execute("TRUNCATE bench_floor")
    return timed(run)[0]


def bench(households: int) -> dict:
    from django.db import connection

    from appraisal.models import Decision, PreCheckHit
    from appraisal.services.panels import round_close
    from sunshine_credit.scoping import scope_for_user

    load_s, (_office, campaign, officer, panels, entries) = timed(lambda: load(households))
    floor_s = min(floor(campaign) for _ in range(2))
    scope = scope_for_user(officer)
    queries_before = len(connection.queries)

    def close_all():
        for panel in panels:
            panel.refresh_from_db(fields=["version"])
            round_close(scope=scope, actor=officer, panel_id=panel.pk, version=panel.version)

    close_s, _ = timed(close_all)
    from django_scopes import scopes_disabled
    with scopes_disabled():
        decisions, hits = Decision.objects.count(), PreCheckHit.objects.count()
    return {"households": households, "panels": len(panels), "entries": entries, "load_s": round(load_s, 2),
            "floor_s": round(floor_s, 3), "close_all_s": round(close_s, 3),
            "ratio_close_vs_floor": round(close_s / floor_s, 2), "per_panel_ms": round(close_s / len(panels) * 1000, 1),
            "decisions": decisions, "precheck_hits": hits, "queries": len(connection.queries) - queries_before}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    url = os.environ.get("BENCH_APPRAISAL_DATABASE_URL", DEFAULT_URL)
    from bench.limits import drop, setup

    setup(url)
    try:
        result = bench(args.households)
    finally:
        if not args.keep:
            drop(url)
    print(json.dumps({"bench": "appraisal_close", **result}, ensure_ascii=False))


if __name__ == "__main__":
    main()
