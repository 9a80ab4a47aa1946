"""Issue 18.3: the fault drills, on a throw-away PostgreSQL (port 5499) and Redis (port 6399) of their own.

    make drills        (or: .venv/bin/python -m bench.drills.run [--only redis,worker,postgres])

Never touches the machine's PostgreSQL or Redis. Runs
- the real-broker drills of tests/core/test_fault_drills.py (Redis stopped while staff save; a worker killed -9
  mid-board and mid-daily-job), each writing its outcome;
- bench/drills/pg_restart.py: gunicorn (the project's gunicorn.conf.py, DEBUG off) under a request loop while its
  PostgreSQL restarts;
and prints one JSON object: {"ok": bool, "drills": [{"drill": ..., "ok": ..., "lost": ..., ...}, ...]}.
"""

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_PORT, REDIS_PORT = 5499, 6399


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        raise SystemExit(f"{name} not found (install postgresql)")
    return str(found[-1])


class OwnPostgres:
    """initdb + pg_ctl in a temporary directory; as root, run as the postgres user (PostgreSQL refuses root)."""

    def __init__(self, port: int = PG_PORT):
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="sc-pgdrill-"))
        self.data = self.dir / "data"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.dir, "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def init(self) -> None:
        self._run(pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")
        self.start()

    def start(self) -> None:
        self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "server.log"), "-w", "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1", "start")

    def stop(self) -> None:
        self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def createdb(self, name: str) -> None:
        subprocess.run([pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name],
                       check=True)

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def own_redis(port: int = REDIS_PORT):
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not port_in_use(port):
            if time.monotonic() > deadline:
                raise SystemExit(f"redis-server did not start on {port}")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def broker_drills(pg: OwnPostgres, redis_url: str, only: set[str]) -> list[dict]:
    """tests/core/test_fault_drills.py's real-broker drills; each writes its outcome to DRILL_RESULTS."""
    pg.createdb("sc_drills")
    results = Path(pg.dir) / "results.jsonl"
    keyword = " or ".join(k for k, name in (("redis_stopped", "redis"), ("worker_killed", "worker")) if name in only)
    env = {**os.environ, "DATABASE_URL": pg.url("sc_drills"), "REDIS_URL": redis_url,
           "DRILL_RESULTS": str(results)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "tests/core/test_fault_drills.py", "-m", "real_broker", "-k", keyword, "-rA"],
                         cwd=ROOT, env=env, capture_output=True, text=True)
    outcomes = [json.loads(line) for line in results.read_text().splitlines()] if results.exists() else []
    for outcome in outcomes:
        outcome["ok"] = True   # a drill writes its outcome only after all its checks passed
    if run.returncode:
        outcomes.append({"drill": "broker drills (pytest)", "ok": False, "output": run.stdout[-4000:]})
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="redis,worker,postgres")
    only = set(parser.parse_args().only.split(","))
    for port in (PG_PORT, REDIS_PORT):
        if port_in_use(port):
            print(json.dumps({"ok": False, "error": f"port {port} is in use: the drills need it for their own "
                                                    "PostgreSQL/Redis (never the machine's)"}))
            return 2
    drills: list[dict] = []
    pg = OwnPostgres()
    try:
        pg.init()
        if only & {"redis", "worker"}:
            with own_redis() as redis_url:
                drills += broker_drills(pg, redis_url, only)
        if "postgres" in only:
            from bench.drills.pg_restart import drill as pg_restart

            drills.append(pg_restart(pg))
    finally:
        pg.remove()
    ok = bool(drills) and all(d.get("ok") for d in drills)
    print(json.dumps({"ok": ok, "drills": drills}, ensure_ascii=False, indent=1, default=str))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
