"""L6/R2: a decided amount above the branch's approval authority as a maker-checker action.

The maker (the officer or administrator whose decision granted the amount) files the request through
`services_decisions`; the level above the branch — head-office supervisors and administrators, never the
maker — approves or refuses it. Approving marks the decision's escalation "approved" (the line may then take
effect, P5); refusing marks it "rejected". Either is allowed after the panel signed off: the level above
decides after the panel. A request whose decision changed meanwhile is withdrawn by the decision service;
should one still reach a checker, approving it is refused.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sunshine_credit.approvals import ApprovalRefused, Kind, register
from sunshine_credit.models import Role

from .models import Decision, DecisionStatus, Escalation
from .services_decisions import ESCALATION_KIND, lock_decision_rows


def on_decided(approval, approved: bool) -> None:
    """Runs in the checker's transaction and scope (approval_decide)."""
    decision = (Decision.objects.select_for_update(of=("self",))
                .filter(pk=approval.subject_id, household__village_id=approval.village_id).first())
    if decision is None:
        raise ApprovalRefused(_("The decision this request is about no longer exists."))
    if decision.escalation != Escalation.PENDING or decision.status != DecisionStatus.GRANTED:
        raise ApprovalRefused(_("The decision changed meanwhile: this request no longer applies."))
    decision.escalation = Escalation.APPROVED if approved else Escalation.REJECTED
    decision.version += 1
    decision.save(update_fields=["escalation", "version"])


def subject_url(approval) -> str:
    return reverse("appraisal:decision_goto", args=[approval.subject_id])


def makers(approval) -> set:
    """O3: whoever decided the amount (an administrator re-saving it included) does not approve it."""
    return set(Decision.objects.filter(pk=approval.subject_id).values_list("decided_by_id", flat=True))


register(ESCALATION_KIND, Kind(label=gettext_lazy("Limit above the branch's authority"),
                               approver_roles=frozenset({Role.ADMIN, Role.SUPERVISOR}),
                               on_decided=on_decided, subject_url=subject_url, lock_subject=lock_decision_rows,
                               makers=makers))
