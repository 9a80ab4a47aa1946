"""Issue 18: the household search's indexes on PostgreSQL — trigram (pg_trgm) GIN indexes for a name or household
code containing the term, and pattern-ops B-trees for a name starting or ending with it (whatever the database's
collation).
SQLite has none of these; its search scans (the embedded default serves one branch, not a county)."""

from django.db import migrations

INDEXES = (
    ("households_member_name_trgm", "households_member USING gin (name gin_trgm_ops)"),
    ("households_member_name_prefix", "households_member (head_office_id, name varchar_pattern_ops)"),
    ("households_member_name_suffix", "households_member (head_office_id, (reverse(name)) varchar_pattern_ops)"),
    ("households_household_code_trgm", "households_household USING gin (code gin_trgm_ops)"),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, target in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _target in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("households", "0003_archive_export")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
