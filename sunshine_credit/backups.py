"""Backups (issue 18, SPEC §11): `manage.py backup --out DIR` and `manage.py restore DIR`.

A backup is a directory:

    manifest.json       format, app version (git describe), created_at, the database's engine and name, every
                        file's path, SHA-256 and size, and the row count of every table
    SHA256SUMS          the same hashes for `sha256sum -c SHA256SUMS` (the manifest itself included)
    database.dump       PostgreSQL: `pg_dump -Fc` (custom format, restored by pg_restore)
    database.sqlite3    SQLite: a copy made with SQLite's online backup API (consistent while the site runs)
    files/…             everything under MEDIA_ROOT, at the same relative paths

PostgreSQL: the row counts are read in the very snapshot pg_dump dumps (a REPEATABLE READ transaction exports it,
`pg_dump --snapshot` uses it), so they are exactly the dump's even while the site is saving. The files are copied
after the snapshot: a row in the dump never names a file the copy missed (files are written before their row).

Restore checks the whole backup against its manifest first and refuses on any difference (nothing written), refuses
a target database that has tables and a MEDIA_ROOT that has files (unless --force), restores the database in one
transaction (pg_restore --single-transaction: a failure leaves it as it was), copies the files back, and then checks
the result: every table's row count against the manifest, and every stored file against its row. A file is checked
wherever a model has a FileField: it must be there, and where the model keeps the file's SHA-256 (`sha256` beside
`file`, `<name>_sha256` beside `<name>`: the archived notice boards P3, generated files, imports, ten-day reports)
the file must still have it. `stored_files_check` is that last check alone; backup reports it for the live site too.
"""

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.db import connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import Refusal

FORMAT = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
FILES = "files"
DUMPS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024
TOOL_TIMEOUT = 6 * 3600  # seconds; a county's database dumps in minutes


class BackupRefused(Refusal):
    """Nothing was written; `.problems` lists what was wrong ([{path, problem}], [{table, expected, found}] …)."""

    def __init__(self, message: str, problems: list | None = None, *, code: str):
        super().__init__(message, code=code)
        self.problems = problems or []


# --- helpers --------------------------------------------------------------------------------------------


def _hash_copy(source: Path, target: Path | None = None) -> tuple[str, int]:
    """SHA-256 and size of `source`, copied to `target` on the way when given (read once)."""
    digest, size = hashlib.sha256(), 0
    with open(source, "rb") as reader:
        writer = open(target, "wb") if target else None
        try:
            while block := reader.read(CHUNK):
                digest.update(block)
                size += len(block)
                if writer:
                    writer.write(block)
        finally:
            if writer:
                writer.close()
    if target:
        shutil.copystat(source, target)
    return digest.hexdigest(), size


def _engine(connection) -> str:
    if connection.vendor not in DUMPS:
        raise BackupRefused(_("Only PostgreSQL and SQLite databases can be backed up and restored."),
                            code="engine")
    return connection.vendor


def _tables(connection) -> list[str]:
    """The database's tables (no views, no SQLite internals), sorted."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_table_list(cursor)
    return sorted(t.name for t in found if t.type == "t" and not t.name.startswith("sqlite_"))


def _row_counts(cursor, tables: list[str], quote) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - table names from introspection
        counts[table] = cursor.fetchone()[0]
    return counts


def _pg_tool(tool: str, connection, *args: str) -> None:
    """Run pg_dump or pg_restore against the connection's database (never prompting for a password)."""
    params = connection.settings_dict
    command = [tool, "--no-password"]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if params.get(key):
            command += [flag, str(params[key])]
    env = {**os.environ}
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"),
                             ("sslcert", "PGSSLCERT"), ("sslkey", "PGSSLKEY")):
        if params.get("OPTIONS", {}).get(option):
            env[variable] = str(params["OPTIONS"][option])
    try:
        done = subprocess.run([*command, *args, "--dbname", params["NAME"]], env=env, capture_output=True,
                              text=True, timeout=TOOL_TIMEOUT, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise BackupRefused(_("%(tool)s is not installed (Debian: postgresql-client).") % {"tool": tool}, code="tool_missing") from None
    if done.returncode != 0:
        raise BackupRefused(_("%(tool)s failed; nothing was changed: %(error)s")
                            % {"tool": tool, "error": done.stderr.strip()[-2000:]}, code="tool_failed")


def _version() -> str | None:
    try:
        done = subprocess.run(["git", "describe", "--always", "--tags", "--dirty"], cwd=settings.BASE_DIR,
                              capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def _inside(root: Path, relative: str) -> Path | None:
    """root/relative when `relative` is a plain relative path that stays inside root (a manifest is input)."""
    parts = PurePosixPath(relative).parts
    if not parts or relative.startswith("/") or any(p in ("..", "") for p in parts) or "\\" in relative:
        return None
    return root.joinpath(*parts)


# --- backup ---------------------------------------------------------------------------------------------


def _dump_postgresql(connection, target: Path) -> dict[str, int]:
    if connection.in_atomic_block:  # called inside a transaction (a test): no snapshot of our own to export
        _pg_tool("pg_dump", connection, "--format=custom", "--no-owner", "--no-privileges", "--file", str(target))
        with connection.cursor() as cursor:
            return _row_counts(cursor, _tables(connection), connection.ops.quote_name)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = _row_counts(cursor, _tables(connection), connection.ops.quote_name)
        _pg_tool("pg_dump", connection, "--format=custom", "--no-owner", "--no-privileges",
                 f"--snapshot={snapshot}", "--file", str(target))
    return counts


def _dump_sqlite(connection, target: Path) -> dict[str, int]:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        tables = [name for (name,) in copy.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return _row_counts(copy.cursor(), tables, connection.ops.quote_name)
    finally:
        copy.close()


def _copy_media(media: Path, target: Path) -> list[dict]:
    entries = []
    if not media.is_dir():
        return entries
    for path in sorted(media.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        relative = path.relative_to(media).as_posix()
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        sha, size = _hash_copy(path, destination)
        entries.append({"path": f"{FILES}/{relative}", "sha256": sha, "size": size})
    return entries


def _write_manifest(part: Path, manifest: dict) -> None:
    (part / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    sha, _size = _hash_copy(part / MANIFEST)
    sums = [f"{manifest['database']['sha256']}  {manifest['database']['path']}"]
    sums += [f"{entry['sha256']}  {entry['path']}" for entry in manifest["files"]]
    (part / SUMS).write_text("\n".join([*sums, f"{sha}  {MANIFEST}"]) + "\n", encoding="utf-8")


def backup_create(*, out: Path, using: str = "default") -> dict:
    """Write a backup to `out` (a new or empty directory), whole or not at all: it is written to `out.part` and
    renamed at the end. Raises BackupRefused (engine, pg_dump failure)."""
    connection = connections[using]
    engine = _engine(connection)
    part = out.with_name(out.name + ".part")
    shutil.rmtree(part, ignore_errors=True)  # what an interrupted run left
    part.mkdir(parents=True)
    try:
        dump = part / DUMPS[engine]
        counts = (_dump_postgresql if engine == "postgresql" else _dump_sqlite)(connection, dump)
        sha, size = _hash_copy(dump)
        files = _copy_media(Path(settings.MEDIA_ROOT), part / FILES)
        manifest = {"format": FORMAT, "app": "sunshine-credit", "version": _version(),
                    "created_at": timezone.now().isoformat(),
                    "database": {"engine": engine, "name": str(connection.settings_dict["NAME"]),
                                 "path": DUMPS[engine], "sha256": sha, "size": size},
                    "row_counts": counts, "files": files}
        _write_manifest(part, manifest)
        if out.exists():
            out.rmdir()  # the caller let only an empty directory through
        part.rename(out)
    except BaseException:
        shutil.rmtree(part, ignore_errors=True)
        raise
    return {"out": str(out), "version": manifest["version"], "created_at": manifest["created_at"],
            "database": manifest["database"], "tables": len(counts), "rows": sum(counts.values()),
            "files": len(files), "bytes": sum(f["size"] for f in files) + size,
            "stored_files": stored_files_check(media=Path(settings.MEDIA_ROOT), using=using)}


# --- restore --------------------------------------------------------------------------------------------


def backup_verify(source: Path) -> dict:
    """The backup's manifest, once every file it lists has its size and SHA-256 and no file is unlisted.
    Raises BackupRefused with the problems found."""
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
        entries = [manifest["database"], *manifest["files"]]
        known = {manifest["database"]["engine"]: manifest["database"]["path"]}
        if manifest.get("format") != FORMAT or known != {k: v for k, v in DUMPS.items() if k in known}:
            raise ValueError
    except (OSError, ValueError, KeyError, TypeError):
        raise BackupRefused(_("The backup has no readable manifest (%(name)s).") % {"name": MANIFEST}, code="no_manifest") from None
    problems, listed = [], set()
    for entry in entries:
        path = _inside(source, str(entry.get("path", "")))
        if path is None or (entry is not manifest["database"] and not entry["path"].startswith(FILES + "/")):
            problems.append({"path": entry.get("path"), "problem": "unsafe path"})
            continue
        listed.add(path)
        if not path.is_file() or path.is_symlink():
            problems.append({"path": entry["path"], "problem": "missing"})
        elif _hash_copy(path) != (entry.get("sha256"), entry.get("size")):
            problems.append({"path": entry["path"], "problem": "sha256"})
    if (source / FILES).is_dir():
        problems += [{"path": p.relative_to(source).as_posix(), "problem": "not in manifest"}
                     for p in sorted((source / FILES).rglob("*")) if not p.is_dir() and p not in listed]
    if problems:
        raise BackupRefused(_("The backup does not match its manifest; nothing was restored."), problems,
                            code="manifest_mismatch")
    return manifest


def _check_target(connection, manifest: dict, media: Path, force: bool) -> bool:
    """Whether the target database has tables; refuses a wrong engine, and a non-empty target without force."""
    if manifest["database"]["engine"] != _engine(connection):
        raise BackupRefused(_("The backup holds a %(backup)s database; the target is %(target)s.")
                            % {"backup": manifest["database"]["engine"], "target": connection.vendor}, code="wrong_engine")
    has_tables = bool(_tables(connection))
    if has_tables and not force:
        raise BackupRefused(_("The target database is not empty: restore into a new database, or use --force "
                              "to replace its contents."), code="target_not_empty")
    if not force and media.is_dir() and any(p.is_file() for p in media.rglob("*")):
        raise BackupRefused(_("MEDIA_ROOT is not empty: restore into an empty directory, or use --force to "
                              "overwrite its files."), code="media_not_empty")
    return has_tables


def _restore_database(connection, source: Path, manifest: dict, clean: bool) -> None:
    dump = source / manifest["database"]["path"]
    if connection.vendor == "postgresql":
        connection.close()
        _pg_tool("pg_restore", connection, "--no-owner", "--no-privileges", "--exit-on-error",
                 "--single-transaction", *(["--clean", "--if-exists"] if clean else []), str(dump))
        return
    connection.ensure_connection()
    saved = sqlite3.connect(dump)
    try:
        saved.backup(connection.connection)  # replaces the whole database, in one step
    finally:
        saved.close()


def _restore_files(source: Path, manifest: dict, media: Path) -> None:
    for entry in manifest["files"]:
        target = _inside(media, entry["path"][len(FILES) + 1:])
        target.parent.mkdir(parents=True, exist_ok=True)
        if _hash_copy(source / entry["path"], target) != (entry["sha256"], entry["size"]):
            raise BackupRefused(_("A file of the backup changed while it was restored: %(path)s")
                                % {"path": entry["path"]}, code="changed_while_restoring")


def stored_files_check(*, media: Path, using: str = "default") -> dict:
    """Every file a row names (each FileField): present under `media`, and with the SHA-256 the row keeps
    (`sha256` beside `file`, `<field>_sha256` beside another field) where it keeps one."""
    checked, hashed, by_model, mismatches = 0, 0, {}, []
    tables = set(_tables(connections[using]))
    for model in apps.get_models():
        if model._meta.db_table not in tables:  # a model whose migration has not run here
            continue
        names = {f.name for f in model._meta.concrete_fields}
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.FileField):
                continue
            hash_field = "sha256" if field.name == "file" else f"{field.name}_sha256"
            columns = ["pk", field.attname] + ([hash_field] if hash_field in names else [])
            rows = model._base_manager.using(using).exclude(**{field.attname: ""}).exclude(
                **{f"{field.attname}__isnull": True}).values_list(*columns).order_by("pk")
            label = f"{model._meta.label_lower}.{field.name}"
            for pk, name, *recorded in rows.iterator(chunk_size=2000):
                checked += 1
                by_model[label] = by_model.get(label, 0) + 1
                path = _inside(media, name)
                if path is None or not path.is_file():
                    mismatches.append({"model": label, "pk": pk, "path": name, "problem": "missing"})
                elif recorded and recorded[0]:
                    hashed += 1
                    if _hash_copy(path)[0] != recorded[0]:
                        mismatches.append({"model": label, "pk": pk, "path": name, "problem": "sha256"})
    return {"checked": checked, "hashes": hashed, "by_model": by_model, "mismatches": mismatches}


def backup_restore(*, source: Path, force: bool = False, using: str = "default") -> dict:
    """Restore the backup in `source` into the database `using` and MEDIA_ROOT, then check the result.
    Raises BackupRefused before writing anything (a backup that does not match its manifest, a wrong engine,
    a non-empty target without force, a pg_restore failure: its single transaction is rolled back)."""
    manifest = backup_verify(source)
    connection, media = connections[using], Path(settings.MEDIA_ROOT)
    clean = _check_target(connection, manifest, media, force)
    started = datetime.datetime.now(tz=datetime.UTC)
    _restore_database(connection, source, manifest, clean)
    _restore_files(source, manifest, media)
    with connection.cursor() as cursor:
        counts = _row_counts(cursor, _tables(connection), connection.ops.quote_name)
    expected = manifest["row_counts"]
    differences = [{"table": t, "expected": expected.get(t), "found": counts.get(t)}
                   for t in sorted(set(expected) | set(counts)) if expected.get(t) != counts.get(t)]
    stored = stored_files_check(media=media, using=using)
    return {"source": str(source), "version": manifest.get("version"), "created_at": manifest.get("created_at"),
            "tables": len(counts), "rows": sum(counts.values()), "files": len(manifest["files"]),
            "seconds": round((datetime.datetime.now(tz=datetime.UTC) - started).total_seconds(), 1),
            "row_count_differences": differences, "stored_files": stored,
            "verified": not differences and not stored["mismatches"]}
