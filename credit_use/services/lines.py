"""P5: when a pre-credit board's notice period has ended, its listed items become credit lines (授信额度).

A system job (Celery beat "lines-take-effect", hourly; `manage.py lines_take_effect` by hand). It acts for no
user, so it runs under `scopes_disabled()`: every query below names the notice it works on.

Per notice, one transaction: the notice row is locked first (two runs at once queue up on it, and the second
finds nothing left to do), then the listed items are locked and settled set-based — county scale is about
500 boards of 200 households — with bulk inserts (COPY on PostgreSQL) and `update`:
- escalation not needed or approved by the level above (L6) → a line of the item's amount after
  reconsideration, and its CREATED event; the item becomes EFFECTIVE;
- escalation refused → the item becomes REFUSED, no line;
- escalation pending → the item stays LISTED and a later run picks it up once the level above decided.
Frozen items (an open objection) wait for the panel's reconsideration, which sets them back to LISTED (then a
later run makes the line) or to REJECTED (never a line). Running the job twice gives one line per item: only
LISTED items are read, and the OneToOne `notice_item` and unique (campaign, household) hold it in the database.

R4: bulk writes bypass django-auditlog; the CreditLineEvent rows are the record of what the system did
(actor None = the system, when, the amount, the notice it came from).
"""

import datetime
import logging
from collections import Counter

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django_scopes import scopes_disabled

from households.selectors import households_ineligibility
from publicity.models import ItemStatus, Notice, NoticeItem, NoticeKind
from publicity.rules import REFUSED, TAKES_EFFECT, WAITS, escalation_approved, item_outcome
from publicity.selectors import escalations_approved_on
from sunshine_credit.lib.bulk import bulk_insert

from ..models import CreditLine, CreditLineEvent, LineStatus
from ..rules import lines as rules

logger = logging.getLogger(__name__)

ITEM_FIELDS = ("pk", "household_id", "household__village_id", "amount", "final_amount", "reconsidered_at",
               "decision_id", "decision__escalation")
COUNTS = ("notices", "created", "refused", "waiting", "frozen", "skipped", "failed")


def notices_due(*, today: datetime.date) -> list[int]:
    """Published pre-credit boards whose period ended before `today`, not yet processed or with listed items."""
    listed = NoticeItem.objects.filter(notice=OuterRef("pk"), status=ItemStatus.LISTED)
    return list(Notice.objects.filter(kind=NoticeKind.PRECREDIT, status=Notice.Status.PUBLISHED, ends_on__lt=today)
                .filter(Q(ended_at__isnull=True) | Exists(listed)).order_by("ends_on", "pk")
                .values_list("pk", flat=True))


def lines_take_effect(*, today: datetime.date | None = None) -> dict:
    """P5 over every due board. Returns the counts: notices processed, lines created, items refused, waiting
    (escalation pending), frozen (waiting for reconsideration), skipped (the household already holds a line of
    the campaign), failed (boards whose transaction was rolled back; logged, tried again next run)."""
    today = today or timezone.localdate()
    years = settings.CREDIT_LINE_YEARS
    totals = Counter({key: 0 for key in COUNTS})
    with scopes_disabled():
        for notice_id in notices_due(today=today):
            try:
                counts = notice_lines_take_effect(notice_id=notice_id, today=today, years=years)
            except IntegrityError:
                # A line made meanwhile by someone else (or a second run on a database without row locks):
                # nothing of this board was written; the next run settles it.
                logger.exception("lines of notice %s not created; will retry", notice_id)
                totals["failed"] += 1
                continue
            if counts is not None:
                totals.update(counts)
                totals["notices"] += 1
    logger.info("lines take effect: %s", dict(totals))
    return dict(totals)


@transaction.atomic
def notice_lines_take_effect(*, notice_id: int, today: datetime.date, years: int) -> Counter | None:
    """P5 for one board, in one transaction; None when the board is no longer due. Call under scopes_disabled().
    Raises IntegrityError (everything of the board rolled back) if a line appeared meanwhile."""
    notice = (Notice.objects.select_for_update().filter(pk=notice_id, kind=NoticeKind.PRECREDIT,
                                                         status=Notice.Status.PUBLISHED, ends_on__lt=today).first())
    if notice is None:
        return None
    counts = Counter()
    items = list(NoticeItem.objects.select_for_update(of=("self",)).filter(notice=notice, status=ItemStatus.LISTED)
                 .values(*ITEM_FIELDS).order_by("line_no"))
    by_outcome = {TAKES_EFFECT: [], REFUSED: [], WAITS: []}
    for item in items:
        by_outcome[item_outcome(item["decision__escalation"])].append(item)
    created, healed, skipped = _create_lines(notice, by_outcome[TAKES_EFFECT], today=today, years=years)
    _set_status([*created, *healed], ItemStatus.EFFECTIVE)
    _set_status([i["pk"] for i in by_outcome[REFUSED]], ItemStatus.REFUSED)
    if notice.ended_at is None:
        Notice.objects.filter(pk=notice.pk).update(ended_at=timezone.now())
    counts.update(created=len(created), refused=len(by_outcome[REFUSED]),
                  waiting=len(by_outcome[WAITS]), skipped=skipped,
                  frozen=NoticeItem.objects.filter(notice=notice, status=ItemStatus.FROZEN).count())
    return counts


def _set_status(item_ids: list[int], status: str) -> None:
    # The version moves (R3): a form shown before the job ran is stale.
    if item_ids:
        NoticeItem.objects.filter(pk__in=item_ids).update(status=status, version=F("version") + 1)


def _create_lines(notice: Notice, items: list[dict], *, today: datetime.date, years: int):
    """Lines and their CREATED events for `items`. Returns (item ids with a new line, item ids whose line
    already existed (marked effective), number skipped: the household holds another line of the campaign)."""
    if not items:
        return [], [], 0
    # Two probes of unique indexes (campaign, household) and (notice_item), not one OR over the table.
    lined_households = set(CreditLine.objects.filter(campaign_id=notice.campaign_id,
                                                     household_id__in=[i["household_id"] for i in items])
                           .values_list("household_id", flat=True))
    lined_items = set(CreditLine.objects.filter(notice_item_id__in=[i["pk"] for i in items])
                      .values_list("notice_item_id", flat=True))
    approved_on = escalations_approved_on([i["decision_id"] for i in items
                                           if escalation_approved(i["decision__escalation"])], today=today)
    # Issue 15: only archived households with nobody blacklisted enter credit lines, whatever the board listed.
    ineligible = households_ineligibility(household_ids=[i["household_id"] for i in items])
    lines, healed, skipped = [], [], 0
    for item in items:
        if item["pk"] in lined_items:
            healed.append(item["pk"])  # its line is already there: only the item's status was behind
            continue
        if item["household_id"] in ineligible:
            # Left listed (an officer sorts it out: archive it, or lift the blacklist entry); never a line now.
            skipped += 1
            logger.warning("notice %s item %s: household %s is %s; no line", notice.pk, item["pk"],
                           item["household_id"], ineligible[item["household_id"]])
            continue
        if item["household_id"] in lined_households:
            # Left listed (an officer sorts it out); never a second line of the campaign.
            skipped += 1
            logger.warning("notice %s item %s: household %s already holds a line of campaign %s; skipped",
                           notice.pk, item["pk"], item["household_id"], notice.campaign_id)
            continue
        amount = item["final_amount"] if item["final_amount"] is not None else item["amount"]
        if amount is None or amount <= 0:
            skipped += 1
            logger.warning("notice %s item %s has no positive amount; skipped", notice.pk, item["pk"])
            continue
        cleared = [d for d in (_local_date(item["reconsidered_at"]), approved_on.get(item["decision_id"])) if d]
        effective_on = rules.effective_from(notice.ends_on, max(cleared) if cleared else None)
        lines.append((notice.head_office_id, item["household__village_id"], item["household_id"],
                      notice.campaign_id, item["pk"], amount, effective_on, rules.line_expiry(effective_on, years)))
    _insert_lines(notice, lines)
    return [line[4] for line in lines], healed, skipped


LINE_COLUMNS = ["head_office", "village", "household", "campaign", "notice_item", "amount", "effective_on",
                "expires_on", "status", "created_at", "version"]
EVENT_COLUMNS = ["line", "kind", "amount_before", "amount_after", "status_after", "reason", "actor", "at"]


def _insert_lines(notice: Notice, lines: list[tuple]) -> None:
    """COPY (PostgreSQL) the lines, read back their ids by item, COPY their CREATED events: ~5x faster than
    bulk_create at county scale. The columns are written out in full, defaults included."""
    if not lines:
        return
    now = timezone.now()
    # COPY goes to the driver's cursor directly: its unique violation must still reach the caller as Django's
    # IntegrityError (lines_take_effect rolls the board back and carries on).
    with connection.wrap_database_errors:
        bulk_insert(CreditLine, LINE_COLUMNS, [(*line, LineStatus.ACTIVE.value, now, 1) for line in lines])
    made = (CreditLine.objects.filter(notice_item_id__in=[line[4] for line in lines])
            .values_list("pk", "amount"))
    reason = notice.title[:500]
    with connection.wrap_database_errors:
        bulk_insert(CreditLineEvent, EVENT_COLUMNS, [(pk, CreditLineEvent.Kind.CREATED.value, None, amount,
                                                      LineStatus.ACTIVE.value, reason, None, now)
                                                     for pk, amount in made])


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment is not None else None
