"""Issue 18: the household page's change history at production size. A removed member is found by its creation
entry, which names the household (changes -> household -> 1), and a loan by its creation entry naming the member
(changes -> member -> 1); without these expression indexes each lookup reads every member or loan entry of the
audit log (auditlog_logentry grows for years). The expressions are exactly what the ORM writes for
`changes__household__1=` and `changes__member__1=` (households.selectors.household_history).
SQLite has none (the embedded default serves one branch)."""

from django.db import migrations

from sunshine_credit.lib.pg_indexes import postgresql_indexes

INDEXES = (
    ("auditlog_logentry_household_ref", "auditlog_logentry (content_type_id, (changes #> '{household,1}'))"),
    ("auditlog_logentry_member_ref", "auditlog_logentry (content_type_id, (changes #> '{member,1}'))"),
)


class Migration(migrations.Migration):
    dependencies = [("households", "0004_search_indexes"), ("auditlog", "0015_alter_logentry_changes")]
    operations = [postgresql_indexes(INDEXES)]
