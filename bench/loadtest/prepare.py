"""The load test's county (issue 18 item 2): `sc_loadtest` on PostgreSQL, built by bench/overview.py's generator
(10 branches × 30 villages, 100,000 households, a campaign in every stage, 100,000 drawdowns, post-loan, complaints)
plus what a load test needs on top of it:

- the other members of every household (COPY; about 409,500 members in all, as the county of the issue's baseline),
  with names and ID numbers an officer can search by;
- staff with known passwords (LOADTEST_PASSWORD): per load-test branch officers with 包片 villages, the president;
  a supervisor; reviewers seated on open panels;
- an open campaign (LT) with respondent draws in the officers' villages (the survey grid's saves create its
  questionnaires, so every row it holds was written by the load test);
- open panels with a round in a few villages of the LT campaign, each with reviewers seated (the reviewer grid's saves).

    .venv/bin/python bench/loadtest/prepare.py [--households 100000] [--reuse] [--json]

Without --reuse the database is dropped and built again (a few minutes); --reuse keeps the county and only (re)does
the load test's own part (its campaign, panels, users: deleted and made again, so a run starts from empty grids).
Prints what it made; bench/out/loadtest-data.json keeps it for run.py and locustfile.py.
"""

import argparse
import datetime
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
DATA = OUT / "loadtest-data.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sc_loadtest"
PASSWORD = os.environ.get("LOADTEST_PASSWORD", "Loadtest-2026-pass")
MEMBERS_TOTAL = 409_500          # the baseline county's members (issue 18): heads plus the others
LT_BRANCHES = 2                  # branches whose staff the load test logs in as
LT_OFFICERS = 3                  # officers per load-test branch, each with LT_VILLAGES villages
LT_VILLAGES = 2
LT_PANELS = 4                    # open panels (one village each) with a round and seated reviewers
LT_SEATS = 3                     # reviewers per panel

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国红梅文海燕志波宇飞鹏辉林斌"
RELATIONS = ("配偶", "子", "女", "父", "母", "孙子", "孙女")


def environment(url: str) -> None:
    """Production settings as bench/overview.py sets them, on the load test's database."""
    from bench.overview import environment as overview_environment

    overview_environment(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sunshine_credit.settings")


def id_number(n: int, birth: datetime.date, sex: str) -> str:
    """A valid 18-digit resident ID (GB 11643 check digit) for member n."""
    seq = n % 1000
    if (seq % 2 == 1) != (sex == "M"):
        seq = (seq + 1) % 1000
    body = f"411522{birth:%Y%m%d}{seq:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    return body + check


def add_members(total: int) -> dict:
    """COPY the other members of every household up to `total` members in all (spouse, children, parents…), each
    with a name and a valid ID number unique in the county; the heads get real names and IDs too."""
    from django.db import connection, transaction
    from django.utils import timezone
    from psycopg2.extras import execute_values

    from bench.overview import Table
    from households.models import Member

    started = time.perf_counter()
    rng = random.Random(18)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*), max(id) FROM households_member")
        have, last_id = cur.fetchone()
        cur.execute("SELECT id, head_office_id FROM households_household ORDER BY id")
        households = cur.fetchall()
    if have >= total:
        return {"members": have, "added": 0}
    extra = total - have
    per = extra / len(households)
    now = timezone.now()
    T = Table(Member, ("id", "head_office", "household", "name", "id_number", "relation", "sex", "birth_date",
                       "phone"), now)
    used, next_id, added = set(), last_id + 1, 0
    heads = []  # (member id = household id, name, id number)

    def unique_id(birth, sex):
        n = rng.randrange(10**6)
        while True:
            value = id_number(n, birth, sex)
            if value not in used:
                used.add(value)
                return value
            n += 1

    carry = 0.0
    for h, office in households:
        birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randint(0, 18000))
        heads.append((h, rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)), unique_id(birth, "M"), birth))
        carry += per
        k = int(carry)
        carry -= k
        for _ in range(k):
            sex = rng.choice("MF")
            birth = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randint(0, 27000))
            T.add(next_id, office, h, rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2)))),
                  unique_id(birth, sex), rng.choice(RELATIONS), sex, birth, "")
            next_id += 1
            added += 1
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cur.fetchone()[0]:
                cur.execute("SET LOCAL session_replication_role = replica")
            T.copy()
            # the heads' placeholder names and IDs become real ones (searchable as an officer would type them)
            cur.execute("CREATE TEMP TABLE lt_heads (id bigint, name text, id_number text, birth date) ON COMMIT DROP")
            execute_values(cur.cursor, "INSERT INTO lt_heads VALUES %s", heads, page_size=5000)
            cur.execute("UPDATE households_member m SET name = t.name, id_number = t.id_number, birth_date = t.birth "
                        "FROM lt_heads t WHERE m.id = t.id")
            cur.execute("SELECT setval(pg_get_serial_sequence('households_member', 'id'), "
                        "(SELECT max(id) FROM households_member))")
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE households_member")
        cur.execute("SELECT count(*) FROM households_member")
        members = cur.fetchone()[0]
    return {"members": members, "added": added, "members_s": round(time.perf_counter() - started, 1)}


def build(households: int, drawdowns: int) -> dict:
    from bench.limits import setup
    from bench.overview import prepare as overview_prepare

    setup(os.environ["DATABASE_URL"])
    from django.utils import timezone

    info = overview_prepare(households, drawdowns, timezone.localdate())
    info["members"] = add_members(round(MEMBERS_TOTAL * households / 100_000))
    return info


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--drawdowns", type=int, default=None)
    parser.add_argument("--reuse", action="store_true", help="keep the county, redo the load test's own part")
    args = parser.parse_args()
    url = os.environ.get("LOADTEST_DATABASE_URL", DEFAULT_URL)
    environment(url)
    if args.reuse:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        county = json.loads(DATA.read_text())["county"]
    else:
        county = build(args.households, args.drawdowns if args.drawdowns is not None else args.households)
        OUT.mkdir(parents=True, exist_ok=True)
        DATA.write_text(json.dumps({"county": county}, ensure_ascii=False, default=str))
    from bench.loadtest.staff import make_staff

    data = {"county": county, "database": url.rsplit("/", 1)[1], **make_staff(county, PASSWORD)}
    DATA.write_text(json.dumps(data, ensure_ascii=False, default=str, indent=1))
    print(json.dumps({k: v for k, v in data.items() if k not in ("officers", "reviewers", "presidents", "county_search")},
                     ensure_ascii=False, default=str, indent=1))
    print(f"users: {len(data['officers'])} officers, {len(data['presidents'])} presidents, 1 supervisor, "
          f"{len(data['reviewers'])} reviewer seats; password in LOADTEST_PASSWORD (default {PASSWORD!r})")


if __name__ == "__main__":
    main()
