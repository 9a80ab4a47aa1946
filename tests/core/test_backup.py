"""Issue 18 item 4: `manage.py backup --out DIR` / `restore DIR` (sunshine_credit/backups.py).

Backup runs in this process against the test database (pg_dump dumps connection.settings_dict's NAME: the tests
are transactional so that another connection sees their rows); restore runs as its own `manage.py` into a fresh
database (PostgreSQL: created here and dropped after; SQLite: a new file) and a fresh MEDIA_ROOT, as an operator
would run it. Both backends: PostgreSQL with DATABASE_URL=postgres://…, SQLite by default.
"""

import hashlib
import io
import json
import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import dj_database_url
import psycopg2
import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django_scopes import scopes_disabled

from sunshine_credit.models import GeneratedFile
from tests.publicity.factories import make_notice_world

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
BOARD = b"%PDF-1.7\n% the archived board of \xe4\xb8\x9c\xe5\xb2\xad\xe6\x9d\x91\n%%EOF\n"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def site(county):
    """The county with an archived board (P3: its PDF and SHA-256) and a generated file, both under MEDIA_ROOT."""
    world = make_notice_world(county)
    with scopes_disabled():
        world.notice.file.save("board.pdf", ContentFile(BOARD), save=False)
        world.notice.sha256, world.notice.size = sha(BOARD), len(BOARD)
        world.notice.save()
        world.letter = GeneratedFile.objects.create(
            head_office=county.head_office, kind="letters", title="催收通知书", language="zh-hans",
            file_name="letters.pdf", content_type="application/pdf", created_by=county.tina,
            status=GeneratedFile.Status.DONE, sha256=sha(b"letters"), size=7)
        world.letter.file.save("letters.pdf", ContentFile(b"letters"))
    return world


@pytest.fixture
def target(tmp_path):
    """A fresh, empty database of the test database's engine, as a DATABASE_URL; dropped afterwards."""
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"sc_restore_{secrets.token_hex(4)}"
    admin = psycopg2.connect(dbname="postgres", host=params["HOST"], port=params["PORT"] or 5432,
                             user=params["USER"], password=params["PASSWORD"])
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    auth = f"{params['USER']}:{params['PASSWORD']}@" if params["PASSWORD"] else f"{params['USER']}@"
    try:
        yield f"postgres://{auth}{params['HOST']}:{params['PORT'] or 5432}/{name}"
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def backup(out: Path) -> dict:
    buffer = io.StringIO()
    call_command("backup", "--out", str(out), "--json", stdout=buffer)
    return json.loads(buffer.getvalue())


def restore(source: Path, database_url: str, media: Path, *extra: str) -> tuple[int, dict]:
    dropped = ("DATABASE_URL", "MEDIA_ROOT", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {**{k: v for k, v in os.environ.items() if k not in dropped},
           "DATABASE_URL": database_url, "MEDIA_ROOT": str(media), "DEBUG": "true"}
    done = subprocess.run([sys.executable, "manage.py", "restore", str(source), "--json", *extra], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert done.stdout.strip().count("\n") == 0 and done.stdout.startswith("{"), done.stdout + done.stderr  # one
    return done.returncode, json.loads(done.stdout)


def counts_of(database_url: str) -> dict[str, int]:
    """Every table's row count, read straight from the database (not through the code under test)."""
    params = dj_database_url.parse(database_url)
    if params["ENGINE"].endswith("sqlite3"):
        db = sqlite3.connect(params["NAME"])
        tables = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                           "AND name NOT LIKE 'sqlite_%'")]
    else:
        db = psycopg2.connect(dbname=params["NAME"], host=params["HOST"], port=params["PORT"], user=params["USER"],
                              password=params["PASSWORD"])
        cursor = db.cursor()
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = [n for (n,) in cursor.fetchall()]
    cursor = db.cursor()
    result = {}
    for table in tables:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        result[table] = cursor.fetchone()[0]
    db.close()
    return result


def source_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = [t.name for t in connection.introspection.get_table_list(cursor)
                  if t.type == "t" and not t.name.startswith("sqlite_")]
        result = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            result[table] = cursor.fetchone()[0]
    return result


def test_backup_then_restore_into_an_empty_database_gives_the_same_rows_and_every_hash_matches(
        site, target, tmp_path):
    made = backup(tmp_path / "backup")
    assert made["ok"] and made["files"] == 2 and made["stored_files"]["mismatches"] == []
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    before = source_counts()
    assert manifest["row_counts"] == before and before["publicity_notice"] == 1
    assert {f["path"]: f["sha256"] for f in manifest["files"]} == {
        f"files/{site.notice.file.name}": sha(BOARD), f"files/{site.letter.file.name}": sha(b"letters")}

    status, result = restore(tmp_path / "backup", target, tmp_path / "restored")

    assert status == 0 and result["ok"] and result["verified"], result
    assert counts_of(target) == before
    assert result["row_count_differences"] == [] and result["stored_files"]["mismatches"] == []
    assert result["stored_files"]["by_model"] == {"publicity.notice.file": 1, "sunshine_credit.generatedfile.file": 1}
    assert result["stored_files"]["hashes"] == 2
    assert (tmp_path / "restored" / site.notice.file.name).read_bytes() == BOARD

    # Once restored, the target is not empty: a second restore is refused and changes nothing.
    status, again = restore(tmp_path / "backup", target, tmp_path / "restored")
    assert status == 1 and not again["ok"] and again["code"] == "target_not_empty"
    assert counts_of(target) == before


def test_a_file_changed_in_the_backup_is_refused_before_anything_is_written(site, target, tmp_path):
    backup(tmp_path / "backup")
    board = tmp_path / "backup" / "files" / site.notice.file.name
    board.write_bytes(BOARD.replace(b"board", b"BOARD"))

    status, result = restore(tmp_path / "backup", target, tmp_path / "restored")

    assert status == 1 and not result["ok"] and result["code"] == "manifest_mismatch"
    assert result["problems"] == [{"path": f"files/{site.notice.file.name}", "problem": "sha256"}]
    assert counts_of(target) == {} and not (tmp_path / "restored").exists()


def test_a_file_added_to_the_backup_is_refused(site, target, tmp_path):
    backup(tmp_path / "backup")
    (tmp_path / "backup" / "files" / "extra.pdf").write_bytes(b"not backed up")
    status, result = restore(tmp_path / "backup", target, tmp_path / "restored")
    assert status == 1 and result["problems"] == [{"path": "files/extra.pdf", "problem": "not in manifest"}]


def test_a_board_whose_file_no_longer_matches_its_row_is_reported_after_restoring(site, target, tmp_path):
    # The board's PDF was changed and the manifest made again to match it (so the manifest check passes):
    # the board's own recorded SHA-256 (P3) still tells.
    backup(tmp_path / "backup")
    relative = f"files/{site.notice.file.name}"
    changed = BOARD.replace(b"board", b"BOARD")
    (tmp_path / "backup" / relative).write_bytes(changed)
    manifest_path = tmp_path / "backup" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for entry in manifest["files"]:
        if entry["path"] == relative:
            entry["sha256"], entry["size"] = sha(changed), len(changed)
    manifest_path.write_text(json.dumps(manifest))

    status, result = restore(tmp_path / "backup", target, tmp_path / "restored")

    assert status == 1 and result["code"] == "check_failed" and not result["verified"]
    assert result["row_count_differences"] == []
    assert result["stored_files"]["mismatches"] == [
        {"model": "publicity.notice.file", "pk": site.notice.pk, "path": site.notice.file.name, "problem": "sha256"}]


def test_backup_reports_a_live_board_whose_file_no_longer_matches(site, settings, tmp_path):
    (Path(settings.MEDIA_ROOT) / site.notice.file.name).write_bytes(b"rewritten")
    (Path(settings.MEDIA_ROOT) / site.letter.file.name).unlink()
    made = backup(tmp_path / "backup")
    problems = {(m["model"], m["problem"]) for m in made["stored_files"]["mismatches"]}
    assert problems == {("publicity.notice.file", "sha256"), ("sunshine_credit.generatedfile.file", "missing")}


def test_backup_refuses_a_directory_that_is_not_empty(site, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(CommandError) as raised:
        call_command("backup", "--out", str(tmp_path / "full"))
    assert raised.value.returncode == 2
    assert not (tmp_path / "full.part").exists()
