"""Reads of the appraisal app, and the chokepoints every appraisal page goes through (A1/A3).

- Reviewers (external ones with the `reviewer` role, and bank staff sitting on a panel) reach a panel only
  through their own seat: `seat_or_404`. Their pages then run inside `panel_scope(panel)`, which holds
  the panel's village only; nothing else of the tenant data is visible to them.
- Officers and the other staff reach panels through their org scope: `panel_or_404`; the booklet pages through
  `booklet_panel_or_404` (makers of the village who do not sit on the panel); the batch commands through
  `panel_by_codes`.

Secrecy (A3): the seat_* reads (a reviewer's OWN entries, `member=seat`) and `decisions_summary` (once the
round is closed) are the only readers of `Appraisal` rows here. Before a round is closed the officer's pages
read only how many entries each seat has made.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError
from django.db.models import Count, F, FilteredRelation, OuterRef, Q, Subquery, Sum
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from households.models import Household, Member, Relation
from households.selectors import households_eligible
from sunshine_credit.lib.money import yuan
from sunshine_credit.models import Approval, Role
from sunshine_credit.scoping import Scope, activate

from . import rules
from .approvals import ESCALATION_KIND, OVERRIDE_KIND
from .models import (
    Appraisal,
    BookletImport,
    Decision,
    DecisionStatus,
    GapEdit,
    Panel,
    PanelHousehold,
    PanelMember,
    PreCheckFlag,
    PreCheckHit,
    Reviewer,
    SignOff,
)

# --- chokepoints (A1/A3) ------------------------------------------------------------------------------------

def _own_seats(user):
    """R1: a seat opens its panel's village only to a login of the panel's own branch (external reviewers'
    logins are made for their branch; bank staff must be its staff), whatever the registry says.

    The login's branch is its staff profile's (the request's scope has read it), compared as a constant: joining the
    login and its profile made the seat's statement eight tables, which PostgreSQL took 10–16 ms to plan on every
    reviewer request (issue 18)."""
    profile = getattr(user, "staff_profile", None)
    if profile is None or profile.branch_id is None:
        return PanelMember.objects.none()
    return PanelMember.objects.filter(reviewer__user_id=user.pk, reviewer__active=True,
                                      reviewer__branch_id=profile.branch_id,
                                      panel__village__branch_id=profile.branch_id)


def seat_or_404(user, panel_id) -> PanelMember:
    """The acting user's own seat on the panel (any status); 404 when they do not sit on it."""
    with scopes_disabled():
        seat = (_own_seats(user).select_related("panel__campaign", "panel__village__branch", "reviewer")
                .filter(panel_id=panel_id).first())
    if seat is None:
        raise Http404
    return seat


def seats_of(user) -> list[PanelMember]:
    """Every seat the user holds, newest campaign first (the reviewer's home page)."""
    with scopes_disabled():
        return list(_own_seats(user).select_related("panel__campaign", "panel__village")
                    .exclude(panel__status=Panel.Status.FORMING)
                    .order_by("-panel__campaign__reference_date", "panel__village__name"))


def panel_scope(panel: Panel, *, user_id: int | None) -> Scope:
    """A read-only scope holding only the panel's village: what a seated reviewer's pages run in."""
    return Scope(head_office_id=panel.campaign.head_office_id, role=Role.REVIEWER, branch_ids=(),
                 village_ids=(panel.village_id,), editable_village_ids=(), user_id=user_id)


def panel_or_404(scope: Scope, pk, *, for_edit: bool = False) -> Panel:
    """A panel of the user's org scope (edit: a village the user enters data for). Missing and forbidden: 404."""
    allowed = scope.editable_village_ids if for_edit else scope.village_ids
    panel = (Panel.objects.select_related("campaign", "village__branch")
             .filter(pk=pk, village_id__in=allowed, campaign__head_office_id=scope.head_office_id).first())
    if panel is None:
        raise Http404
    return panel


def round_entrants(panel: Panel):
    """Issue 15: the households that may enter a round of the panel now: those of its unit (village) that are
    archived with nobody blacklisted (households.selectors.households_eligible, the rule of every stage)."""
    return households_eligible(Household.objects.filter(village_id=panel.village_id))


def panel_households(panel: Panel):
    """A1 + issue 15: the households a panel appraises. While it is being formed, those that may enter now
    (`round_entrants`); from the opening of its round, the set recorded then (PanelHousehold): a roster imported
    or a household archived while the round is open changes no grid, booklet, decision or board."""
    if panel.status == Panel.Status.FORMING:
        return round_entrants(panel)
    return Household.objects.filter(village_id=panel.village_id, pk__in=Subquery(
        PanelHousehold.objects.filter(panel_id=panel.pk).values("household_id")))


def households_waiting(panel: Panel):
    """Issue 15: households of the village that may enter a round now but are not in this panel's (archived or
    imported after it opened): they wait for the next round. Empty while the panel is being formed."""
    if panel.status == Panel.Status.FORMING:
        return Household.objects.none()
    return round_entrants(panel).exclude(pk__in=Subquery(
        PanelHousehold.objects.filter(panel_id=panel.pk).values("household_id"))).order_by("code")


def panel_by_codes(scope: Scope, campaign_code: str, village_code: str, *, fetch=panel_or_404) -> Panel:
    """The batch commands' chokepoint: the panel of a campaign and village, fetched in the acting scope by
    `fetch` (the chokepoint the matching page uses), or a usage error (CommandError): unknown, or outside the
    scope."""
    with scopes_disabled():
        pk = Panel.objects.filter(campaign__head_office_id=scope.head_office_id, campaign__code=campaign_code,
                                  village__code=village_code).values_list("pk", flat=True).first()
    if pk is None:
        raise CommandError(f"no panel for campaign {campaign_code} and village {village_code} in your head office")
    try:
        with activate(scope):
            return fetch(scope, pk)
    except (Http404, PermissionDenied):
        raise CommandError(f"the panel of village {village_code} is outside your scope") from None


# --- the seated reviewer's reads (A3) -----------------------------------------------------------------------
# What a seated reviewer reads: the panel's households and their OWN entries, nothing of other seats. Every
# query here filters appraisals by the reviewer's own seat (`member=seat`).

NO_GROUP = 0  # households not assigned to a villagers' group


def seat_households(seat: PanelMember):
    """A2: the panel's households without the reviewer's own."""
    households = panel_households(seat.panel)
    if seat.reviewer.household_id:
        households = households.exclude(pk=seat.reviewer.household_id)
    return households


def seat_groups(seat: PanelMember, *, entered: bool = True) -> list[dict]:
    """The villagers' groups with how many households this seat appraises and (`entered`) how many it has entered,
    by name (households without a group last). The grid page needs only the names and order: one query."""
    mine = {row["household__group_id"] or NO_GROUP: row["n"] for row in
            Appraisal.objects.filter(member=seat).values("household__group_id").annotate(n=Count("id")).order_by()
            } if entered else {}
    rows = [{"id": row["group_id"] or NO_GROUP, "name": row["group__name"] or "", "total": row["n"],
             "entered": mine.get(row["group_id"] or NO_GROUP, 0)}
            for row in seat_households(seat).values("group_id", "group__name").annotate(n=Count("id")).order_by()]
    return sorted(rows, key=lambda r: (r["id"] == NO_GROUP, r["name"]))


@dataclass(frozen=True)
class SeatRow:
    """A household of a seat's grid with its cells as the page prints them, formatted here once per page (a template
    filter or tag per cell was most of the page's time, issue 18)."""
    pk: int
    code: str
    head_name: str
    gap_url: str
    version: int = 0
    amount: str = ""
    withhold_reasons: str = ""
    rating: str = ""
    saved: bool = False  # the seat has an entry for the household


def seat_grid(seat: PanelMember, group_id: int) -> list[SeatRow]:
    """The households of one group, each with its head's name and this seat's own entry (A3). Two queries."""
    households = seat_households(seat)
    households = households.filter(group__isnull=True) if group_id == NO_GROUP else households.filter(
        group_id=group_id)
    rows = list(households.alias(head=FilteredRelation("members", condition=Q(members__relation=Relation.HEAD)))
                .order_by("code").values_list("pk", "code", "head__name"))
    mine = {row[0]: row[1:] for row in Appraisal.objects.filter(member=seat, household_id__in=[r[0] for r in rows])
            .values_list("household_id", "version", "amount", "withhold_reasons", "rating")}
    head, tail = reverse("appraisal:seat_gap_form", args=[seat.panel_id, 0]).rsplit("/0/", 1)  # reversed once
    return [SeatRow(pk, code, name or "—", f"{head}/{pk}/{tail}", *_seat_cells(*mine[pk]) if pk in mine else ())
            for pk, code, name in rows]


def _seat_cells(version, amount, reasons, rating) -> tuple:
    """An entry's cells as typed: the amount grouped with the fen only when there are any ("83,250", "83,250.50"),
    reasons space-separated, the rating's digit."""
    amount = yuan(amount) if amount is not None else ""
    return version, amount, " ".join(map(str, reasons or ())), str(rating or ""), True


def seat_gap_household(seat: PanelMember, household_id):
    """One household of the seat's panel with its members (names only shown) for the gap form."""
    household = panel_households(seat.panel).get(pk=household_id)
    household.member_list = list(Member.objects.filter(household=household).order_by("id"))
    return household


def seat_gap_edits(seat: PanelMember):
    return GapEdit.objects.filter(proposed_by=seat).select_related("household", "member").order_by("-proposed_at")


# --- the officer's panel pages and the reviewer registry ----------------------------------------------------
# They start from the user's scope. A3: before a round is closed the only thing read about entries is how many
# each seat has made.

def panel_list(*, scope: Scope, campaign_id=None, todo: str = ""):
    panels = (panels_todo(scope=scope, todo=todo) if todo else
              Panel.objects.filter(village_id__in=scope.village_ids, campaign__head_office_id=scope.head_office_id))
    panels = (panels.select_related("campaign", "village").annotate(seat_count=Count("members"))
              .order_by("-campaign__reference_date", "village__code"))
    return panels.filter(campaign_id=campaign_id) if campaign_id else panels


# Issue 15 item 4: what waits for the maker of a panel's village — the list behind each count of the home page's
# task list (`panel_list(todo=...)`), and the count itself (supervision.selectors.tasks).
PANEL_TODOS = ("close", "gaps")


def panels_todo(*, scope: Scope, todo: str):
    """The panels of the villages the user enters data for with something to do: "close" — the back-to-back
    round is open; "gaps" — reviewer-supplied data waits for confirmation (A4). Unknown `todo`: none."""
    panels = Panel.objects.filter(village_id__in=scope.editable_village_ids,
                                  campaign__head_office_id=scope.head_office_id)
    if todo == "close":
        return panels.filter(status=Panel.Status.OPEN)
    if todo == "gaps":
        return panels.filter(pk__in=GapEdit.objects.filter(status=GapEdit.Status.PENDING).values("panel_id"))
    return panels.none()


def reviewer_list(*, scope: Scope):
    return (Reviewer.objects.filter(branch_id__in=scope.branch_ids).select_related("branch", "user", "household")
            .annotate(panel_count=Count("seats")).order_by("branch__code", "-active", "name"))


def reviewer_get(*, scope: Scope, pk, for_edit: bool = True) -> Reviewer:
    """A reviewer of the user's branches. For editing (the default), also every seat they hold on a panel not
    yet signed off must be in a village the user enters data for: an officer does not change, lock out or
    take over a reviewer of another officer's panel (R1). Raises Reviewer.DoesNotExist (404)."""
    reviewer = Reviewer.objects.select_related("household", "user").get(pk=pk, branch_id__in=scope.branch_ids)
    if for_edit:
        with scopes_disabled():
            foreign = (PanelMember.objects.filter(reviewer=reviewer).exclude(panel__status=Panel.Status.SIGNED)
                       .exclude(panel__village_id__in=scope.editable_village_ids).exists())
        if foreign:
            raise Reviewer.DoesNotExist
    return reviewer


def panel_progress(panel: Panel) -> list[dict]:
    """Per seat: how many households it has entered, of how many it appraises (its own household recused)."""
    seats = list(panel.members.select_related("reviewer").order_by("seat"))
    total = panel_households(panel).count()
    done = dict(Appraisal.objects.filter(panel=panel).values_list("member_id").annotate(n=Count("id")))
    own = set(panel_households(panel).filter(pk__in=[s.reviewer.household_id for s in seats if s.reviewer.household_id])
              .values_list("pk", flat=True))
    return [{"seat": s, "entered": done.get(s.pk, 0), "total": total - (1 if s.reviewer.household_id in own else 0)}
            for s in seats]


def gap_edits_pending(panel: Panel):
    return (GapEdit.objects.filter(panel=panel, status=GapEdit.Status.PENDING)
            .select_related("household", "member", "proposed_by__reviewer").order_by("household__code", "id"))


def panel_counts(panel: Panel) -> dict:
    return panel.decisions.aggregate(total=Count("id"), decided=Count("id", filter=~Q(status="")))


# --- the booklet (A3) ---------------------------------------------------------------------------------------
# Back to back: the booklet's reads never touch `Appraisal` rows; A2: a reviewer's own household is left out.

def booklet_seats(panel: Panel) -> list[PanelMember]:
    return list(PanelMember.objects.filter(panel=panel).select_related("reviewer").order_by("seat"))


def booklet_households(panel: Panel, seat: PanelMember):
    """A2: the panel's households without the reviewer's own, by villagers' group then code, with the head."""
    households = panel_households(panel)
    if seat.reviewer.household_id:
        households = households.exclude(pk=seat.reviewer.household_id)
    return (households.alias(head=FilteredRelation("members", condition=Q(members__relation=Relation.HEAD)))
            .annotate(head_name=F("head__name"), group_name=F("group__name"))
            .order_by(F("group__name").asc(nulls_last=True), "code")
            .values_list("code", "group_name", "head_name", "address", "phone"))


def require_booklet_maker(scope: Scope, panel: Panel) -> None:
    """A maker of the panel's village who does not sit on the panel. Raises PermissionDenied."""
    scope.require_maker(_("Only the loan officers of the village import booklets."), village_id=panel.village_id)
    if scope.user_id and PanelMember.objects.filter(panel=panel, reviewer__user_id=scope.user_id).exists():
        # A3: a member of the panel never handles the other reviewers' booklets.
        raise PermissionDenied(_("A member of the panel does not import its booklets."))


def booklet_panel_or_404(scope: Scope, pk, *, statuses=None) -> Panel:
    """A panel whose booklets the user handles (a maker of its village, not seated on it), in `statuses`."""
    panel = panel_or_404(scope, pk, for_edit=True)
    try:
        require_booklet_maker(scope, panel)
    except PermissionDenied:
        raise Http404 from None
    if statuses is not None and panel.status not in statuses:
        raise Http404
    return panel


def booklet_import_list(*, scope: Scope, panel: Panel) -> list[BookletImport]:
    return list(BookletImport.objects.filter(panel=panel, head_office_id=scope.head_office_id,
                                             panel__village_id__in=scope.editable_village_ids)
                .select_related("created_by")[:100])


def booklet_import_get(*, scope: Scope, pk: int) -> BookletImport | None:
    item = (BookletImport.objects.filter(pk=pk, head_office_id=scope.head_office_id,
                                         panel__village_id__in=scope.editable_village_ids)
            .select_related("created_by", "job", "panel__campaign", "panel__village__branch").first())
    if item is None:
        return None
    try:
        require_booklet_maker(scope, item.panel)
    except PermissionDenied:
        return None
    return item


# --- the pre-check (A6) -------------------------------------------------------------------------------------
# For the panel's list, the household page and the audit referrals (flag 2). Every read starts from a panel or
# household fetched through the scope, or filters by the scope's villages (R1). Each list is a fixed number of
# queries, however many households hit.

# The removal state of a decision, as the lists show it.
REMOVED, PENDING, OVERRIDDEN = "removed", "pending", "overridden"


def removal_state(decision: Decision, approval: Approval | None) -> str:
    """'' when no flag of 3–8 hit; else removed, override pending or overridden."""
    if not rules.precheck_removes(decision.precheck_flags):
        return ""
    if decision.override_approved:
        return OVERRIDDEN
    if approval is not None and approval.status == Approval.Status.PENDING:
        return PENDING
    return REMOVED


def _latest_overrides(decision_ids) -> dict[int, Approval]:
    latest = {}
    for approval in (Approval.objects.filter(kind=OVERRIDE_KIND, subject_id__in=list(decision_ids))
                     .select_related("requested_by", "decided_by").order_by("subject_id", "requested_at", "id")):
        latest[approval.subject_id] = approval
    return latest


def _hits_by_household(hits) -> dict[int, list[PreCheckHit]]:
    grouped = defaultdict(list)
    for hit in hits:
        grouped[hit.household_id].append(hit)
    return grouped


def precheck_panel_rows(panel: Panel) -> list[dict]:
    """Every household of the closed panel with hits, by code: its decision, hits with evidence, the latest
    override request and the removal state."""
    decisions = list(Decision.objects.filter(panel=panel).exclude(precheck_flags=[])
                     .select_related("household__representative").order_by("household__code"))
    hits = _hits_by_household(PreCheckHit.objects.filter(
        campaign_id=panel.campaign_id, household_id__in=[d.household_id for d in decisions]).order_by("flag"))
    approvals = _latest_overrides(d.pk for d in decisions)
    return [{"decision": d, "household": d.household, "hits": hits.get(d.household_id, []),
             "approval": approvals.get(d.pk), "state": removal_state(d, approvals.get(d.pk))} for d in decisions]


def precheck_panel_counts(panel: Panel) -> dict:
    """For the panel page: households flagged, and of them those the pre-check removes now."""
    flags = list(Decision.objects.filter(panel=panel).exclude(precheck_flags=[])
                 .values_list("precheck_flags", "override_approved"))
    removed = sum(1 for f, overridden in flags if rules.precheck_removes(f) and not overridden)
    return {"flagged": len(flags), "removed": removed}


def audit_referrals(*, scope: Scope, campaign) -> list[dict]:
    """A6 (2): households of the scope whose current borrowing is above the computed amount, with the loans,
    the branch and the village's loan officers (the audit covers branch, officer and customer; seed 000)."""
    computed = Decision.objects.filter(campaign_id=OuterRef("campaign_id"), household_id=OuterRef("household_id"))
    hits = (PreCheckHit.objects.filter(campaign=campaign, flag=PreCheckFlag.LOAN_ABOVE_LIMIT,
                                       household__village_id__in=scope.village_ids)
            .select_related("household__village__branch", "household__representative")
            .prefetch_related("household__village__officers")
            .annotate(computed_amount=Subquery(computed.values("computed_amount")))
            .order_by("household__village__branch__code", "household__village__code", "household__code"))
    return [{"hit": hit, "household": hit.household, "village": hit.household.village,
             "branch": hit.household.village.branch, "computed_amount": hit.computed_amount,
             "total": sum((Decimal(e["amount"]) for e in hit.evidence), Decimal(0)),
             "officers": [o.get_full_name() or o.username for o in hit.household.village.officers.all()]}
            for hit in hits]


# --- the summary of a closed round (A3/A5/A7) ---------------------------------------------------------------
# Every reviewer's entry by seat beside the computed result, the pre-check flags, the decision and its
# escalation — for the decisions page and the appraisal sheet.
#
# Secrecy (A3): together with the seat_* reads, the only reader of `Appraisal` rows. Callers pass a panel
# fetched through the scope (`panel_or_404` or a seat) and must not call this before the round is closed:
# `decisions_summary` refuses an open panel. Reads are set-based: six queries however large the village.

FLAG_LABELS = dict(PreCheckFlag.choices)
RATING_CODES = {1: "AAA", 2: "AA", 3: "A", 4: "B"}  # Rating, as the paper forms write it


def _latest_decision_approvals(panel: Panel) -> dict[tuple[str, int], Approval]:
    latest = {}
    for approval in (Approval.objects.filter(kind__in=[OVERRIDE_KIND, ESCALATION_KIND], subject_id__in=Subquery(
            Decision.objects.filter(panel=panel).values("pk"))).order_by("requested_at", "id")):
        latest[(approval.kind, approval.subject_id)] = approval
    return latest


def panel_sign_offs(panel: Panel) -> list[dict]:
    """Every seat in order with its sign-off (or None): the sign-off block and the progress."""
    signed = {s.member_id: s for s in SignOff.objects.filter(panel=panel).select_related("recorded_by")}
    return [{"member": m, "sign_off": signed.get(m.pk)}
            for m in panel.members.select_related("reviewer").order_by("seat")]


def sign_off_preview(panel: Panel) -> dict:
    """What a sign-off confirms (issue 15 item 5, the confirmation page): the panel's decisions counted by status,
    the granted households' total, and how many are undecided. The caller has checked the panel or seat (R1)."""
    with scopes_disabled():
        rows = (Decision.objects.filter(panel=panel).values_list("status")
                .annotate(n=Count("id"), total=Sum("amount")))
        by_status = {status or "": (n, total or Decimal(0)) for status, n, total in rows}
    granted, total = by_status.get(DecisionStatus.GRANTED, (0, Decimal(0)))
    return {"households": sum(n for n, _total in by_status.values()), "granted": granted, "total": total,
            "undecided": by_status.get("", (0, 0))[0], "others": sum(n for status, (n, _total) in by_status.items()
                                                               if status not in ("", DecisionStatus.GRANTED))}


def decisions_summary(panel: Panel, *, for_reviewer: bool = False) -> dict:
    """{"seats": [...], "rows": [...], "undecided": n, "sign_offs": [...]} of a closed panel.

    Each row: decision, household, head (name), entries (one per seat: None, or {amount, reasons, rating}),
    flags [(number, label)], removal (removal_state), escalation_approval. For a reviewer (for_reviewer) the
    flags and removal state stay empty: external reviewers are villagers, and the bank's pre-check (A6) about
    their neighbours' loans is not theirs to read (PIPL, R5)."""
    if not panel.is_closed:
        raise ValueError("A3: the summary of an open round is secret")
    sign_offs = panel_sign_offs(panel)
    seats = [row["member"] for row in sign_offs]
    decisions = list(Decision.objects.filter(panel=panel)
                     .select_related("household__group", "household__representative", "decided_by")
                     .order_by("household__group__name", "household__code"))
    households = Decision.objects.filter(panel=panel).values("household_id")
    heads = dict(Member.objects.filter(household_id__in=Subquery(households), relation=Relation.HEAD)
                 .order_by("-id").values_list("household_id", "name"))
    entries = {(h, m): {"amount": amount, "reasons": reasons, "rating": RATING_CODES.get(rating, "")}
               for h, m, amount, reasons, rating in Appraisal.objects.filter(panel=panel).values_list(
                   "household_id", "member_id", "amount", "withhold_reasons", "rating")}
    approvals = _latest_decision_approvals(panel)
    rows = []
    for d in decisions:
        override = approvals.get((OVERRIDE_KIND, d.pk))
        rows.append({
            "decision": d, "household": d.household, "head": heads.get(d.household_id, ""),
            "entries": [entries.get((d.household_id, s.pk)) for s in seats],
            "rating": RATING_CODES.get(d.rating, ""),
            "flags": [] if for_reviewer else [(flag, FLAG_LABELS.get(flag, "")) for flag in d.precheck_flags],
            "removal": None if for_reviewer else removal_state(d, override),
            "escalation_approval": approvals.get((ESCALATION_KIND, d.pk)),
        })
    return {"seats": seats, "rows": rows, "undecided": sum(1 for d in decisions if not d.status),
            "sign_offs": sign_offs}


def sign_off_progress(panel: Panel) -> dict:
    """For the panel and seat pages: {"sign_offs": [...], "signed": n, "total": N, "undecided": k}."""
    sign_offs = panel_sign_offs(panel) if panel.is_closed else []
    undecided = Decision.objects.filter(panel=panel, status="").count() if panel.is_closed else 0
    return {"sign_offs": sign_offs, "signed": sum(1 for row in sign_offs if row["sign_off"]),
            "total": len(sign_offs), "undecided": undecided}
