"""Indexes only PostgreSQL has (trigram, pattern-ops, expressions over JSON): a migration operation that creates them
there and does nothing on SQLite (the embedded default serves one branch and scans instead)."""

from django.db import migrations


def postgresql_indexes(indexes: tuple[tuple[str, str], ...], *, extension: str = "") -> migrations.RunPython:
    """RunPython creating each (name, "table (columns)") index on PostgreSQL, after `extension` if given; reversed
    by dropping them."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        if extension:
            schema_editor.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")
        for name, target in indexes:
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for name, _target in indexes:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(create, drop, elidable=False)
