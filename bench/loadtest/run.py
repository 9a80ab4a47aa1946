"""Issue 18 item 2: the load test (`make loadtest`).

1. The county `sc_loadtest` (bench/loadtest/prepare.py): built when missing (or with --rebuild), otherwise kept and its
   load-test part reset (--reuse), so the grids start empty.
2. The production stack on 127.0.0.1: the Procfile's three commands, each started here (gunicorn with the project's
   gunicorn.conf.py, one Celery worker, beat with its own schedule file), DEBUG off, on its own Redis database;
   OTP_REQUIRED_ROLES is empty (the load test's supervisor logs in with a password alone: the second factor is off
   for this run only). Waits for /healthz.
3. locust headless (bench/loadtest/locustfile.py): LOADTEST_USERS (50) users, LOADTEST_SPAWN_RATE (10) a second,
   for LOADTEST_TIME (5m), against http://127.0.0.1:LOADTEST_PORT; LOADTEST_HOST must be a loopback address.
4. The percentiles per request kind (from every request's time), req/s, errors; the rows the saves wrote counted in
   the database against the saves answered OK (sum of the rows' versions: each OK save adds one); CPU used.
5. Stops what it started; writes bench/out/loadtest.json (and locust's CSVs bench/out/loadtest_*.csv) and prints
   a table.

    .venv/bin/python bench/loadtest/run.py [--rebuild] [--users 50] [--time 5m] [--no-stack]
"""

import argparse
import ipaddress
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
VAR = ROOT / "var" / "loadtest"
BIN = ROOT / ".venv" / "bin"
DATA = OUT / "loadtest-data.json"

# Targets of issue 18 item 2 (p95, ms) by request kind; the 10× throughput goal over the 13 req/s baseline.
TARGETS = {"list": 50, "search": 50, "detail": 50, "grid page": 50, "grid save": 50, "reviewer page": 50,
           "reviewer save": 50, "approvals": 50, "dashboard": 200}
BASELINE_RPS = 13
SAVES = {"grid save": "survey", "reviewer save": "review"}


def loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def database_exists(url: str) -> bool:
    import psycopg2

    base, name = url.rsplit("/", 1)
    conn = psycopg2.connect(base + "/postgres")
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cur.fetchone() is not None
    finally:
        conn.close()


def stack_env(url: str, port: int, host: str) -> dict:
    env = dict(os.environ)
    env.update({
        "PATH": f"{BIN}:{env.get('PATH', '')}", "DEBUG": "false", "DATABASE_URL": url,
        "REDIS_URL": os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/11"),
        "SECRET_KEY": os.environ.get("LOADTEST_SECRET_KEY", secrets.token_urlsafe(64)),
        "PUBLIC_BASE_URL": f"https://{host}:{port}", "ALLOWED_HOSTS": f"{host},localhost,127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": f"https://{host}:{port}", "GUNICORN_BIND": f"{host}:{port}",
        "OTP_REQUIRED_ROLES": "", "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "60"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"), "AXES_FAILURE_LIMIT": "1000",
        "MEDIA_ROOT": str(VAR / "media"),
    })
    return env


class Stack:
    """The Procfile's processes, each in its own session (stopped by its process group)."""

    def __init__(self, env: dict, worker_concurrency: int):
        self.env, self.procs = env, {}
        beat_schedule = VAR / "celerybeat-schedule"
        self.commands = {
            "web": [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "sunshine_credit.wsgi"],
            "worker": [str(BIN / "celery"), "-A", "sunshine_credit", "worker", "-l", "WARNING",
                       f"--concurrency={worker_concurrency}", "-n", f"loadtest-{os.getpid()}@%h"],
            "beat": [str(BIN / "celery"), "-A", "sunshine_credit", "beat", "-l", "WARNING",
                     f"--schedule={beat_schedule}"],
        }

    def start(self):
        VAR.mkdir(parents=True, exist_ok=True)
        for name, command in self.commands.items():
            log = open(VAR / f"{name}.log", "w")
            self.procs[name] = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                                start_new_session=True)

    def cpu_seconds(self) -> dict:
        """CPU time so far of each process and its children (gunicorn's workers, celery's pool)."""
        import psutil

        out = {}
        for name, proc in self.procs.items():
            try:
                parent = psutil.Process(proc.pid)
                t = parent.cpu_times()  # with the children it reaped (gunicorn recycles its workers: max_requests)
                total = t.user + t.system + t.children_user + t.children_system
                for p in parent.children(recursive=True):
                    t = p.cpu_times()
                    total += t.user + t.system
                out[name] = round(total, 1)
            except psutil.Error:
                out[name] = None
        return out

    def stop(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.time() + 40
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def wait_healthy(base: str, seconds: int = 90) -> dict:
    deadline, last = time.time() + seconds, None
    while time.time() < deadline:
        try:
            request = urllib.request.Request(base + "/healthz", headers={"X-Forwarded-Proto": "https"})
            with urllib.request.urlopen(request, timeout=5) as response:
                body = json.loads(response.read())
                if body.get("status") in ("ok", "degraded"):
                    return body
                last = body
        except Exception as exc:  # noqa: BLE001  not up yet
            last = str(exc)
        time.sleep(1)
    raise SystemExit(f"/healthz did not answer ok within {seconds} s: {last}")


def warm(base: str) -> None:
    """One request per process-wide cache a first page fills (URL resolver, templates): not part of the measure."""
    for _ in range(10):
        try:
            urllib.request.urlopen(urllib.request.Request(base + "/login/", headers={"X-Forwarded-Proto": "https"}),
                                   timeout=10).read()
        except Exception:  # noqa: BLE001
            pass


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the machine (/proc/stat)."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def percentile(sorted_values: list, q: float) -> float:
    if not sorted_values:
        return 0.0
    k = (len(sorted_values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def summarise(rows: list, seconds: float) -> dict:
    """Per kind (the name's part before " · ") and per request name: count, errors, req/s, p50/p95/p99/max."""
    groups = {}
    for _ts, name, ms, status, ok in rows:
        if name == "login":
            continue
        kind = name.split(" · ")[0]
        for key in (("kind", kind), ("name", name), ("all", "all")):
            groups.setdefault(key, []).append((ms, ok, status))
    out = {"kinds": {}, "names": {}, "all": {}}
    for (level, key), items in sorted(groups.items()):
        times = sorted(ms for ms, _ok, _s in items)
        errors = sum(1 for _ms, ok, _s in items if not ok)
        statuses = {}
        for _ms, ok, status in items:
            if not ok:
                statuses[str(status)] = statuses.get(str(status), 0) + 1
        entry = {"count": len(items), "errors": errors, "error_statuses": statuses,
                 "rps": round(len(items) / seconds, 1), "p50": round(percentile(times, 0.5), 1),
                 "p95": round(percentile(times, 0.95), 1), "p99": round(percentile(times, 0.99), 1),
                 "max": round(times[-1], 1)}
        if level == "kind" and key in TARGETS:
            entry["target_p95"] = TARGETS[key]
            entry["met"] = entry["p95"] <= TARGETS[key]
        if level == "all":
            out["all"] = entry
        else:
            out[level + "s"][key] = entry
    return out


def count_written(url: str, campaign: int) -> dict:
    """Rows of the load test's campaign and the sum of their versions (each OK save adds exactly one)."""
    import psycopg2

    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*), COALESCE(sum(version), 0) FROM surveys_questionnaire WHERE campaign_id = %s",
                        [campaign])
            survey = cur.fetchone()
            cur.execute("SELECT count(*), COALESCE(sum(a.version), 0) FROM appraisal_appraisal a "
                        "JOIN appraisal_panel p ON p.id = a.panel_id WHERE p.campaign_id = %s", [campaign])
            review = cur.fetchone()
    finally:
        conn.close()
    return {"survey": {"rows": survey[0], "versions": int(survey[1])},
            "review": {"rows": review[0], "versions": int(review[1])}}


def report(result: dict) -> None:
    s = result["stats"]
    print(f"\nLoad test: {result['users']} users for {result['run_time']} against {result['host']} "
          f"({result['gunicorn']}); {s['all']['count']} requests, {s['all']['rps']} req/s "
          f"(goal ≥ {10 * BASELINE_RPS}), {s['all']['errors']} errors")
    if result.get("ceiling"):
        print("ceiling run (no wait between tasks): the throughput is the stack's capacity; its latencies are the "
              "queue at saturation, the p95 targets apply to the paced run (make loadtest's first)")
    header = f"{'kind':<16}{'count':>7}{'req/s':>7}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}{'errors':>7}  target"
    print(header)
    print("-" * len(header))
    for kind, e in s["kinds"].items():
        target = f"p95 ≤ {e['target_p95']} ms {'ok' if e['met'] else 'MISSED'}" if "target_p95" in e else ""
        print(f"{kind:<16}{e['count']:>7}{e['rps']:>7}{e['p50']:>8}{e['p95']:>8}{e['p99']:>8}{e['max']:>8}"
              f"{e['errors']:>7}  {target}")
    print("\nper page:")
    for name, e in s["names"].items():
        print(f"  {name:<28}{e['count']:>7}{e['p50']:>8}{e['p95']:>8}{e['p99']:>8}{e['errors']:>6}")
    for kind, saves in result["saves"].items():
        print(f"{kind}: {saves['ok']} answered OK, {saves['versions']} written ({saves['rows']} rows), "
              f"lost {saves['lost']}, written without an OK answer {saves['unanswered']}")
    print(f"CPU: {result['cpu']}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rebuild", action="store_true", help="build the county again even if it exists")
    parser.add_argument("--users", type=int, default=int(os.environ.get("LOADTEST_USERS", 50)))
    parser.add_argument("--spawn-rate", type=float, default=float(os.environ.get("LOADTEST_SPAWN_RATE", 10)))
    parser.add_argument("--time", default=os.environ.get("LOADTEST_TIME", "5m"))
    parser.add_argument("--host", default=os.environ.get("LOADTEST_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOADTEST_PORT", 8077)))
    parser.add_argument("--worker-concurrency", type=int, default=int(os.environ.get("LOADTEST_WORKER_CONCURRENCY",
                                                                                     1)))
    parser.add_argument("--no-prepare", action="store_true", help="use the database as it is (no reset)")
    parser.add_argument("--wait", default=os.environ.get("LOADTEST_WAIT", "0.2,0.8"),
                        help="seconds between a user's tasks, min,max (locust's between)")
    parser.add_argument("--ceiling", action="store_true",
                        help="the capacity: no wait between tasks, so the users keep the stack saturated; "
                             "figures in bench/out/loadtest-ceiling.json")
    args = parser.parse_args()
    if args.ceiling:
        args.wait = "0,0"
    name = "loadtest-ceiling" if args.ceiling else "loadtest"
    if not loopback(args.host):
        raise SystemExit(f"refused: the load test runs on a loopback address only, not {args.host!r}")
    url = os.environ.get("LOADTEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sc_loadtest")
    if not args.no_prepare:
        reuse = not args.rebuild and DATA.exists() and database_exists(url)
        started = time.perf_counter()
        subprocess.run([str(BIN / "python"), "bench/loadtest/prepare.py", *(["--reuse"] if reuse else [])],
                       cwd=ROOT, check=True, env={**os.environ, "LOADTEST_DATABASE_URL": url})
        print(f"prepared ({'reused' if reuse else 'built'}) in {time.perf_counter() - started:.0f} s")
    data = json.loads(DATA.read_text())
    base = f"http://{args.host}:{args.port}"
    env = stack_env(url, args.port, args.host)
    stack = Stack(env, args.worker_concurrency)
    OUT.mkdir(parents=True, exist_ok=True)
    log_path = OUT / f"{name}-requests.jsonl"
    if not (ROOT / "staticfiles" / "staticfiles.json").exists():  # DEBUG off renders the manifest's names
        subprocess.run([str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env,
                       check=True)
    # what the machine's other users take of its cores before we start (the 2 cores may be shared)
    before = machine_cpu()
    time.sleep(5)
    after_idle = machine_cpu()
    background = round(100 * (after_idle[0] - before[0]) / max(1, after_idle[1] - before[1]), 1)
    try:
        stack.start()
        health = wait_healthy(base)
        warm(base)
        import resource

        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_before, machine_before, started = stack.cpu_seconds(), machine_cpu(), time.time()
        locust = subprocess.run(
            [str(BIN / "locust"), "-f", "bench/loadtest/locustfile.py", "--headless", "--users", str(args.users),
             "--spawn-rate", str(args.spawn_rate), "--run-time", args.time, "--host", base, "--stop-timeout", "30",
             "--csv", str(OUT / name), "--only-summary", "--loglevel", "WARNING"],
            cwd=ROOT, env={**os.environ, "LOADTEST_DATA": str(DATA), "LOADTEST_LOG": str(log_path), "LOADTEST_WAIT": args.wait,
                           "PATH": env["PATH"]}, capture_output=True, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # only locust was reaped meanwhile
        locust_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
        cpu_after, machine_after = stack.cpu_seconds(), machine_cpu()
    finally:
        stack.stop()
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    marker, rows = (lines[0], lines[1:]) if lines and isinstance(lines[0], dict) else ({}, lines)
    spawned = marker.get("spawned") or (rows[0][0] if rows else started)
    # The measure: from the moment every user is logged in (each login hashes a password) to the end.
    measured = [r for r in rows if r[0] >= spawned and r[1] != "login"]
    if not measured:
        print((locust.stdout + locust.stderr)[-3000:])
        raise SystemExit("no requests measured")
    span = measured[-1][0] - spawned
    stats = summarise(measured, span)
    logins = sorted(r[2] for r in rows if r[1] == "login")
    written = count_written(url, data["campaign"])
    saves = {}
    for kind, which in SAVES.items():
        ok = sum(1 for r in rows if r[1] == kind and r[4])  # every save of the run, measured or not
        versions = written[which]["versions"]
        saves[kind] = {"ok": ok, "rows": written[which]["rows"], "versions": versions,
                       "lost": max(0, ok - versions), "unanswered": max(0, versions - ok)}
    busy = machine_after[0] - machine_before[0]
    total = machine_after[1] - machine_before[1]
    stack_s = {k: round((cpu_after.get(k) or 0) - (cpu_before.get(k) or 0), 1) for k in cpu_after}
    # PostgreSQL's backends come and go (DB_CONN_MAX_AGE): what the machine's cores did besides the stack and locust
    busy_s = busy / os.sysconf("SC_CLK_TCK")
    result = {
        "bench": "loadtest", "host": base, "users": args.users, "spawn_rate": args.spawn_rate, "run_time": args.time,
        "wait_s": args.wait, "ceiling": args.ceiling, "excluded": os.environ.get("LOADTEST_EXCLUDE", ""), "pgoptions": os.environ.get("PGOPTIONS", ""), "measured_s": round(span, 1),
        "ramp_up_s": round(spawned - rows[0][0], 1) if rows else None,
        "logins": {"count": len(logins), "p50": round(percentile(logins, 0.5), 1),
                   "max": round(logins[-1], 1) if logins else None,
                   "errors": sum(1 for r in rows if r[1] == "login" and not r[4])},
        "gunicorn": f"{env.get('GUNICORN_WORKERS', os.cpu_count() * 2 + 1)} workers × "
                    f"{env.get('GUNICORN_THREADS', 2)} threads",
        "cores": os.cpu_count(), "county": data["county"]["counts"] | {"members": data["county"]["members"]},
        "health": health, "stats": stats, "saves": saves,
        "targets": {"throughput_goal_rps": 10 * BASELINE_RPS, "throughput_met": stats["all"]["rps"] >= 10 * BASELINE_RPS,
                    "errors_zero": stats["all"]["errors"] == 0,
                    "no_lost_saves": all(s["lost"] == 0 and s["unanswered"] == 0 for s in saves.values()),
                    "p95_met": {k: e["met"] for k, e in stats["kinds"].items() if "met" in e}},
        "cpu": {"stack_s": stack_s, "locust_s": round(locust_cpu, 1), "machine_busy_s": round(busy_s, 1),
                "rest_s (PostgreSQL, Redis, the machine's other users)": round(
                    busy_s - sum(stack_s.values()) - locust_cpu, 1),
                "web_ms_per_request": round(1000 * stack_s.get("web", 0) / max(1, stats["all"]["count"]), 1),
                "machine_busy_pct": round(100 * busy / total, 1) if total else None,
                "machine_busy_before_pct": background},
        "locust_rc": locust.returncode, "locust_tail": (locust.stdout + locust.stderr)[-3000:],
    }
    (OUT / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str) + "\n")
    report(result)
    print(f"\nbench/out/{name}.json, locust's CSVs bench/out/{name}_*.csv, every request bench/out/{log_path.name}; "
          f"the stack's logs in {VAR.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
