"""County-scale benchmarks (`make bench`). Absolute times on these machines are noisy: read the ratios.

Roster import (issue: foundation): import_roster of a county roster (default 100,000 households,
about 400,000 members) against its floor, measured in the same run: the fastest bare read of the
same workbook (python-calamine) plus a bare COPY of the same household and member rows.

    python bench/run.py [--households N] [--db postgres|sqlite|both]
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def setup_django(db: str):
    if db == "postgres":
        url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sunshine_bench")
        import psycopg2
        base = url.rsplit("/", 1)
        conn = psycopg2.connect(base[0] + "/postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("DROP DATABASE IF EXISTS " + base[1])
            cur.execute("CREATE DATABASE " + base[1])
        conn.close()
    else:
        path = OUT / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    # A county roster is larger than the 20 MB default upload limit (R6); the bank's IT staff raise it.
    os.environ.setdefault("UPLOAD_MAX_BYTES", str(200 * 2**20))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sunshine_credit.settings")
    import django
    django.setup()
    from django.core.management import call_command
    call_command("migrate", verbosity=0)


def make_org():
    from bench.roster import org_codes
    from sunshine_credit.models import Branch, HeadOffice, Village

    office = HeadOffice.objects.create(code="HQ", name="基准农商行")
    for branch_code, village_codes in org_codes():
        branch = Branch.objects.create(head_office=office, code=branch_code, name=branch_code, approval_authority=300000)
        Village.objects.bulk_create(Village(branch=branch, code=c, name=c + "村") for c in village_codes)
    return office


def floor_copy(rows, office) -> float:
    """The bare cost of putting the same rows in the same tables: one COPY (or executemany) per table."""
    from django.db import connection, transaction
    from django.utils import timezone
    from stdnum.cn import ric

    from households.models import Household, Member
    from sunshine_credit.lib.bulk import bulk_insert
    from sunshine_credit.models import Village

    villages = dict(Village.objects.values_list("code", "id"))
    now = timezone.now()
    households, members, seen = [], [], {}
    for r in rows:
        if r[4] not in seen:
            seen[r[4]] = len(seen) + 1
            households.append((seen[r[4]], office.id, villages[r[1]], r[4], "farmer", "roster", "", "", 1, now, now,
                               r[8], r[9] or "", r[10], r[11] == "是"))
        members.append((office.id, seen[r[4]], r[5], r[6], r[7], "M", ric.get_birth_date(r[6]), False, r[9] or ""))
    hfields = ["id", "head_office", "village", "code", "category", "archive_status", "exclusion", "exclusion_note",
               "version", "created_at", "updated_at", "address", "phone", "land_area", "publicity_consent"]
    mfields = ["head_office", "household", "name", "id_number", "relation", "sex", "birth_date", "works_away", "phone"]

    def copy():
        with transaction.atomic():
            bulk_insert(Household, hfields, households)
            bulk_insert(Member, mfields, members)

    seconds, _ = timed(copy)
    with connection.cursor() as cur:
        for model in (Member, Household):
            cur.execute(f"DELETE FROM {model._meta.db_table}")
    return seconds


def bench_import(db: str, households: int) -> dict:
    from bench.roster import write_roster

    setup_django(db)
    path = write_roster(OUT / f"roster-{households}.xlsx", households)
    from django.core.management import call_command
    from django_scopes import scopes_disabled
    from python_calamine import CalamineWorkbook

    office = make_org()
    read_s, rows = timed(lambda: CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python())
    rows = rows[1:]
    with scopes_disabled():
        copy_s = floor_copy(rows, office)

    def run_import():
        from io import StringIO
        out = StringIO()
        try:
            call_command("import_roster", str(path), "--json", stdout=out)
        except SystemExit:
            sys.exit(f"import_roster refused the roster: {out.getvalue()[:2000]}")
        return json.loads(out.getvalue())

    import_s, result = timed(run_import)
    again_s, again = timed(run_import)
    assert result["ok"] and result["summary"]["members_created"] == len(rows), result.get("errors", [])[:3]
    assert not any(v for k, v in again["summary"].items() if k.endswith(("created", "updated")))
    floor = read_s + copy_s
    return {"db": db, "households": result["summary"]["households_created"], "members": len(rows),
            "file_mb": round(path.stat().st_size / 2**20, 1), "read_s": round(read_s, 2), "copy_s": round(copy_s, 2),
            "floor_s": round(floor, 2), "import_s": round(import_s, 2), "ratio": round(import_s / floor, 2),
            "reimport_s": round(again_s, 2), "reimport_ratio": round(again_s / floor, 2)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--db", choices=["postgres", "sqlite", "both"], default="both")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    dbs = ["postgres", "sqlite"] if args.db == "both" else [args.db]
    if len(dbs) > 1:  # one Django setup per process: run each database in its own interpreter
        import subprocess
        for db in dbs:
            subprocess.run([sys.executable, __file__, "--households", str(args.households), "--db", db], check=True)
        return
    result = bench_import(dbs[0], args.households)
    print(json.dumps({"bench": "import_roster", **result}, ensure_ascii=False))
    print(f"import_roster on {result['db']}: {result['import_s']} s for {result['members']} rows; floor "
          f"(calamine read {result['read_s']} s + bare COPY {result['copy_s']} s) = {result['floor_s']} s; "
          f"ratio {result['ratio']}x (target <= 3x); re-import {result['reimport_ratio']}x")


if __name__ == "__main__":
    main()
