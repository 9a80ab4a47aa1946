"""V4/V5 writes: a complaint or evaluation card filed on the public form, at the counter or from a suggestion-box
opening; audit's handling; the QR codes' channels; openings recorded by one person and signed by a second.

Every id from a form is checked again here against the actor's scope (R1): the branch must be one of the scope's,
the officer one of that branch's. What the branch sees of a complaint after it is filed: nothing (it goes to
head-office audit, supervision.selectors.complaints)."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from publicity.services import qr_svg
from sunshine_credit.errors import Stale
from sunshine_credit.models import Branch, Role
from sunshine_credit.scoping import Scope

from ..models import Complaint, ComplaintChannel, SuggestionBoxOpening
from ..rules import complaints as rules
from ..selectors.complaints import (
    COUNTER_ROLES,
    HANDLER_ROLES,
    channel_or_404,
    channel_path,
    staff_branch_officers,
)

BRANCH_STAFF = frozenset({Role.OFFICER, Role.PRESIDENT, Role.TELLER})


def _create(*, branch: Branch, officer_id: int | None, kind: str, rating: str, content: str, name: str,
            phone: str, source: str, entered_by=None, opening=None, today: datetime.date | None = None) -> Complaint:
    rating = rating if kind == Complaint.Kind.EVALUATION else ""
    rules.check_card(kind, rating, content)
    phone = rules.normalise_phone(phone)
    today = today or timezone.localdate()
    escalated = rules.is_escalated(kind, rating)
    fields = dict(
        head_office_id=branch.head_office_id, branch=branch, officer_id=officer_id, kind=kind, rating=rating,
        content=(content or "").strip(), complainant_name=(name or "").strip(), complainant_phone=phone,
        source=source, opening=opening, received_on=today, entered_by=entered_by,
        due_on=rules.due_on(today, settings.COMPLAINT_HANDLING_DAYS) if escalated else None,
        status=Complaint.Status.OPEN if escalated else Complaint.Status.RECORDED)
    for _attempt in range(5):  # a reference collision (about 1 in 2^50) is retried with a new number
        try:
            with transaction.atomic():
                return Complaint.objects.create(reference=rules.new_reference(), **fields)
        except IntegrityError:
            continue
    raise IntegrityError("no free complaint reference")


def complaint_file_public(*, officer_token: str = "", branch_token: str = "", kind: str, rating: str = "",
                          content: str = "", name: str = "", phone: str = "") -> Complaint:
    """V4 on the public form the QR code opens (no login). Raises Http404 for an unknown token, ComplaintRefused."""
    channel = channel_or_404(officer_token=officer_token, branch_token=branch_token)
    return _create(branch=channel.branch, officer_id=channel.officer_id, kind=kind, rating=rating, content=content,
                   name=name, phone=phone, source=Complaint.Source.PUBLIC)


def _branch_in_scope(scope: Scope, branch_id) -> Branch:
    branch = Branch.objects.filter(pk=branch_id, pk__in=scope.branch_ids).first() if branch_id else None
    if branch is None:
        raise Http404
    return branch


def _officer_of(scope: Scope, branch: Branch, officer_id) -> int | None:
    if not officer_id:
        return None
    if not staff_branch_officers(scope=scope).filter(pk=officer_id, staff_profile__branch_id=branch.pk).exists():
        raise rules.ComplaintRefused(_("This officer does not work at this branch."), field="officer")
    return int(officer_id)


def complaint_enter_counter(*, scope: Scope, actor, branch_id: int, officer_id: int | None, kind: str,
                            rating: str = "", content: str = "", name: str = "", phone: str = "") -> Complaint:
    """V4 at the counter: staff write down a villager's complaint or card. Raises PermissionDenied, Http404,
    ComplaintRefused."""
    if scope.role not in COUNTER_ROLES:
        raise PermissionDenied
    branch = _branch_in_scope(scope, branch_id)
    return _create(branch=branch, officer_id=_officer_of(scope, branch, officer_id), kind=kind, rating=rating,
                   content=content, name=name, phone=phone, source=Complaint.Source.COUNTER, entered_by=actor)


@transaction.atomic
def complaint_handle(*, scope: Scope, actor, complaint_id: int, version: int, result: str,
                     reply: str) -> Complaint:
    """V4: the auditor records the outcome (who, when, result, the reply the complainant reads). Raises
    Http404 outside the head office's audit, PermissionDenied for non-auditors, Stale, ComplaintRefused."""
    if scope.role not in HANDLER_ROLES:
        raise PermissionDenied(_("Complaints are handled by head-office auditors."))
    complaint = Complaint.objects.select_for_update().filter(
        pk=complaint_id, head_office_id=scope.head_office_id, branch_id__in=scope.branch_ids).first()
    if complaint is None:
        raise Http404
    if complaint.version != version:
        raise Stale()
    if complaint.status != Complaint.Status.OPEN:
        raise rules.ComplaintRefused(_("Only a complaint being handled can be closed."))
    if not result.strip() or not reply.strip():
        raise rules.ComplaintRefused(_("Write both the result and the reply to the complainant."))
    complaint.status = Complaint.Status.HANDLED
    complaint.result, complaint.reply = result.strip(), reply.strip()
    complaint.handled_by, complaint.handled_at = actor, timezone.now()
    complaint.version += 1
    complaint.save()
    return complaint


def channels_ensure(*, scope: Scope) -> int:
    """A token for each branch of the scope and each of its officers that has none yet (idempotent)."""
    have = set(ComplaintChannel.objects.filter(branch_id__in=scope.branch_ids).values_list("branch_id", "officer_id"))
    wanted = {(branch_id, None) for branch_id in scope.branch_ids}
    wanted |= {(branch_id, pk) for pk, branch_id in staff_branch_officers(scope=scope).values_list(
        "pk", "staff_profile__branch_id")}
    missing = [ComplaintChannel(branch_id=b, officer_id=o, token=rules.new_channel_token()) for b, o in wanted - have]
    ComplaintChannel.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def branch_channel_ensure(branch: Branch, token: str | None = None) -> ComplaintChannel:
    """The channel of the branch's board (no officer): the QR code of the public disclosures page and the service-hall
    board. Made on first use; `token`, when the caller read it already, saves the query."""
    if token:
        return ComplaintChannel(branch=branch, token=token)
    channel, _new = ComplaintChannel.objects.get_or_create(branch=branch, officer=None,
                                                           defaults={"token": rules.new_channel_token()})
    return channel


def branch_channel_links(branch: Branch, token: str | None = None) -> dict:
    """V3's supervision channels → V4: the branch's public complaint form, as the relative address a link on the
    public page takes and as the QR code a printed or shown code carries (PUBLIC_BASE_URL, like the officers' cards)."""
    path = channel_path(branch_channel_ensure(branch, token))
    return {"complaint_path": path, "complaint_qr": qr_svg(settings.PUBLIC_BASE_URL + path)}


# --- suggestion-box openings (V5) -----------------------------------------------------------------------------


def _branch_staff_branch(actor) -> int:
    profile = getattr(actor, "staff_profile", None)
    if profile is None or profile.role not in BRANCH_STAFF or not profile.branch_id:
        raise PermissionDenied(_("Suggestion-box openings are recorded and signed by the branch's own staff."))
    return profile.branch_id


def opening_record(*, scope: Scope, actor, opened_on: datetime.date, card_count: int,
                   note: str = "") -> SuggestionBoxOpening:
    """V5: the first of the two people records the opening of their branch's box."""
    branch_id = _branch_staff_branch(actor)
    if opened_on > timezone.localdate():
        raise rules.ComplaintRefused(_("The opening date cannot be in the future."), field="opened_on")
    return SuggestionBoxOpening.objects.create(branch_id=branch_id, opened_on=opened_on, card_count=card_count,
                                               note=note.strip(), opened_by=actor)


@transaction.atomic
def opening_confirm(*, scope: Scope, actor, opening_id: int) -> SuggestionBoxOpening:
    """V5: the second person signs. Refused for the person who recorded it and for anyone of another branch."""
    branch_id = _branch_staff_branch(actor)
    opening = SuggestionBoxOpening.objects.select_for_update().filter(
        pk=opening_id, branch_id__in=scope.branch_ids).first()
    if opening is None or opening.branch_id != branch_id:
        raise Http404
    if opening.confirmed_by_id:
        raise rules.ComplaintRefused(_("This opening has already been signed by a second person."))
    rules.check_second_signature(opening.opened_by_id, actor.pk)
    opening.confirmed_by, opening.confirmed_at = actor, timezone.now()
    opening.save(update_fields=["confirmed_by", "confirmed_at"])
    return opening


@transaction.atomic
def opening_card_enter(*, scope: Scope, actor, opening_id: int, officer_id: int | None, kind: str,
                       rating: str = "", content: str = "", name: str = "", phone: str = "") -> Complaint:
    """V5: a card found in the box, entered as a complaint or an evaluation linked to the opening."""
    _branch_staff_branch(actor)
    opening = SuggestionBoxOpening.objects.select_for_update().select_related("branch").filter(
        pk=opening_id, branch_id__in=scope.branch_ids).first()
    if opening is None:
        raise Http404
    if not opening.confirmed_by_id:
        raise rules.ComplaintRefused(_("Cards are entered once a second person has signed the opening."))
    if opening.cards.count() >= opening.card_count:
        raise rules.ComplaintRefused(_("All the cards of this opening have been entered."))
    return _create(branch=opening.branch, officer_id=_officer_of(scope, opening.branch, officer_id), kind=kind,
                   rating=rating, content=content, name=name, phone=phone, source=Complaint.Source.BOX,
                   entered_by=actor, opening=opening, today=opening.opened_on)


def may_open(actor) -> bool:
    """Whether the user is one of a branch's staff, who record, sign and enter suggestion-box openings."""
    profile = getattr(actor, "staff_profile", None)
    return bool(profile and profile.role in BRANCH_STAFF and profile.branch_id)


def complaint_contacts_erase(*, today: datetime.date | None = None) -> int:
    """PIPL art. 19, as the privacy notice says: a complainant's name and phone are erased
    COMPLAINT_CONTACT_RETENTION_DAYS after the complaint was handled (a card with nothing to handle: after its
    receipt). Idempotent; returns how many were erased."""
    today = today or timezone.localdate()
    cutoff = today - datetime.timedelta(days=settings.COMPLAINT_CONTACT_RETENTION_DAYS)
    expired = (Q(status=Complaint.Status.HANDLED, handled_at__date__lt=cutoff)
               | Q(status=Complaint.Status.RECORDED, received_on__lt=cutoff))
    return (Complaint.objects.filter(expired).exclude(complainant_name="", complainant_phone="")
            .update(complainant_name="", complainant_phone=""))
