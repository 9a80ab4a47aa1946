"""V4/V5 reads. Complaints and evaluation cards are audit's: only the auditors and supervisors of the head office
read them (AUDIT_ROLES); to everyone else — above all the officers and the president of the branch a complaint
concerns — the list is empty and a detail page is 404. Suggestion-box openings are read by the branch's staff
and head office (their scope's branches); the cards entered from an opening are counted there, never shown."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.http import Http404
from django.urls import reverse

from sunshine_credit.lib.public_input import normalise_reference
from sunshine_credit.models import Role
from sunshine_credit.scoping import Scope

from ..models import Complaint, ComplaintChannel, SuggestionBoxOpening
from ..rules.complaints import REFERENCE_RE

AUDIT_ROLES = frozenset({Role.AUDITOR, Role.SUPERVISOR})
HANDLER_ROLES = frozenset({Role.AUDITOR})
# The home page's task (and the list's filters): what waits for audit, and what is past its time limit.
COMPLAINT_TODOS = ("handle", "overdue")
# Staff who record openings and enter cards at the counter: the branch's own people and head office.
COUNTER_ROLES = frozenset({Role.OFFICER, Role.PRESIDENT, Role.TELLER, Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR})


def complaints(*, scope: Scope) -> QuerySet[Complaint]:
    if scope.role not in AUDIT_ROLES:
        return Complaint.objects.none()
    return Complaint.objects.filter(head_office_id=scope.head_office_id, branch_id__in=scope.branch_ids)


def complaints_todo(*, scope: Scope, todo: str, today: datetime.date) -> QuerySet[Complaint]:
    """`handle`: escalated and not handled yet; `overdue`: of those, past their due day."""
    queryset = complaints(scope=scope).filter(status=Complaint.Status.OPEN)
    if todo == "overdue":
        queryset = queryset.filter(due_on__lt=today)
    return queryset


def complaint_list(*, scope: Scope, todo: str = "", kind: str = "", today: datetime.date,
                   officer_id: int | None = None) -> QuerySet[Complaint]:
    """`officer_id`: only the complaints about that officer (V1's officer pages link here)."""
    queryset = complaints_todo(scope=scope, todo=todo, today=today) if todo in COMPLAINT_TODOS \
        else complaints(scope=scope)
    if kind in Complaint.Kind.values:
        queryset = queryset.filter(kind=kind)
    if officer_id is not None:
        queryset = queryset.filter(officer_id=officer_id)
    waiting_first = Case(When(status=Complaint.Status.OPEN, then=Value(0)), default=Value(1))
    return queryset.select_related("branch", "officer", "opening").order_by(
        waiting_first, F("due_on").asc(nulls_last=True), "-received_on", "-pk")


def complaint_or_404(scope: Scope, pk: int) -> Complaint:
    complaint = complaint_list(scope=scope, today=datetime.date.min).filter(pk=pk).select_related(
        "entered_by", "handled_by").first()
    if complaint is None:
        raise Http404
    return complaint


# --- the QR codes' channels ---------------------------------------------------------------------------------


def channel_or_404(*, officer_token: str = "", branch_token: str = "") -> ComplaintChannel:
    """Public: the officer's card or branch's board a QR code names, by its token alone (visitors have no scope)."""
    token = officer_token or branch_token
    if not token or len(token) > 32:
        raise Http404
    channel = ComplaintChannel.objects.select_related("branch", "officer").filter(
        token=token, officer__isnull=not officer_token).first()
    if channel is None:
        raise Http404
    return channel


def channel_path(channel: ComplaintChannel) -> str:
    """The public form's address (without the host) that a channel's QR code and links open."""
    return f"{reverse('public_sv:complaint_form')}?{'officer' if channel.officer_id else 'branch'}={channel.token}"


def staff_branch_officers(*, scope: Scope) -> QuerySet:
    """The loan officers of the scope's branches (the counter form's choices; the QR cards)."""
    return get_user_model().objects.filter(
        staff_profile__role=Role.OFFICER, staff_profile__branch_id__in=scope.branch_ids, is_active=True,
    ).select_related("staff_profile").order_by("staff_profile__branch_id", "username")


def channels(*, scope: Scope) -> QuerySet[ComplaintChannel]:
    return ComplaintChannel.objects.filter(branch_id__in=scope.branch_ids).select_related(
        "branch", "officer").order_by("branch__code", F("officer").asc(nulls_first=True), "officer__username")


# --- the public look-up ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicComplaint:
    """What the complainant sees: their own complaint's status and the reply, nothing of anyone else."""

    reference: str
    kind_display: str
    rating_display: str
    received_on: datetime.date
    due_on: datetime.date | None
    status: str
    status_display: str
    reply: str
    handled_on: datetime.date | None


def complaint_public_get(*, reference: str) -> PublicComplaint | None:
    reference = normalise_reference(reference)
    if not REFERENCE_RE.fullmatch(reference):
        return None
    complaint = Complaint.objects.filter(reference=reference).first()
    if complaint is None:
        return None
    handled = complaint.status == Complaint.Status.HANDLED
    return PublicComplaint(
        reference=complaint.reference, kind_display=complaint.get_kind_display(),
        rating_display=complaint.get_rating_display() if complaint.rating else "",
        received_on=complaint.received_on, due_on=complaint.due_on, status=complaint.status,
        status_display=complaint.get_status_display(), reply=complaint.reply if handled else "",
        handled_on=complaint.handled_at.date() if handled and complaint.handled_at else None)


def public_complaint_exists(reference: str) -> bool:
    return Complaint.objects.filter(reference=normalise_reference(reference), source=Complaint.Source.PUBLIC).exists()


# --- suggestion-box openings (V5) -----------------------------------------------------------------------------


def openings(*, scope: Scope) -> QuerySet[SuggestionBoxOpening]:
    if scope.role not in COUNTER_ROLES:
        return SuggestionBoxOpening.objects.none()
    return SuggestionBoxOpening.objects.filter(branch_id__in=scope.branch_ids).select_related(
        "branch", "opened_by", "confirmed_by").annotate(cards_entered=Count("cards"))


def opening_or_404(scope: Scope, pk: int) -> SuggestionBoxOpening:
    opening = openings(scope=scope).filter(pk=pk).first()
    if opening is None:
        raise Http404
    return opening


def complaint_counts(*, scope: Scope, today: datetime.date, officer_id: int | None = None) -> dict[str, int]:
    """The list page's header: all, waiting, overdue — one query (`officer_id`: about that officer only)."""
    queryset = complaints(scope=scope)
    if officer_id is not None:
        queryset = queryset.filter(officer_id=officer_id)
    return queryset.aggregate(
        total=Count("pk"), open=Count("pk", filter=Q(status=Complaint.Status.OPEN)),
        overdue=Count("pk", filter=Q(status=Complaint.Status.OPEN, due_on__lt=today)))
