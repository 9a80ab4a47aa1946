"""U9/R2: reversing a credit revocation as a maker-checker action (sunshine_credit.approvals).

The loan officer of the village (or an administrator) asks, with a written reason, that a revocation case be
reversed — the loan was repaid, the interest settled, the case was opened in error. The branch president
(the checker of the branch's credit decisions, who approves its drawdowns) or an administrator decides; never
the requester (O3). Head-office supervisors read the cases but enter no data (SPEC §1), so they do not decide.

Approving restores every line of the case that is still revoked — back to ACTIVE with a "restored" event by
the checker — unless its term has ended meanwhile (then it becomes EXPIRED, with an "expired" event) or another
revocation case still in force holds it; the case becomes REVERSED with `reversed_at`, and the households'
joint-guarantee groups are checked again (G7). The legal-action mark stays as recorded: whether to drop legal
action is the bank's decision, not this one. Refusing changes nothing.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from households.services import MAKER_ROLES
from sunshine_credit.approvals import ApprovalRefused, Kind, approval_request, register
from sunshine_credit.models import Approval, Role
from sunshine_credit.scoping import Scope, activate

from .models import CreditLine, CreditLineEvent, LineStatus, RevocationCase

REVERSAL_KIND = "revocation_reversal"
APPROVER_ROLES = frozenset({Role.PRESIDENT, Role.ADMIN})


def may_request(scope: Scope, case: RevocationCase) -> bool:
    return (scope.role in MAKER_ROLES and scope.can_edit_village(case.village_id)
            and case.status == RevocationCase.Status.ACTIVE)


@transaction.atomic
def revocation_reversal_request(*, scope: Scope, actor, case_id: int, reason: str) -> Approval:
    """Ask for the reversal of a revocation case. Raises Http404 outside the scope (R1), PermissionDenied for
    roles that do not make requests, ApprovalRefused (reversed already, no reason, a request waiting)."""
    with activate(scope):
        case = (RevocationCase.objects.select_for_update(of=("self",)).select_related("drawdown")
                .filter(pk=case_id, head_office_id=scope.head_office_id, village_id__in=scope.village_ids).first())
        if case is None:
            raise Http404
        if scope.role not in MAKER_ROLES or not scope.can_edit_village(case.village_id):
            raise PermissionDenied(_("Only the loan officer of the village asks for a reversal."))
        if case.status != RevocationCase.Status.ACTIVE:
            raise ApprovalRefused(_("This revocation was reversed already."))
        title = _("Reversal of a credit revocation: application %(number)s (%(cause)s)") % {
            "number": case.drawdown.number, "cause": case.get_cause_display()}
        return approval_request(scope=scope, actor=actor, kind=REVERSAL_KIND, subject_id=case.pk,
                                village_id=case.village_id, title=title, reason=reason)


def _lock_case(approval) -> None:
    RevocationCase.objects.select_for_update().filter(pk=approval.subject_id).first()


def on_decided(approval, approved: bool) -> None:
    """Runs in the checker's transaction and scope (approval_decide)."""
    if not approved:
        return
    case = (RevocationCase.objects.select_for_update()
            .filter(pk=approval.subject_id, village_id=approval.village_id).first())
    if case is None:
        raise ApprovalRefused(_("The revocation this request is about no longer exists."))
    if case.status != RevocationCase.Status.ACTIVE:
        raise ApprovalRefused(_("This revocation was reversed already."))
    today = timezone.localdate()
    reason = _("Revocation reversed (request %(id)d)") % {"id": approval.pk}
    # The case names its lines; a guarantor's line may lie in a village outside the checker's scope.
    with scopes_disabled():
        lines = list(CreditLine.objects.select_for_update(of=("self",)).filter(revocations=case).order_by("pk"))
        held = set(RevocationCase.lines.through.objects
                   .filter(creditline_id__in=[line.pk for line in lines],
                           revocationcase__status=RevocationCase.Status.ACTIVE)
                   .exclude(revocationcase_id=case.pk).values_list("creditline_id", flat=True))
        for line in lines:
            if line.status != LineStatus.REVOKED or line.pk in held:
                continue
            ended = line.expires_on < today
            line.status = LineStatus.EXPIRED if ended else LineStatus.ACTIVE
            line.version += 1
            line.save(update_fields=["status", "version"])
            CreditLineEvent.objects.create(
                line=line, kind=CreditLineEvent.Kind.EXPIRED if ended else CreditLineEvent.Kind.RESTORED,
                amount_before=line.amount, amount_after=line.amount, status_after=line.status,
                reason=reason, actor=approval.decided_by)
        case.status, case.reversed_at = RevocationCase.Status.REVERSED, timezone.now()
        case.save(update_fields=["status", "reversed_at"])
        from guarantee_groups.services import groups_recheck

        groups_recheck(household_ids={line.household_id for line in lines})


def subject_url(approval) -> str:
    return reverse("credit_use:revocation_detail", args=[approval.subject_id])


register(REVERSAL_KIND, Kind(label=gettext_lazy("Reversal of a credit revocation"), approver_roles=APPROVER_ROLES,
                             on_decided=on_decided, subject_url=subject_url, lock_subject=_lock_case))
