"""Issue 15, item 6: the embedded SQLite default serves a branch of real users saving at once.

Five reviewers save their grid rows from five threads at the same moment against a SQLite *file* (the
settings' WAL, busy timeout and IMMEDIATE transactions), through the real save view: no "database is locked",
no 500, and every write is there. The writers run in a subprocess (tests/core/sqlite_writers.py) with
DATABASE_URL on a temporary file and the migrations applied, since pytest's own test database is in memory.
With Django's default DEFERRED transactions the same run fails with "database is locked" at once.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

WRITERS = Path(__file__).with_name("sqlite_writers.py")


def test_sqlite_settings_are_made_for_concurrent_writers():
    from sunshine_credit import settings as project_settings

    if project_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        return  # PostgreSQL in CI: the SQLite options do not apply
    options = project_settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]


def test_five_reviewers_save_at_once_on_a_sqlite_file(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "DJANGO_SETTINGS_MODULE": "sunshine_credit.settings", "MEDIA_ROOT": str(tmp_path / "media")}
    env.pop("REDIS_URL", None)  # jobs inline, as in `make run`
    done = subprocess.run([sys.executable, str(WRITERS)], env=env, cwd=settings.BASE_DIR, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["journal_mode"] == "wal"
    assert report["failures"] == []                       # no "database is locked", no 500, no 409
    assert report["ok"] == report["saves"] == report["expected"]
    assert report["rows"] == report["expected_rows"]      # every reviewer's every row is there …
    assert report["all_last"]                             # … with its last value and version
