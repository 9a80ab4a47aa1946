"""Issue 18: the household search's indexes on PostgreSQL — trigram (pg_trgm) GIN indexes for a name or household
code containing the term, and pattern-ops B-trees for a name starting or ending with it (whatever the database's
collation).
SQLite has none of these; its search scans (the embedded default serves one branch, not a county)."""

from django.db import migrations

from sunshine_credit.lib.pg_indexes import postgresql_indexes

INDEXES = (
    ("households_member_name_trgm", "households_member USING gin (name gin_trgm_ops)"),
    ("households_member_name_prefix", "households_member (head_office_id, name varchar_pattern_ops)"),
    ("households_member_name_suffix", "households_member (head_office_id, (reverse(name)) varchar_pattern_ops)"),
    ("households_household_code_trgm", "households_household USING gin (code gin_trgm_ops)"),
)


class Migration(migrations.Migration):
    dependencies = [("households", "0003_archive_export")]
    operations = [postgresql_indexes(INDEXES, extension="pg_trgm")]
