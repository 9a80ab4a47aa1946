"""L7: computing the pre-credit limits of a campaign, a branch or a village (writes).

`limits_compute` records a Job and sends it after commit (R8); the task re-enters the maker's scope
and calls `limits_compute_run`, which the `compute_limits` command also calls directly.
Computing is a derivation of data the user can already read, so the read scope bounds it (R1):
a job started by a branch-A user never writes a branch-B row.

The computation itself (`compute_campaign_limits`, below the services) is L1–L7 set-based: one
INSERT … SELECT … ON CONFLICT DO UPDATE per call, on PostgreSQL and SQLite. The same rules as
`surveys.rules.compute_limit` (the reference; a property test holds them equal):
- every household of the chosen villages in the campaign's head office gets one LimitResult row;
- sums are taken in integer cents (BIGINT on both databases, where `/` of two integers truncates),
  so the floor to the rounding unit is exact: amount = trimmed sum // (count × unit) × unit;
- trimmed mean: the questionnaires of a household read in the order (amount, respondent code,
  respondent id); the first is dropped as lowest and the last as highest, so exactly one of each is
  dropped, always two different respondents, whatever the entry order; `inputs` keeps that reading,
  [[respondent id, amount in cents], ...];
- the median of the net-income estimates is kept exactly (the middle value(s) in cents) for L5 and
  shown rounded half up to cents;
- rows whose values did not change are not rewritten (their computed_at stays): running the
  computation twice changes nothing (L7);
- who may enter (issue 15, households.rules.stage_ineligibility): a household with a member on the active
  blacklist, excluded from the archive or not archived yet is `ineligible` before L1, its code in `flags`;
- a frozen village (surveys.frozen: its board is published or its lines took effect) is never recomputed;
  `limits_compute_run` names the villages it skipped and why.

Each vendor has its own statement, written for its planner: SQLite (3.40: no ordered aggregates)
reads windows; PostgreSQL one GROUP BY pass over the questionnaires (ordered aggregates), then the
per-household arithmetic over MATERIALIZED steps, so that no expression is evaluated twice (an inlined
CTE repeats the expressions of `status` and `amount` wherever they are used: measured 30 % slower).

Respondent codes are ordered byte-wise (COLLATE "C" on PostgreSQL; SQLite's default), which is the
order of Python's `sorted` used by the reference.
"""

import datetime
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.http import Http404
from django.utils import timezone
from django_scopes import scopes_disabled

from households.models import ArchiveStatus
from households.rules import BLACKLISTED, EXCLUDED, NOT_ARCHIVED
from sunshine_credit.jobs import job_enqueue
from sunshine_credit.models import Job, Village
from sunshine_credit.scoping import Scope

from ..frozen import frozen_villages
from ..models import Campaign, LimitResult, LimitStatus
from ..rules import MAX_AGE, MIN_AGE, cents, minimum_respondents
from ..selectors import limits_skipped
from ..tasks import compute_limits as compute_limits_task

TASK_NAME = compute_limits_task.name  # stable, stored in Job rows: it lives once, on the task
PROGRESS_STEPS = 10  # the job computes in at most this many set-based chunks of villages, for progress


def limits_village_ids(*, scope: Scope, campaign: Campaign, village=None, branch=None) -> list[int]:
    """The villages a computation covers: the scope's, narrowed to a village or branch.

    Raises Http404 when the campaign, village or branch lies outside the scope (O2: like missing).
    """
    if campaign.head_office_id != scope.head_office_id:
        raise Http404
    with scopes_disabled():
        villages = Village.objects.filter(id__in=scope.village_ids, branch__head_office_id=campaign.head_office_id)
        if village is not None:
            villages = villages.filter(id=getattr(village, "pk", village))
        if branch is not None:
            villages = villages.filter(branch_id=getattr(branch, "pk", branch))
        ids = sorted(villages.values_list("id", flat=True))
    if (village is not None or branch is not None) and not ids:
        raise Http404
    return ids


def _covers_head_office(campaign: Campaign, village_ids: list[int]) -> bool:
    with scopes_disabled():
        return len(village_ids) == Village.objects.filter(branch__head_office_id=campaign.head_office_id).count()


def limits_status_counts(*, campaign: Campaign, village_ids: list[int]) -> dict[str, int]:
    with scopes_disabled():  # the ids are the scope's own villages
        rows = (LimitResult.objects.filter(campaign=campaign, household__village_id__in=village_ids)
                .values_list("status").annotate(n=Count("id")))
        counts = dict(rows)
    return {status: counts.get(status, 0) for status in LimitStatus.values}


def limits_compute_run(*, scope: Scope, campaign: Campaign, village=None, branch=None,
                       progress: Callable[[int], None] | None = None) -> dict:
    """Compute L1–L6 now, in chunks of villages, each committed on its own (every chunk is idempotent,
    so a run stopped half-way and started again ends with the same rows).

    On PostgreSQL the chunks run on LIMITS_COMPUTE_WORKERS connections at once (a county's campaign
    on a two-core server: measured 1.5× faster than one statement); `progress(percent)` is called as
    chunks finish. Inside
    a caller's transaction (tests, or a caller that wants one statement) it computes inline instead,
    since other connections could not see that transaction's rows.

    A village whose board is published or whose lines took effect is skipped (`surveys.frozen`): its results
    never change.

    Returns {"villages": n computed, "written": rows inserted or changed, "counts": {status: n},
    "skipped": [{"village_id", "code", "name", "reason"}]}. Raises Http404 outside the scope.
    """
    village_ids = limits_village_ids(scope=scope, campaign=campaign, village=village, branch=branch)
    skipped = limits_skipped(campaign=campaign, village_ids=village_ids)
    covered = village_ids
    village_ids = [pk for pk in village_ids if pk not in {row["village_id"] for row in skipped}]
    workers = settings.LIMITS_COMPUTE_WORKERS if connection.vendor == "postgresql" else 1
    parallel = workers > 1 and not connection.in_atomic_block
    if progress is None and not parallel:
        whole = village is None and branch is None and not skipped and _covers_head_office(campaign, village_ids)
        with transaction.atomic():
            written = compute_campaign_limits(campaign=campaign, village_ids=None if whole else village_ids)
    else:
        steps = max(PROGRESS_STEPS, workers) if progress is not None else workers
        size = max(1, -(-len(village_ids) // steps))
        chunks = [village_ids[i:i + size] for i in range(0, len(village_ids), size)]
        if parallel:
            with ThreadPoolExecutor(max_workers=min(workers, len(chunks))) as pool:
                written = _collect(pool.map(partial(_compute_chunk, campaign, close=True), chunks), len(chunks),
                                   progress)
        else:
            written = _collect((_compute_chunk(campaign, chunk) for chunk in chunks), len(chunks), progress)
    return {"villages": len(village_ids), "written": written,
            "counts": limits_status_counts(campaign=campaign, village_ids=covered), "skipped": skipped}


def _collect(results, total: int, progress) -> int:
    """Add up the rows the chunks wrote, reporting progress as each finishes."""
    written = 0
    for done, rows in enumerate(results, start=1):
        written += rows
        if progress is not None:
            progress(int(100 * done / total))
    return written


def _compute_chunk(campaign: Campaign, village_ids: list[int], close: bool = False) -> int:
    """One chunk in its own transaction. A pool thread has its own connection: `close` it afterwards."""
    try:
        with transaction.atomic():
            return compute_campaign_limits(campaign=campaign, village_ids=village_ids)
    finally:
        if close:
            connection.close()


@transaction.atomic
def limits_compute(*, scope: Scope, actor, campaign: Campaign, village=None, branch=None) -> Job:
    """Record a compute job for the campaign (optionally one village or branch); it runs after commit.

    Raises Http404 outside the scope (checked now, and again by the job in the maker's scope).
    """
    limits_village_ids(scope=scope, campaign=campaign, village=village, branch=branch)
    kwargs = {"campaign_id": campaign.pk, "head_office_id": campaign.head_office_id,
              "village_id": getattr(village, "pk", village), "branch_id": getattr(branch, "pk", branch)}
    return job_enqueue(task_name=TASK_NAME, kwargs=kwargs, actor=actor)


# --- The set-based computation (L1–L7 in one statement) --------------------------------------------------

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
           json_array(respondent_id, ac) AS item
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

# Every household of the head office (or of the chosen villages), with its branch and its aggregate.
HOUSEHOLDS = """FROM households_household h
    JOIN sunshine_credit_village v ON v.id = h.village_id
    JOIN sunshine_credit_branch b ON b.id = v.branch_id
    LEFT JOIN agg ON agg.household_id = h.id"""

# L1–L4 on one row per household, shared by both statements: status (any withhold reason wins over
# any amount), then the amount floored to the rounding unit in integer cents.
STEPS = """st AS {materialized} (
    SELECT base.*,
           CASE WHEN base.elig IS NOT NULL THEN 'ineligible'
                WHEN COALESCE(base.n, 0) < %(minimum)s THEN 'incomplete'
                WHEN base.{withheld} IS NOT NULL THEN 'withheld'
                WHEN base.age IS NULL OR base.age < {min_age} OR base.age > {max_age} THEN 'ineligible'
                ELSE 'granted' END AS status,
           CASE WHEN %(trimmed)s = 1 THEN base.total - base.low_ac - base.high_ac ELSE base.total END AS kept_sum,
           CASE WHEN %(trimmed)s = 1 THEN base.n - 2 ELSE base.n END AS kept_n
    FROM base
),
res AS {materialized} (
    SELECT st.*,
           CASE WHEN st.status = 'granted' THEN st.kept_sum / (st.kept_n * %(unit)s) * %(unit)s END AS amount_c
    FROM st
)"""

SQLITE = """
WITH {agg}
base AS (
    SELECT h.id AS household_id, b.approval_authority, agg.n, agg.total, agg.low_ac, agg.low_id, agg.high_ac,
           agg.high_id, agg.med_sum, agg.med_n, agg.inputs, reasons.reasons AS reason_counts, {elig},
           CASE WHEN m.id IS NULL THEN NULL
                ELSE %(ref_year)s - CAST(substr(m.birth_date, 1, 4) AS BIGINT)
                     - CASE WHEN %(ref_md)s < substr(m.birth_date, 6, 5) THEN 1 ELSE 0 END
           END AS age
    {households}
    LEFT JOIN reasons ON reasons.household_id = h.id
    LEFT JOIN households_member m ON m.id = h.representative_id
    WHERE h.head_office_id = %(head_office)s {village_filter}
),
{steps}
SELECT %(campaign)s AS campaign_id, res.household_id, res.status,
       res.amount_c / 100.0 AS amount,
       COALESCE(res.n, 0) AS valid_count,
       CASE WHEN res.status = 'granted' THEN (res.kept_sum * 200 + res.kept_n) / (2 * res.kept_n) / 10000.0 END AS mean,
       CASE WHEN res.status = 'granted' AND %(trimmed)s = 1 THEN res.high_id END AS dropped_high_id,
       CASE WHEN res.status = 'granted' AND %(trimmed)s = 1 THEN res.low_id END AS dropped_low_id,
       COALESCE(res.reason_counts, '{{}}') AS reasons,
       CASE WHEN res.med_n IS NOT NULL AND res.amount_c * res.med_n * 100 > %(band_high)s * res.med_sum
            THEN json_array('over_income') ELSE '[]' END AS warnings,
       CASE WHEN res.elig IS NOT NULL THEN json_array(res.elig)
            WHEN res.amount_c > CAST(ROUND(res.approval_authority * 100) AS BIGINT)
            THEN json_array('needs_escalation') ELSE '[]' END AS flags,
       res.age AS representative_age,
       CASE WHEN res.med_n IS NOT NULL THEN (res.med_sum + res.med_n / 2) / res.med_n / 100.0 END AS income_median,
       COALESCE(res.inputs, '[]') AS inputs,
       %(now)s AS computed_at
FROM res WHERE true
"""

POSTGRESQL = """
WITH rk AS (  -- respondents in reading order (only the order matters, so all of them)
    SELECT id, row_number() OVER (ORDER BY code COLLATE "C", id) AS rk FROM surveys_respondent
),
agg AS (
    SELECT q.household_id, count(*) AS n, CAST(sum(q.ac) AS BIGINT) AS total, min(q.ac) AS low_ac, max(q.ac) AS high_ac,
           -- lower and upper middle of the income estimates (the same value when their count is odd)
           percentile_disc(0.5) WITHIN GROUP (ORDER BY q.ic) AS med_lo,
           percentile_disc(0.5) WITHIN GROUP (ORDER BY q.ic DESC) AS med_hi,
           jsonb_agg(q.withhold_reasons) FILTER (WHERE q.withhold_reasons <> '[]'::jsonb) AS reason_lists,
           array_agg(ARRAY[q.respondent_id, q.ac] ORDER BY q.ac NULLS FIRST, rk.rk) AS items
    FROM (SELECT q.household_id, q.respondent_id, q.withhold_reasons,
                 CAST(ROUND(q.amount * 100) AS BIGINT) AS ac, CAST(ROUND(q.net_income * 100) AS BIGINT) AS ic
          FROM surveys_questionnaire q
          WHERE q.campaign_id = %(campaign)s {q_filter}
            AND (q.amount IS NOT NULL OR q.withhold_reasons <> '[]'::jsonb)) q
    JOIN rk ON rk.id = q.respondent_id
    GROUP BY q.household_id
),
base AS MATERIALIZED (
    SELECT h.id AS household_id, CAST(ROUND(b.approval_authority * 100) AS BIGINT) AS authority_c,
           agg.n, agg.total, agg.low_ac, agg.high_ac, agg.med_lo, agg.med_hi, agg.reason_lists, agg.items, {elig},
           CAST(EXTRACT(YEAR FROM age(%(ref_date)s, m.birth_date)) AS INTEGER) AS age
    {households}
    LEFT JOIN households_member m ON m.id = h.representative_id
    WHERE h.head_office_id = %(head_office)s {village_filter}
),
{steps}
SELECT %(campaign)s AS campaign_id, res.household_id, res.status,
       res.amount_c / 100.0 AS amount,
       COALESCE(res.n, 0) AS valid_count,
       CASE WHEN res.status = 'granted' THEN (res.kept_sum * 200 + res.kept_n) / (2 * res.kept_n) / 10000.0 END AS mean,
       CASE WHEN res.status = 'granted' AND %(trimmed)s = 1 THEN res.items[res.n][1] END AS dropped_high_id,
       CASE WHEN res.status = 'granted' AND %(trimmed)s = 1 THEN res.items[1][1] END AS dropped_low_id,
       CASE WHEN res.reason_lists IS NULL THEN '{{}}'::jsonb ELSE (  -- only withheld households come here
           SELECT jsonb_object_agg(code, given) FROM (
               SELECT e.code, count(*) AS given
               FROM jsonb_array_elements(res.reason_lists) AS l(codes),
                    LATERAL (SELECT DISTINCT jsonb_array_elements_text(l.codes)) AS e(code)
               GROUP BY e.code) d) END AS reasons,
       CASE WHEN res.med_lo IS NOT NULL AND res.amount_c * 2 * 100 > %(band_high)s * (res.med_lo + res.med_hi)
            THEN '["over_income"]'::jsonb ELSE '[]'::jsonb END AS warnings,
       CASE WHEN res.elig IS NOT NULL THEN jsonb_build_array(res.elig)
            WHEN res.amount_c > res.authority_c THEN '["needs_escalation"]'::jsonb ELSE '[]'::jsonb END AS flags,
       res.age AS representative_age,
       ROUND((res.med_lo + res.med_hi) / 2.0) / 100 AS income_median,
       COALESCE(CAST(array_to_json(res.items) AS jsonb), '[]'::jsonb) AS inputs,
       %(now)s AS computed_at
FROM res
"""


# Who may enter the computation (households.rules.stage_ineligibility, the same order): a member on the active
# blacklist (C4), excluded from the archive, not archived yet → `ineligible` with the code as its flag.
ELIG = f"""CASE WHEN EXISTS (SELECT 1 FROM households_member bm
                         JOIN sunshine_credit_blacklistentry be ON be.id_number = bm.id_number
                              AND be.head_office_id = h.head_office_id AND be.active
                         WHERE bm.household_id = h.id) THEN '{BLACKLISTED}'
                WHEN h.archive_status = '{ArchiveStatus.EXCLUDED}' THEN '{EXCLUDED}'
                WHEN h.archive_status <> '{ArchiveStatus.ARCHIVED}' THEN '{NOT_ARCHIVED}' END AS elig"""


def select_sql(vendor: str, village_ids=None, frozen=()) -> str:
    """The SELECT that computes every LimitResult column (COLUMNS) for the households of `village_ids`, except
    those of the `frozen` villages (a published board or lines in effect: their results never change)."""
    village_filter = q_filter = ""
    if village_ids is not None:
        villages = ", ".join(str(int(v)) for v in village_ids) or "NULL"
        village_filter = f"AND h.village_id IN ({villages})"
        q_filter = f"AND q.household_id IN (SELECT id FROM households_household WHERE village_id IN ({villages}))"
    if frozen:
        village_filter += f" AND h.village_id NOT IN ({', '.join(str(int(v)) for v in frozen)})"
    if vendor == "postgresql":
        steps = STEPS.format(materialized="MATERIALIZED", withheld="reason_lists", min_age=MIN_AGE, max_age=MAX_AGE)
        return POSTGRESQL.format(q_filter=q_filter, village_filter=village_filter, steps=steps, households=HOUSEHOLDS,
                                 elig=ELIG)
    steps = STEPS.format(materialized="", withheld="reason_counts", min_age=MIN_AGE, max_age=MAX_AGE)
    return SQLITE.format(agg=AGG_SQLITE.format(q_filter=q_filter), village_filter=village_filter, steps=steps,
                         households=HOUSEHOLDS, elig=ELIG)


def upsert_sql(vendor: str, village_ids=None, frozen=()) -> str:
    """INSERT the SELECT's rows; a row that exists is rewritten only when one of its values changed (L7)."""
    updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[2:])
    changed = " OR ".join(f"surveys_limitresult.{c} IS DISTINCT FROM excluded.{c}" for c in COMPARED)
    return (f"INSERT INTO surveys_limitresult ({', '.join(COLUMNS)})\n{select_sql(vendor, village_ids, frozen)}"
            f"ON CONFLICT (campaign_id, household_id) DO UPDATE SET {updates}\nWHERE {changed}")


def compute_params(campaign, now: datetime.datetime) -> dict:
    """The statement's parameters: the campaign's settings (SPEC §4), money in cents."""
    ref: datetime.date = campaign.reference_date
    return {
        "head_office": campaign.head_office_id, "campaign": campaign.pk,
        "ref_year": ref.year, "ref_md": f"{ref:%m-%d}", "ref_date": ref,
        "minimum": minimum_respondents(campaign.method, campaign.min_respondents),
        "trimmed": 1 if campaign.method == "trimmed" else 0,
        "unit": cents(Decimal(campaign.rounding_unit)),
        "band_high": cents(Decimal(campaign.income_band_high)),
        "now": connection.ops.adapt_datetimefield_value(now),
    }


def session_settings(cursor) -> None:
    """PostgreSQL: JIT compiling this wide statement costs more than it saves (measured ~0.5–1 s a run);
    the sort of a county's questionnaires fits in memory with room to spare at 256 MB."""
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '256MB'")


def compute_campaign_limits(*, campaign, village_ids=None, now: datetime.datetime | None = None) -> int:
    """Compute and store L1–L6 for the households of `village_ids` (None: the whole head office), never those of
    a frozen village (`surveys.frozen`: its board is published or its lines took effect).

    The caller restricts `village_ids` to the acting user's scope. Returns the rows written
    (inserted or changed); unchanged rows are left alone.
    """
    frozen = sorted(frozen_villages(campaign=campaign, village_ids=village_ids))
    with connection.cursor() as cursor:
        session_settings(cursor)
        cursor.execute(upsert_sql(connection.vendor, village_ids, frozen),
                       compute_params(campaign, now or timezone.now()))
        return cursor.rowcount
