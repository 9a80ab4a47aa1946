"""Issue 18.3 drill: PostgreSQL restarted under load, gunicorn (gunicorn.conf.py, DEBUG off) left running.

Threads request two addresses in a loop: a public board address that reads the database (no such board: 404 when
the database answers) and /healthz. PostgreSQL is stopped (fast), kept down a few seconds, started again. Expected:
during the outage the page answers our 503 page ("the database is temporarily unavailable", no traceback) and
/healthz 503 "down"; once PostgreSQL is back every request succeeds again, with the same gunicorn (same master pid,
no reload). Then PostgreSQL restarts while nobody asks, and the next requests must not fail on the connections
the workers kept (DB_CONN_MAX_AGE; CONN_HEALTH_CHECKS reconnects them). Run by bench/drills/run.py (`make drills`) on its own PostgreSQL.
"""

import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = "/public/n/drill-no-such-board/"
OUTAGE_SECONDS = 4
OUR_503 = "数据库暂时不可用"   # the 503 page's message in Chinese (its English msgid when not yet translated)
OUR_503_EN = "The database is temporarily unavailable"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")
    except OSError as exc:   # connection refused/reset: gunicorn itself not answering
        return 0, exc.__class__.__name__


def drill(pg) -> dict:
    pg.createdb("sc_drill_web")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DB_CONN_MAX_AGE")}
    env.update({"DATABASE_URL": pg.url("sc_drill_web"), "DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50),
                "PUBLIC_BASE_URL": "https://drill.example.org", "ALLOWED_HOSTS": "127.0.0.1",
                "SECURE_SSL_REDIRECT": "false", "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2",
                "GUNICORN_THREADS": "2", "LOG_LEVEL": "CRITICAL", "GUNICORN_LOG_LEVEL": "critical",
                "OTP_REQUIRED_ROLES": ""})
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    log = open(Path(pg.dir) / "gunicorn.log", "w")
    gunicorn = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
                                 "sunshine_credit.wsgi"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    samples: list[dict] = []
    phase = {"now": "before"}
    stop = threading.Event()

    def loop(path: str) -> None:
        while not stop.is_set():
            status, body = get(base + path)
            samples.append({"t": time.monotonic(), "phase": phase["now"], "path": path, "status": status,
                            "our_503_page": OUR_503 in body or OUR_503_EN in body,
                            # /healthz names the failing check's exception class by design; a page names none
                            "traceback": "Traceback" in body or (path != "/healthz" and "OperationalError" in body)})
            time.sleep(0.05)

    try:
        deadline = time.monotonic() + 60
        while get(base + "/healthz")[0] != 200:
            if time.monotonic() > deadline or gunicorn.poll() is not None:
                return {"drill": "postgres_restarted_under_load", "ok": False, "error": "gunicorn did not start",
                        "log": (Path(pg.dir) / "gunicorn.log").read_text()[-3000:]}
            time.sleep(0.3)
        threads = [threading.Thread(target=loop, args=(path,), daemon=True) for path in (PAGE, PAGE, "/healthz")]
        for thread in threads:
            thread.start()
        time.sleep(3)
        phase["now"] = "outage"
        pg.stop()
        down_at = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        pg.start()
        up_at = time.monotonic()
        phase["now"] = "after"
        time.sleep(5)
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        # A restart while nobody asks: every worker thread keeps a connection (DB_CONN_MAX_AGE) that is now dead.
        # The first request of each must not fail on it (CONN_HEALTH_CHECKS: checked, reconnected).
        for _ in range(8):
            get(base + PAGE)   # each thread of each worker holds a connection
        pg.stop()
        pg.start()
        idle_restart = [get(base + PAGE)[0] for _ in range(20)]
        still_running = gunicorn.poll() is None
    finally:
        gunicorn.terminate()
        try:
            gunicorn.wait(timeout=30)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
        log.close()

    def summary(phase_name: str, path: str) -> dict:
        rows = [s for s in samples if s["phase"] == phase_name and s["path"] == path]
        counts: dict[str, int] = {}
        for row in rows:
            counts[str(row["status"])] = counts.get(str(row["status"]), 0) + 1
        return counts

    page_ok = {404}   # the board does not exist: the database answered
    outage_pages = [s for s in samples if s["phase"] == "outage" and s["path"] == PAGE and s["status"] not in page_ok]
    after_pages = [s for s in samples if s["phase"] == "after" and s["path"] == PAGE]
    first_ok_after = next((s["t"] - up_at for s in after_pages if s["status"] in page_ok), None)
    failed_after_recovery = [s for s in after_pages if s["status"] not in page_ok
                             and s["t"] > up_at + (first_ok_after or 0)]
    result = {
        "drill": "postgres_restarted_under_load",
        "outage_seconds": round(up_at - down_at, 1),
        "page": {"before": summary("before", PAGE), "outage": summary("outage", PAGE),
                 "after": summary("after", PAGE)},
        "healthz": {"before": summary("before", "/healthz"), "outage": summary("outage", "/healthz"),
                    "after": summary("after", "/healthz")},
        "outage_answers_are_our_503_page": bool(outage_pages) and all(
            s["status"] == 503 and s["our_503_page"] for s in outage_pages),
        "tracebacks_shown": sum(s["traceback"] for s in samples),
        "seconds_to_first_success_after_restart": None if first_ok_after is None else round(first_ok_after, 2),
        "failures_after_first_success": len(failed_after_recovery),
        "after_an_idle_restart": {str(code): idle_restart.count(code) for code in sorted(set(idle_restart))},
        "gunicorn_kept_running_no_restart": still_running,
        "lost": "nothing written was lost (requests during the outage wrote nothing and said so)",
    }
    result["ok"] = (result["outage_answers_are_our_503_page"] and result["tracebacks_shown"] == 0
                    and first_ok_after is not None and not failed_after_recovery and still_running
                    and set(idle_restart) == {404}
                    and summary("before", PAGE).keys() == {"404"})
    return result
