"""Where a load-test page's time goes: each page of the load test requested in-process (Django's test client, DEBUG
off, on sc_loadtest) as the user the load test logs in as, timed as wall time, SQL time and query count (best of
--repeat), with its slowest query's EXPLAIN ANALYZE and, with --profile, cProfile's top functions.

    .venv/bin/python bench/loadtest/pages.py [--repeat 5] [--profile] [--only dashboard]

Writes bench/out/loadtest-profile.json; prints a table. Run it with the stack stopped (it measures one request at a
time: the floor of each page, without queueing).
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
DATA = OUT / "loadtest-data.json"


class Recorder:
    def __init__(self):
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((time.perf_counter() - start, sql, params))


def pages(data: dict) -> list:
    """(name, username, path) of each page the load test requests."""
    rng = random.Random(3)
    officer = data["officers"][0]
    village = officer["villages"][0]
    household = rng.choice(village["households"])
    group = village["group_of"][str(household)]
    reviewer = data["reviewers"][0]
    president = data["presidents"][0]["username"]
    supervisor = data["supervisor"]
    campaign = data["campaign"]
    out = [
        ("list · village", officer["username"], f"/households/?village={village['village']}"),
        ("detail · household", officer["username"], f"/households/{household}/"),
        ("grid page · survey", officer["username"],
         f"/surveys/entry/{campaign}/{village['village']}/{group}/{village['respondents'][0]}/"),
        ("grid page · reviewer", reviewer["username"],
         f"/appraisal/my/{reviewer['panel']}/groups/{reviewer['group_of'][str(reviewer['households'][0])]}/"),
        ("reviewer page · seat", reviewer["username"], f"/appraisal/my/{reviewer['panel']}/"),
        ("approvals · inbox", president, "/approvals/"),
        ("list · branch", president, "/households/"),
        ("list · drawdowns", president, "/lines/drawdowns/"),
        ("dashboard · home (president)", president, "/"),
        ("dashboard · home (officer)", officer["username"], "/"),
        ("dashboard · home (supervisor)", supervisor, "/"),
        ("dashboard · overview", supervisor, "/overview/"),
        ("dashboard · branch", supervisor, f"/overview/branches/{data['branches'][0]}/"),
    ]
    return out


def search_pages(data: dict) -> list:
    officer = data["officers"][0]
    sample = officer["villages"][0]["search"][0]
    return [("search · ID number", officer["username"], sample[2]), ("search · name", officer["username"], sample[1]),
            ("search · household code", officer["username"], sample[0]),
            ("search · ID number (county)", data["supervisor"], data["county_search"][0][2])]


def saves(data: dict) -> list:
    """(name, username, path, body) of a survey-grid and a reviewer-grid save (the row's version follows)."""
    officer = data["officers"][-1]
    village = officer["villages"][-1]
    household, respondent = village["households"][-1], village["respondents"][-1]
    reviewer = data["reviewers"][-1]
    return [
        ("grid save", officer["username"],
         f"/surveys/entry/{data['campaign']}/{village['village']}/respondents/{respondent}/save/",
         {"household": household, "business_codes": "1", "members_away": "否", "total_assets": "90000",
          "total_liabilities": "20000", "net_income": "35000", "amount": "30000", "withhold_reasons": ""}),
        ("reviewer save", reviewer["username"], f"/appraisal/my/{reviewer['panel']}/save/",
         {"household": reviewer["households"][-1], "amount": "30000", "withhold_reasons": "", "rating": "2"}),
    ]


def saved_version(path: str, username: str, body: dict) -> int:
    """The version of the row a save writes, as saved now (a 409 does not tell it)."""
    from django_scopes import scopes_disabled

    from appraisal.models import Appraisal
    from surveys.models import Questionnaire

    parts = path.split("/")
    with scopes_disabled():
        if path.startswith("/appraisal/"):
            row = Appraisal.objects.filter(member__panel_id=int(parts[3]), member__reviewer__user__username=username,
                                           household_id=body["household"])
        else:
            row = Questionnaire.objects.filter(campaign_id=int(parts[3]), respondent_id=int(parts[6]),
                                               household_id=body["household"])
        return row.values_list("version", flat=True).first() or 0


def measure_save(client, username: str, path: str, body: dict, repeat: int) -> dict:
    from django.db import connection

    version, best = None, None
    for _ in range(repeat):
        if version is None:  # the row as it is now (an earlier run may have saved it)
            version = 0
        recorder = Recorder()
        with connection.execute_wrapper(recorder):
            start = time.perf_counter()
            response = client.post(path, json.dumps({**body, "version": version}), content_type="application/json",
                                   secure=True)
            wall = time.perf_counter() - start
        if response.status_code == 409:  # saved by an earlier run: take its version and measure from there
            version = saved_version(path, username, body)
            continue
        assert response.status_code == 200, (path, response.status_code, response.content[:200])
        version = response.json()["version"]
        sql = sum(q[0] for q in recorder.queries)
        if best is None or wall < best[0]:
            best = (wall, sql, len(recorder.queries))
    if best is None:
        return {"ms": None}
    return {"ms": round(best[0] * 1000, 1), "sql_ms": round(best[1] * 1000, 1),
            "python_ms": round((best[0] - best[1]) * 1000, 1), "queries": best[2], "slowest_sql_ms": 0}


def explain(sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cur.fetchall())


def measure(client, path: str, repeat: int, profile: bool, post: dict | None = None) -> dict:
    from django.db import connection

    best = None
    for _ in range(repeat):
        recorder = Recorder()
        with connection.execute_wrapper(recorder):
            start = time.perf_counter()
            if post is not None:
                response = client.post("/households/", post, secure=True)
                response = client.get(response["Location"], secure=True)
            else:
                response = client.get(path, secure=True)
            wall = time.perf_counter() - start
        assert response.status_code == 200, (path, response.status_code)
        sql = sum(q[0] for q in recorder.queries)
        if best is None or wall < best["wall"]:
            best = {"wall": wall, "sql": sql, "queries": len(recorder.queries), "recorded": recorder.queries}
    slowest = max(best.pop("recorded"), key=lambda q: q[0])
    result = {"ms": round(best["wall"] * 1000, 1), "sql_ms": round(best["sql"] * 1000, 1),
              "python_ms": round((best["wall"] - best["sql"]) * 1000, 1), "queries": best["queries"],
              "slowest_sql_ms": round(slowest[0] * 1000, 1), "slowest_sql": slowest[1][:2000]}
    try:
        result["slowest_plan"] = explain(slowest[1], slowest[2])
    except Exception as exc:  # noqa: BLE001  a statement EXPLAIN cannot take (SAVEPOINT …)
        result["slowest_plan"] = f"({exc})"
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        if post is not None:
            response = client.post("/households/", post, secure=True)
            client.get(response["Location"], secure=True)
        else:
            client.get(path, secure=True)
        profiler.disable()
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(25)
        result["profile"] = text.getvalue()
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    url = os.environ.get("LOADTEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sc_loadtest")
    from bench.loadtest.prepare import environment

    environment(url)
    os.environ["OTP_REQUIRED_ROLES"] = ""
    os.environ.pop("REDIS_URL", None)  # the overview's cached figures: computed in-process (locmem)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    data = json.loads(DATA.read_text())
    clients = {}

    def client_of(username):
        if username not in clients:
            clients[username] = Client()
            clients[username].force_login(get_user_model().objects.get(username=username))
        return clients[username]

    results = {}
    for name, username, path in pages(data):
        if args.only in name:
            results[name] = measure(client_of(username), path, args.repeat, args.profile)
    for name, username, term in search_pages(data):
        if args.only in name:
            results[name] = measure(client_of(username), "", args.repeat, args.profile, post={"q": term})
    for name, username, path, body in saves(data):
        if args.only in name:
            results[name] = measure_save(client_of(username), username, path, body, args.repeat + 2)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "loadtest-profile.json").write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n")
    print(f"{'page':<32}{'ms':>8}{'sql ms':>8}{'py ms':>8}{'queries':>8}{'slowest':>9}")
    for name, r in results.items():
        print(f"{name:<32}{r['ms']:>8}{r['sql_ms']:>8}{r['python_ms']:>8}{r['queries']:>8}{r['slowest_sql_ms']:>9}")


if __name__ == "__main__":
    main()
