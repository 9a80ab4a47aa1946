"""L7: computing the pre-credit limits of a campaign, a branch or a village (writes).

`limits_compute` records a Job and sends it after commit (R8); the task re-enters the maker's scope
and calls `limits_compute_run`, which the `compute_limits` command also calls directly.
Computing is a derivation of data the user can already read, so the read scope bounds it (R1):
a job started by a branch-A user never writes a branch-B row.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.http import Http404
from django_scopes import scopes_disabled

from sunshine_credit.jobs import job_enqueue
from sunshine_credit.models import Job, Village
from sunshine_credit.scoping import Scope

from .compute import compute_campaign_limits
from .models import Campaign, LimitResult, LimitStatus
from .tasks import compute_limits as compute_limits_task

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

    Returns {"villages": n, "written": rows inserted or changed, "counts": {status: n}}.
    Raises Http404 outside the scope.
    """
    village_ids = limits_village_ids(scope=scope, campaign=campaign, village=village, branch=branch)
    workers = settings.LIMITS_COMPUTE_WORKERS if connection.vendor == "postgresql" else 1
    parallel = workers > 1 and not connection.in_atomic_block
    if progress is None and not parallel:
        whole = village is None and branch is None and _covers_head_office(campaign, village_ids)
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
            "counts": limits_status_counts(campaign=campaign, village_ids=village_ids)}


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
