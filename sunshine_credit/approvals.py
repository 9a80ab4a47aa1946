"""O3/R2: maker-checker for every action that waits for an approval.

An app registers each kind of action once (`register`), saying who may approve it and what approving
or refusing does to the subject. Makers call `approval_request`, checkers `approval_decide`; the inbox
(`approval_inbox`) lists what the acting user may decide. Rules that hold for every kind:
- the maker never decides their own request;
- a second pending request for the same action and subject is refused;
- a decided request is never decided again;
- requests and decisions stay inside the acting user's scope (404 outside, R1).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import Refusal
from .models import Approval
from .scoping import Scope, activate


@dataclass(frozen=True)
class Kind:
    label: object                                     # lazy translated name of the action
    approver_roles: frozenset                         # roles that may decide (the checker side)
    on_decided: Callable[[Approval, bool], None]      # runs in the deciding transaction
    subject_url: Callable[[Approval], str] | None = None
    # Locks the subject's rows before the approval row, in the order the makers' services lock them
    # (no deadlock between a checker deciding and a maker changing the subject).
    lock_subject: Callable[[Approval], None] | None = None
    # Who made the subjects themselves (besides the requester): they may not approve them either (O3). Given the
    # approvals of this kind, returns subject id → user ids, in one query (the inbox asks for a page at once).
    makers: Callable[[list[Approval]], dict[int, set]] | None = None
    # The roles whose readers subject_url opens for (None: every reader of the inbox); others see no link.
    subject_url_roles: frozenset | None = None
    # False when Approval.village is only the approvals' scope key, not what the request is about (a person's role).
    shows_village: bool = True


KINDS: dict[str, Kind] = {}


def register(key: str, kind: Kind) -> None:
    KINDS[key] = kind


class ApprovalRefused(Refusal):
    """The request or decision breaks maker-checker (R2); str() is shown to the user. Nothing was written."""


def approval_request(*, scope: Scope, actor, kind: str, subject_id: int, village_id: int, title: str,
                     reason: str) -> Approval:
    """Record a maker's request. The caller has checked that the subject exists in the actor's scope."""
    if kind not in KINDS:
        raise ValueError(kind)
    if not reason.strip():
        raise ApprovalRefused(_("Write the reason for this request."))
    if not scope.can_read_village(village_id):
        raise PermissionDenied
    with activate(scope):
        if Approval.objects.filter(kind=kind, subject_id=subject_id, status=Approval.Status.PENDING).exists():
            raise ApprovalRefused(_("A request for this is already waiting for approval."))
        try:
            with transaction.atomic():
                return Approval.objects.create(head_office_id=scope.head_office_id, village_id=village_id,
                                               kind=kind, subject_id=subject_id, title=title[:200],
                                               reason=reason.strip(), requested_by=actor)
        except IntegrityError:  # the same request was made concurrently
            raise ApprovalRefused(_("A request for this is already waiting for approval.")) from None


def barred(approvals) -> dict[int, set]:
    """approval id → the users who may not decide it: its requester and the subject's makers (one query per kind
    of action among `approvals`, however many there are)."""
    approvals = list(approvals)
    subject_makers: dict[str, dict[int, set]] = {}
    for key in {approval.kind for approval in approvals}:
        kind = KINDS.get(key)
        if kind is not None and kind.makers is not None:
            subject_makers[key] = kind.makers([a for a in approvals if a.kind == key])
    return {approval.pk: {approval.requested_by_id} | subject_makers.get(approval.kind, {}).get(approval.subject_id, set())
            for approval in approvals}


def may_decide(scope: Scope, approval: Approval, barred_users: set | None = None) -> bool:
    """Whether the user's role decides this kind and the user is none of `barred_users` (see `barred`; by default
    only the requester is known)."""
    kind = KINDS.get(approval.kind)
    barred_users = {approval.requested_by_id} if barred_users is None else barred_users
    return kind is not None and scope.role in kind.approver_roles and scope.user_id not in barred_users


@transaction.atomic
def approval_decide(*, scope: Scope, actor, approval_id: int, approve: bool, note: str = "") -> Approval:
    """The checker's decision. Raises Approval.DoesNotExist outside the scope, PermissionDenied for roles
    that may not decide this kind, ApprovalRefused for the maker or a request decided already."""
    with activate(scope):
        approval = Approval.objects.get(pk=approval_id, head_office_id=scope.head_office_id,
                                        village_id__in=scope.village_ids)
        kind = KINDS[approval.kind]
        if scope.role not in kind.approver_roles:
            raise PermissionDenied(_("Your role does not approve this."))
        if kind.lock_subject is not None:
            kind.lock_subject(approval)
        approval = Approval.objects.select_for_update().get(pk=approval.pk)
        makers = barred([approval])[approval.pk]
        if actor.pk in makers:
            raise ApprovalRefused(_("You made this request: another person must approve it (maker-checker)."))
        if approval.status != Approval.Status.PENDING:
            raise ApprovalRefused(_("This request was decided already."))
        if not approve and not note.strip():
            raise ApprovalRefused(_("Write why you refuse."))
        approval.status = Approval.Status.APPROVED if approve else Approval.Status.REJECTED
        approval.decided_by, approval.decided_at, approval.decision_note = actor, timezone.now(), note.strip()
        approval.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        kind.on_decided(approval, approve)
    return approval


def approval_withdraw(*, kind: str, subject_id: int, note: str) -> int:
    """The subject changed under a pending request, which no longer describes it: the request is withdrawn
    (nobody decided it). Runs in the caller's transaction; returns how many were withdrawn."""
    withdrawn = 0
    for approval in Approval.objects.select_for_update().filter(kind=kind, subject_id=subject_id,
                                                                status=Approval.Status.PENDING):
        approval.status, approval.decided_at, approval.decision_note = (Approval.Status.WITHDRAWN, timezone.now(),
                                                                        note)
        approval.save(update_fields=["status", "decided_at", "decision_note"])
        withdrawn += 1
    return withdrawn


def approval_inbox(*, scope: Scope, kind: str = ""):
    """Pending requests the user's role may decide, in scope, oldest first (own requests included, marked);
    only those of `kind` when given (a kind the role does not decide gives none)."""
    kinds = [key for key, item in KINDS.items() if scope.role in item.approver_roles and (not kind or key == kind)]
    return (Approval.objects.filter(head_office_id=scope.head_office_id, village_id__in=scope.village_ids,
                                    kind__in=kinds, status=Approval.Status.PENDING)
            .select_related("requested_by", "village").order_by("requested_at"))


def approvals_requested(*, scope: Scope, limit: int = 50):
    """The user's own requests, newest first."""
    return (Approval.objects.filter(head_office_id=scope.head_office_id, requested_by_id=scope.user_id)
            .select_related("decided_by", "village").order_by("-requested_at")[:limit])


def pending_for(kind: str, subject_ids) -> dict[int, Approval]:
    """subject id → its pending request, for lists that show what waits."""
    return {a.subject_id: a for a in Approval.objects.filter(kind=kind, subject_id__in=list(subject_ids),
                                                             status=Approval.Status.PENDING)}
