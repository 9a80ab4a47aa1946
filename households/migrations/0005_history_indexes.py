"""Issue 18: the household page's change history at production size. A removed member is found by its creation
entry, which names the household (changes -> household -> 1), and a loan by its creation entry naming the member
(changes -> member -> 1); without these expression indexes each lookup reads every member or loan entry of the
audit log (auditlog_logentry grows for years). The expressions are exactly what the ORM writes for
`changes__household__1=` and `changes__member__1=` (households.selectors.household_history).
SQLite has none (the embedded default serves one branch)."""

from django.db import migrations

INDEXES = (
    ("auditlog_logentry_household_ref", "auditlog_logentry (content_type_id, (changes #> '{household,1}'))"),
    ("auditlog_logentry_member_ref", "auditlog_logentry (content_type_id, (changes #> '{member,1}'))"),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, target in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _target in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("households", "0004_search_indexes"), ("auditlog", "0015_alter_logentry_changes")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
