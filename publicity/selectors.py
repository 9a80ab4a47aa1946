"""Publicity reads: what a village's board lists (P1/P2), the officers' pages (a campaign's boards with their
progress, one notice's items and objections), and the public pages of P4 (no login).

A household is on the board when its panel decided to grant it an amount (not removed by the pre-check)
and its consent to publicity (PIPL art. 25) is recorded. Escalated amounts are listed too: the village sees
them before the level above approves (P5 makes them wait). Only the fields a board may show are read:
group, the head's name and the amount — never ID or phone numbers, respondents, ratings or withhold reasons.

Visitors of the public pages have an empty scope, so their notice is found by its token alone and only what
the printed board shows is read.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Prefetch, Q, Subquery
from django.db.models.fields.json import KT
from django.db.models.query import prefetch_related_objects
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope as django_scope
from django_scopes import scopes_disabled

from appraisal.approvals import ESCALATION_KIND
from appraisal.models import Decision, DecisionStatus, Panel
from households.models import ArchiveStatus, Relation
from households.selectors import blacklisted_member_exists
from sunshine_credit.lib.masking import mask_phone
from sunshine_credit.lib.public_input import normalise_reference
from sunshine_credit.models import Approval
from sunshine_credit.scoping import Scope, get_in_scope_or_404
from surveys.models import Campaign

from .models import ItemStatus, Notice, NoticeItem, NoticeKind, Objection, Outcome
from .rules import REFERENCE_RE, ObjectionRefused, check_running, mask_name

# --- the board's rows (P1/P2) -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    group: str
    code: str
    name: str        # masked unless the branch publishes full names
    amount: Decimal
    household_id: int  # for the board's items (never printed)
    decision_id: int


def board_rows(*, campaign_id: int, village_id: int, full_names: bool = False) -> list[BoardRow]:
    """The board's rows by 村民小组 then household code. Call inside a scope holding the village. One query."""
    # Issue 15: only households that may enter a credit stage (archived, nobody blacklisted) reach a board.
    rows = (Decision.objects.filter(campaign_id=campaign_id, household__village_id=village_id,
                                    status=DecisionStatus.GRANTED, household__publicity_consent=True,
                                    household__archive_status=ArchiveStatus.ARCHIVED)
            .exclude(blacklisted_member_exists("household_id", "household__head_office_id"))
            .alias(head=FilteredRelation("household__members",
                                         condition=Q(household__members__relation=Relation.HEAD)))
            .order_by(F("household__group__name").asc(nulls_last=True), "household__code")
            .values_list("household__group__name", "household__code", "head__name", "amount", "household_id", "pk"))
    return [BoardRow(group=group or "", code=code, name=mask_name(name or "", full=full_names), amount=amount,
                     household_id=household_id, decision_id=decision_id)
            for group, code, name, amount, household_id, decision_id in rows]


def escalations_approved_on(decision_ids: list[int], *, today: datetime.date) -> dict[int, datetime.date]:
    """L6: the day the level above approved each decision's escalation (its approval's decision time); a
    decision approved without an approval row on record counts from `today`, the day the job finds it."""
    if not decision_ids:
        return {}
    days = {pk: today for pk in decision_ids}
    for subject_id, decided_at in (Approval.objects.filter(kind=ESCALATION_KIND, subject_id__in=decision_ids,
                                                           status=Approval.Status.APPROVED)
                                   .exclude(decided_at=None).order_by("decided_at")
                                   .values_list("subject_id", "decided_at")):
        days[subject_id] = timezone.localdate(decided_at)
    return days


# --- the officers' pages (P1–P4) ----------------------------------------------------------------------------


def campaigns(*, scope: Scope):
    return Campaign.objects.filter(head_office_id=scope.head_office_id).order_by("-reference_date", "-pk")


# Issue 15 item 4: what waits for the maker of a village on the boards — the list behind each count of the home
# page's task list (`campaign_boards(todo=...)`), and the count itself (supervision.selectors.tasks).
BOARD_TODOS = ("publish", "reconsider")


def boards_todo(*, scope: Scope, todo: str):
    """The panels, of the villages the user enters data for, with something to do on their pre-credit board:
    "publish" — signed off and no board yet; "reconsider" — objected lines frozen, waiting for the panel's
    reconsideration (P4). Every campaign's; unknown `todo`: none."""
    panels = Panel.objects.filter(village_id__in=scope.editable_village_ids,
                                  campaign__head_office_id=scope.head_office_id)
    boards = Notice.objects.filter(kind=NoticeKind.PRECREDIT, campaign_id=OuterRef("campaign_id"),
                                   village_id=OuterRef("village_id"))
    if todo == "publish":
        return panels.filter(status=Panel.Status.SIGNED).exclude(Exists(boards))
    if todo == "reconsider":
        return panels.filter(Exists(boards.filter(items__status=ItemStatus.FROZEN)))
    return panels.none()


def campaign_boards(*, scope: Scope, campaign_id: int, todo: str = "") -> list[Panel]:
    """The campaign's panels in the scope (only those of `boards_todo(todo)` when given), each with `notice` (or
    None): three queries in all."""
    notices = Notice.objects.filter(kind=NoticeKind.PRECREDIT, campaign_id=campaign_id, village_id=OuterRef("village_id"))
    panels = (boards_todo(scope=scope, todo=todo) if todo else
              Panel.objects.filter(village_id__in=scope.village_ids, campaign__head_office_id=scope.head_office_id))
    panels = list(panels.filter(campaign_id=campaign_id)
                  .select_related("village").annotate(notice_id=Subquery(notices.values("pk")[:1]))
                  .order_by("village__code"))
    by_id = {n.pk: n for n in Notice.objects.filter(pk__in=[p.notice_id for p in panels if p.notice_id])
             .select_related("job").annotate(
                 item_count=Count("items", distinct=True),
                 frozen_count=Count("items", filter=Q(items__status=ItemStatus.FROZEN), distinct=True),
                 effective_count=Count("items", filter=Q(items__status=ItemStatus.EFFECTIVE), distinct=True))}
    for panel in panels:
        panel.notice = by_id.get(panel.notice_id)
    return panels


def publish_preview(*, scope: Scope, campaign_id: int, panel_id: int | None = None) -> dict:
    """What publishing will do (issue 15 item 5, the confirmation page): the signed-off boards of the scope's
    editable villages still unpublished (one panel's, or the campaign's), their households, the notice days."""
    with scopes_disabled():  # the filter on editable_village_ids is the scope
        panels = (Panel.objects.filter(campaign_id=campaign_id, status=Panel.Status.SIGNED,
                                       village_id__in=scope.editable_village_ids,
                                       campaign__head_office_id=scope.head_office_id)
                  .exclude(village_id__in=Notice.objects.filter(kind=NoticeKind.PRECREDIT, campaign_id=campaign_id)
                           .values("village_id"))
                  .select_related("village__branch", "campaign").order_by("village__code"))
        if panel_id is not None:
            panels = panels.filter(pk=panel_id)
        boards = [{"panel": panel, "households": len(board_rows(
            campaign_id=campaign_id, village_id=panel.village_id, full_names=panel.village.branch.publish_full_names))}
            for panel in panels]
        days = Campaign.objects.filter(pk=campaign_id).values_list("notice_days", flat=True).first() or 0
    return {"boards": boards, "villages": sum(1 for b in boards if b["households"]),
            "households": sum(b["households"] for b in boards),
            "days": days}


def boards_progress(panels: list[Panel]) -> dict:
    """Counts for the progress bar of whole-campaign rendering."""
    notices = [p.notice for p in panels if p.notice]
    done = sum(1 for n in notices if n.status == Notice.Status.PUBLISHED)
    return {"panels": len(panels), "signed": sum(1 for p in panels if p.status == Panel.Status.SIGNED),
            "published": len(notices), "printed": done,
            "rendering": sum(1 for n in notices if n.status == Notice.Status.RENDERING),
            "failed": sum(1 for n in notices if n.status == Notice.Status.FAILED),
            "percent": round(100 * done / len(notices)) if notices else 0}


# --- V1: the campaign-progress stage publicity owns (公示) ------------------------------------------------------

def published(*, campaign_id: int, village_ids):
    """The households on the campaign's published pre-credit boards of `village_ids` (one item each, whatever
    became of it since): the one definition the dashboards count (supervision.selectors.overview.figures) and
    the list behind the figure shows. A board still printing, or whose printing failed, is not published."""
    return NoticeItem.objects.filter(notice__campaign_id=campaign_id, notice__kind=NoticeKind.PRECREDIT,
                                     notice__status=Notice.Status.PUBLISHED, notice__village_id__in=village_ids)


def published_list(*, scope: Scope, campaign_id: int):
    """The list's rows, one query per page: each item with its board, village and household — what the board
    published (group, name as published, amount), never an ID or phone number."""
    return (published(campaign_id=campaign_id, village_ids=scope.village_ids)
            .select_related("notice__village", "household").order_by("notice__village__code", "line_no"))


def notice_or_404(scope: Scope, pk: int, *, for_edit: bool = False) -> Notice:
    return get_in_scope_or_404(Notice.objects.select_related("village__branch", "campaign", "panel", "job",
                                                             "published_by"), scope, for_edit=for_edit, pk=pk)


def notice_items(notice: Notice):
    return (NoticeItem.objects.filter(notice=notice).select_related("household", "reconsidered_by")
            .annotate(open_objections=Count("objections", filter=Q(objections__status=Objection.Status.OPEN)))
            .order_by("line_no"))


def notice_objections(notice: Notice):
    return Objection.objects.filter(notice=notice).select_related("item", "lodged_by").order_by("-lodged_at")


def notice_lines(notice: Notice) -> list[NoticeItem]:
    """The board's lines in board order, for the counter's objection form."""
    return list(NoticeItem.objects.filter(notice=notice).order_by("line_no"))


def item_or_404(scope: Scope, pk: int) -> NoticeItem:
    """One board line in the scope's villages (R1: 404 outside)."""
    return get_in_scope_or_404(NoticeItem.objects.select_related("notice", "household"), scope,
                               village_field="notice__village_id", pk=pk)


def running_refusal(notice: Notice, today: datetime.date | None = None) -> str:
    """The message why objections are not taken now, or "" while the notice runs."""
    try:
        check_running(kind=notice.kind, status=notice.status, starts_on=notice.starts_on, ends_on=notice.ends_on,
                      today=today or timezone.localdate())
    except ObjectionRefused as exc:
        return str(exc)
    return ""


# --- the public pages (P4, no login) ------------------------------------------------------------------------


def public_notice_or_404(token: str) -> Notice:
    """The published notice behind a board's QR code, whoever asks (anonymous visitors have an empty scope)."""
    if not token:
        raise Http404
    with scopes_disabled():
        notice = Notice.objects.filter(public_token=token, status=Notice.Status.PUBLISHED).first()
    if notice is None:
        raise Http404
    return notice


def public_board_items(notice: Notice) -> list[NoticeItem]:
    """The board's lines with only what the printed board shows (序号, group, the name as published, amount)."""
    with django_scope(village=[notice.village_id]):
        return list(NoticeItem.objects.filter(notice=notice).only("id", "notice_id", "line_no", "group_name", "name",
                                                                  "amount").order_by("line_no"))


def public_objection_exists(notice: Notice, reference: str) -> bool:
    """The confirmation page shows a reference only for an objection to this very board."""
    with scopes_disabled():
        return Objection.objects.filter(notice=notice, reference=reference).exists()


@dataclass(frozen=True)
class PublicObjection:
    """What the public look-up shows: nothing beyond the board and the objection's own outcome."""

    reference: str
    title: str
    line_no: int
    name: str
    status: str
    status_display: str
    reconsidered: bool
    outcome: str
    outcome_display: str
    final_amount: Decimal | None
    reasons: str


def objection_public_get(*, reference: str) -> PublicObjection | None:
    """P4 look-up by reference number (no login). None when no objection has it."""
    reference = normalise_reference(reference)
    if not REFERENCE_RE.fullmatch(reference):
        return None
    with scopes_disabled():
        objection = Objection.objects.select_related("notice", "item").filter(reference=reference).first()
    if objection is None:
        return None
    item = objection.item
    reconsidered = objection.status == Objection.Status.CLOSED and bool(item.outcome)
    return PublicObjection(
        reference=objection.reference, title=objection.notice.title, line_no=item.line_no, name=item.name,
        status=objection.status, status_display=objection.get_status_display(), reconsidered=reconsidered,
        outcome=item.outcome if reconsidered else "",
        outcome_display=item.get_outcome_display() if reconsidered else "",
        final_amount=item.final_amount if reconsidered and item.outcome == Outcome.CHANGED else None,
        reasons=item.outcome_reason if reconsidered else "")


def frozen_by_boards(campaign_id: int, village_ids: list[int] | None) -> dict[int, str]:
    """surveys.frozen: the villages whose pre-credit board of the campaign is published (or being printed for
    publication): their results are what the village saw. Needs no scope (the caller's ids are its scope)."""
    with scopes_disabled():
        notices = Notice.objects.filter(campaign_id=campaign_id, kind=NoticeKind.PRECREDIT).exclude(
            status=Notice.Status.FAILED)
        if village_ids is not None:
            notices = notices.filter(village_id__in=village_ids)
        return {village_id: _("its pre-credit board is published") for village_id in
                notices.values_list("village_id", flat=True)}


# --- the household page (issue 15 item 3) ---------------------------------------------------------------------

def household_boards_present():
    """Issue 18: whether the household was ever listed on a board (the household page's query answers it)."""
    return Exists(NoticeItem.objects.filter(household=OuterRef("pk")))


def household_boards_section(request, household) -> dict | None:
    """The boards the household was listed on (village, notice period, board code, what became of its line) and
    the objections to it (.objection_list) with their outcome. The objector's name and phone whole only for the
    village's makers (R5); the rest see them masked. One query, two when an item has objections."""
    scope = getattr(request, "scope", None)
    if scope is None:
        return None
    items = list(NoticeItem.objects.filter(household=household, notice__village_id__in=scope.village_ids)
                 .select_related("notice__village").defer("notice__snapshot")
                 # KT() cannot follow a relation on PostgreSQL (it would apply #>> to notice_id): a subquery
                 .annotate(board_code=Subquery(Notice.objects.filter(pk=OuterRef("notice_id"))
                                               .annotate(code=KT("snapshot__code")).values("code")[:1]),
                           objected=Exists(Objection.objects.filter(item=OuterRef("pk"))))
                 .order_by("-notice__starts_on", "-notice_id"))
    if not items:
        return None
    objected = [item for item in items if item.objected]
    for item in items:
        if not item.objected:
            item.objection_list = []  # (set before the prefetch, it would take the list as read already)
    prefetch_related_objects(objected, Prefetch("objections", queryset=Objection.objects.order_by("lodged_at", "pk"),
                                                to_attr="objection_list"))
    full = scope.can_edit_village(household.village_id)
    for item in objected:
        for objection in item.objection_list:
            objection.objector_shown = objection.objector_name if full else mask_name(objection.objector_name)
            objection.phone_shown = objection.objector_phone if full else mask_phone(objection.objector_phone)
    return {"items": items, "village_id": household.village_id}
