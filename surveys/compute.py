"""L1–L7 set-based: one INSERT … SELECT … ON CONFLICT DO UPDATE per call, on PostgreSQL and SQLite.

The same rules as `surveys.rules.compute_limit` (the reference; a property test holds them equal):

- every household of the chosen villages in the campaign's head office gets one LimitResult row;
- sums are taken in integer cents (BIGINT on both databases, where `/` of two integers truncates),
  so the floor to the rounding unit is exact: amount = trimmed sum // (count × unit) × unit;
- trimmed mean: the questionnaires of a household ordered by (amount, respondent code, respondent
  id); the first is dropped as lowest and the last as highest, so exactly one of each is dropped,
  always two different respondents, whatever the entry order;
- the per-household part differs by vendor (SQLite: windows + GROUP BY; PostgreSQL: windows only,
  see AGG_POSTGRESQL); the rest of the statement is shared;
- the median of the net-income estimates is kept exactly as (sum of the middle value(s), count)
  for L5 and shown rounded half up to cents;
- rows whose values did not change are not rewritten (their computed_at stays): running the
  computation twice changes nothing (L7).

Respondent codes are ordered byte-wise (COLLATE "C" on PostgreSQL; SQLite's default), which is the
order of Python's `sorted` used by the reference.
"""

import datetime
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from .rules import MAX_AGE, MIN_AGE, cents, minimum_respondents

COLUMNS = ["campaign_id", "household_id", "status", "amount", "valid_count", "mean", "dropped_high_id",
           "dropped_low_id", "reasons", "warnings", "flags", "representative_age", "income_median", "inputs",
           "computed_at"]
# Compared to decide whether a row changed; computed_at is not.
COMPARED = [c for c in COLUMNS if c not in ("campaign_id", "household_id", "computed_at")]

# Per household: n, total, low_ac/low_id, high_ac/high_id (the first and last by amount, code, id),
# med_sum/med_n (the middle net-income estimate(s)), inputs; and the withhold reasons with counts.
AGG_SQLITE = """
q0 AS (
    SELECT q.household_id, q.respondent_id, r.code, q.amount, q.withhold_reasons,
           CAST(ROUND(q.amount * 100) AS BIGINT) AS ac,
           CAST(ROUND(q.net_income * 100) AS BIGINT) AS ic,
           row_number() OVER (PARTITION BY q.household_id
                              ORDER BY q.amount NULLS FIRST, r.code, q.respondent_id) AS rn
    FROM surveys_questionnaire q
    JOIN surveys_respondent r ON r.id = q.respondent_id
    WHERE q.campaign_id = %(campaign)s {q_filter}
      AND (q.amount IS NOT NULL OR json_array_length(q.withhold_reasons) > 0)
),
q AS (
    SELECT q0.*,
           count(*) OVER (PARTITION BY household_id) AS n,
           row_number() OVER (PARTITION BY household_id, ic IS NULL ORDER BY ic) AS rn_income,
           count(ic) OVER (PARTITION BY household_id) AS n_income,
           json_object('respondent', code, 'amount',
                       CASE WHEN amount IS NULL THEN NULL ELSE printf('%%.2f', ac / 100.0) END,
                       'reasons', json(withhold_reasons)) AS item
    FROM q0
),
-- SQLite 3.40 has no ORDER BY inside aggregates; an ordered window over the whole partition does it.
qi AS (
    SELECT q.*, json_group_array(json(q.item)) OVER (PARTITION BY q.household_id ORDER BY q.rn
                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS items
    FROM q
),
agg AS (
    SELECT q.household_id,
           max(q.n) AS n,
           CAST(sum(q.ac) AS BIGINT) AS total,
           max(CASE WHEN q.rn = 1 THEN q.ac END) AS low_ac,
           max(CASE WHEN q.rn = 1 THEN q.respondent_id END) AS low_id,
           max(CASE WHEN q.rn = q.n THEN q.ac END) AS high_ac,
           max(CASE WHEN q.rn = q.n THEN q.respondent_id END) AS high_id,
           CAST(sum(CASE WHEN q.ic IS NOT NULL AND (q.rn_income = (q.n_income + 1) / 2
                    OR q.rn_income = (q.n_income + 2) / 2) THEN q.ic END) AS BIGINT) AS med_sum,
           sum(CASE WHEN q.ic IS NOT NULL AND (q.rn_income = (q.n_income + 1) / 2
                    OR q.rn_income = (q.n_income + 2) / 2) THEN 1 END) AS med_n,
           json(max(q.items)) AS inputs
    FROM qi q
    GROUP BY q.household_id
),
rc AS (
    SELECT household_id, code, count(*) AS n FROM (
        SELECT DISTINCT q.household_id, q.respondent_id, CAST(e.value AS TEXT) AS code
        FROM q0 q JOIN json_each(q.withhold_reasons) AS e
        WHERE json_array_length(q.withhold_reasons) > 0
    ) d GROUP BY household_id, code
),
rcw AS (
    SELECT rc.*, json_group_object(code, n) OVER (PARTITION BY household_id ORDER BY code
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS codes
    FROM rc
),
reasons AS (
    SELECT household_id, json(max(codes)) AS reasons FROM rcw GROUP BY household_id
),
"""

# PostgreSQL: no GROUP BY and no ordered aggregate (each would sort every household again): one
# incremental sort per window over the questionnaires already in household order, then one row per
# household (rn = 1) carries whole-partition window values.
AGG_POSTGRESQL = """
agg AS (
    SELECT household_id, n, total, low_ac, low_id, high_ac, high_id, med_sum, med_n, inputs
    FROM (
        SELECT w.household_id,
               row_number() OVER wa AS rn,
               count(*) OVER wa AS n,
               CAST(sum(w.ac) OVER wa AS BIGINT) AS total,
               first_value(w.ac) OVER wa AS low_ac,
               first_value(w.respondent_id) OVER wa AS low_id,
               last_value(w.ac) OVER wa AS high_ac,
               last_value(w.respondent_id) OVER wa AS high_id,
               CAST(sum(CASE WHEN w.middle THEN w.ic END) OVER wa AS BIGINT) AS med_sum,
               sum(CASE WHEN w.middle THEN 1 END) OVER wa AS med_n,
               jsonb_agg(jsonb_build_object('respondent', w.code, 'amount', w.amount::text,
                                            'reasons', w.withhold_reasons)) OVER wa AS inputs
        FROM (
            SELECT q.household_id, q.respondent_id, r.code, q.amount, q.withhold_reasons,
                   CAST(ROUND(q.amount * 100) AS BIGINT) AS ac,
                   CAST(ROUND(q.net_income * 100) AS BIGINT) AS ic,
                   q.net_income IS NOT NULL AND row_number() OVER wi IN ((count(q.net_income) OVER wp + 1) / 2,
                                                                        (count(q.net_income) OVER wp + 2) / 2)
                       AS middle
            FROM surveys_questionnaire q
            JOIN surveys_respondent r ON r.id = q.respondent_id
            WHERE q.campaign_id = %(campaign)s {q_filter}
              AND (q.amount IS NOT NULL OR jsonb_array_length(q.withhold_reasons) > 0)
            WINDOW wp AS (PARTITION BY q.household_id),
                   wi AS (PARTITION BY q.household_id ORDER BY q.net_income NULLS LAST)
        ) w
        WINDOW wa AS (PARTITION BY w.household_id ORDER BY w.amount NULLS FIRST, w.code COLLATE "C", w.respondent_id
                      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    ) x
    WHERE rn = 1
),
reasons AS (
    SELECT household_id, jsonb_object_agg(code, n) AS reasons
    FROM (
        SELECT q.household_id, e.code, count(DISTINCT q.respondent_id) AS n
        FROM surveys_questionnaire q
        CROSS JOIN LATERAL jsonb_array_elements_text(q.withhold_reasons) AS e(code)
        WHERE q.campaign_id = %(campaign)s {q_filter} AND jsonb_array_length(q.withhold_reasons) > 0
        GROUP BY q.household_id, e.code
    ) d
    GROUP BY household_id
),
"""

VENDOR = {
    "postgresql": {"agg": AGG_POSTGRESQL, "empty_object": "'{{}}'::jsonb", "empty_array": "'[]'::jsonb",
                   "array_of": "jsonb_build_array({})",
                   "birth_year": "CAST(EXTRACT(YEAR FROM m.birth_date) AS BIGINT)",
                   "birth_md": "to_char(m.birth_date, 'MM-DD')"},
    "sqlite": {"agg": AGG_SQLITE, "empty_object": "'{{}}'", "empty_array": "'[]'", "array_of": "json_array({})",
               "birth_year": "CAST(substr(m.birth_date, 1, 4) AS BIGINT)",
               "birth_md": "substr(m.birth_date, 6, 5)"},
}

SQL = """
INSERT INTO surveys_limitresult ({columns})
WITH {agg}
base AS (
    SELECT h.id AS household_id, b.approval_authority, agg.n, agg.total, agg.low_ac, agg.low_id, agg.high_ac,
           agg.high_id, agg.med_sum, agg.med_n, agg.inputs, reasons.reasons AS reason_counts,
           CASE WHEN m.id IS NULL THEN NULL
                ELSE %(ref_year)s - {birth_year} - CASE WHEN %(ref_md)s < {birth_md} THEN 1 ELSE 0 END
           END AS age
    FROM households_household h
    JOIN sunshine_credit_village v ON v.id = h.village_id
    JOIN sunshine_credit_branch b ON b.id = v.branch_id
    LEFT JOIN agg ON agg.household_id = h.id
    LEFT JOIN reasons ON reasons.household_id = h.id
    LEFT JOIN households_member m ON m.id = h.representative_id
    WHERE h.head_office_id = %(head_office)s {village_filter}
),
st AS (
    SELECT base.*,
           CASE WHEN COALESCE(base.n, 0) < %(minimum)s THEN 'incomplete'
                WHEN base.reason_counts IS NOT NULL THEN 'withheld'
                WHEN base.age IS NULL OR base.age < {min_age} OR base.age > {max_age} THEN 'ineligible'
                ELSE 'granted' END AS status,
           CASE WHEN %(trimmed)s = 1 THEN base.total - base.low_ac - base.high_ac ELSE base.total END AS kept_sum,
           CASE WHEN %(trimmed)s = 1 THEN base.n - 2 ELSE base.n END AS kept_n
    FROM base
),
res AS (
    SELECT st.*,
           CASE WHEN st.status = 'granted' THEN st.kept_sum / (st.kept_n * %(unit)s) * %(unit)s END AS amount_c
    FROM st
)
SELECT %(campaign)s AS campaign_id, res.household_id, res.status,
       res.amount_c / 100.0 AS amount,
       COALESCE(res.n, 0) AS valid_count,
       CASE WHEN res.status = 'granted' THEN (res.kept_sum * 200 + res.kept_n) / (2 * res.kept_n) / 10000.0 END AS mean,
       CASE WHEN res.status = 'granted' AND %(trimmed)s = 1 THEN res.high_id END AS dropped_high_id,
       CASE WHEN res.status = 'granted' AND %(trimmed)s = 1 THEN res.low_id END AS dropped_low_id,
       COALESCE(res.reason_counts, {empty_object}) AS reasons,
       CASE WHEN res.med_n IS NOT NULL AND res.amount_c * res.med_n * 100 > %(band_high)s * res.med_sum
            THEN {over_income} ELSE {empty_array} END AS warnings,
       CASE WHEN res.amount_c > CAST(ROUND(res.approval_authority * 100) AS BIGINT)
            THEN {needs_escalation} ELSE {empty_array} END AS flags,
       res.age AS representative_age,
       CASE WHEN res.med_n IS NOT NULL THEN (res.med_sum + res.med_n / 2) / res.med_n / 100.0 END AS income_median,
       COALESCE(res.inputs, {empty_array}) AS inputs,
       %(now)s AS computed_at
FROM res WHERE true
ON CONFLICT (campaign_id, household_id) DO UPDATE SET {updates}
WHERE {changed}
"""


def _sql(vendor: str, village_ids) -> str:
    parts = VENDOR[vendor]
    village_filter = q_filter = ""
    if village_ids is not None:
        villages = ", ".join(str(int(v)) for v in village_ids) or "NULL"
        village_filter = f"AND h.village_id IN ({villages})"
        q_filter = f"AND q.household_id IN (SELECT id FROM households_household WHERE village_id IN ({villages}))"
    array_of = parts["array_of"]
    return SQL.format(
        agg=parts["agg"].format(q_filter=q_filter), village_filter=village_filter, min_age=MIN_AGE, max_age=MAX_AGE,
        columns=", ".join(COLUMNS), birth_year=parts["birth_year"], birth_md=parts["birth_md"],
        empty_object=parts["empty_object"].format(), empty_array=parts["empty_array"],
        over_income=array_of.format("'over_income'"), needs_escalation=array_of.format("'needs_escalation'"),
        updates=", ".join(f"{c} = excluded.{c}" for c in COLUMNS[2:]),
        changed=" OR ".join(f"surveys_limitresult.{c} IS DISTINCT FROM excluded.{c}" for c in COMPARED),
    )


def compute_campaign_limits(*, campaign, village_ids=None, now: datetime.datetime | None = None) -> int:
    """Compute and store L1–L6 for the households of `village_ids` (None: the whole head office).

    The caller restricts `village_ids` to the acting user's scope. Returns the rows written
    (inserted or changed); unchanged rows are left alone.
    """
    now = now or timezone.now()
    ref: datetime.date = campaign.reference_date
    params = {
        "head_office": campaign.head_office_id, "campaign": campaign.pk,
        "ref_year": ref.year, "ref_md": f"{ref:%m-%d}",
        "minimum": minimum_respondents(campaign.method, campaign.min_respondents),
        "trimmed": 1 if campaign.method == "trimmed" else 0,
        "unit": cents(Decimal(campaign.rounding_unit)),
        "band_high": cents(Decimal(campaign.income_band_high)),
        "now": connection.ops.adapt_datetimefield_value(now),
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # JIT compiling this wide statement costs more than it saves (measured: ~0.5–1 s per run).
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(_sql(connection.vendor, village_ids), params)
        return cursor.rowcount

