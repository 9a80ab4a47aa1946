"""The maker-checker actions of the appraisal app (sunshine_credit.approvals), registered on import (AppConfig.ready):
L6 the escalation of an amount above the branch's authority, and A6 the override of a pre-check removal.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sunshine_credit.approvals import ApprovalRefused, Kind, register
from sunshine_credit.models import Approval, Role

from .models import Decision, DecisionStatus, Escalation, Panel

# Stored in Approval.kind rows (and read by publicity): stable names.
ESCALATION_KIND = "limit_escalation"
OVERRIDE_KIND = "precheck_override"


def lock_decision_rows(approval: Approval) -> None:
    """Kind.lock_subject of the appraisal approvals: the panel, then the decision — the order in which the
    decision and sign-off services lock them."""
    panel_id = Decision.objects.filter(pk=approval.subject_id).values_list("panel_id", flat=True).first()
    if panel_id is not None:
        list(Panel.objects.select_for_update().filter(pk=panel_id).values_list("pk", flat=True))
        list(Decision.objects.select_for_update().filter(pk=approval.subject_id).values_list("pk", flat=True))


# --- L6/R2: the escalation ----------------------------------------------------------------------------------
# A decided amount above the branch's approval authority as a maker-checker action. The maker (the officer or
# administrator whose decision granted the amount) files the request through `services.decisions`; the level above
# the branch — head-office supervisors and administrators, never the maker — approves or refuses it. Approving
# marks the decision's escalation "approved" (the line may then take effect, P5); refusing marks it "rejected".
# Either is allowed after the panel signed off: the level above decides after the panel. A request whose decision
# changed meanwhile is withdrawn by the decision service; should one still reach a checker, approving it is
# refused.

def escalation_on_decided(approval, approved: bool) -> None:
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


def escalation_subject_url(approval) -> str:
    return reverse("appraisal:decision_goto", args=[approval.subject_id])


def escalation_makers(approvals) -> dict[int, set]:
    """Kind.makers, O3: whoever decided the amount (an administrator re-saving it included) does not approve it."""
    rows = Decision.objects.filter(pk__in=[a.subject_id for a in approvals]).values_list("pk", "decided_by_id")
    return {pk: {user} - {None} for pk, user in rows}


register(ESCALATION_KIND, Kind(label=gettext_lazy("Limit above the branch's authority"),
                               approver_roles=frozenset({Role.ADMIN, Role.SUPERVISOR}),
                               on_decided=escalation_on_decided, subject_url=escalation_subject_url,
                               lock_subject=lock_decision_rows, makers=escalation_makers))


# --- A6/R2: the pre-check override --------------------------------------------------------------------------
# A loan officer of the village (or an administrator) asks, with a written reason, that a household the
# pre-check removes (hits 3–8) stay in the appraisal; a head-office supervisor or administrator who is not
# the requester approves or refuses. Approving sets `Decision.override_approved` and, when the panel had
# recorded the removal, reopens the decision so the panel decides again. Refusing changes nothing.

def override_on_decided(approval, approved: bool) -> None:
    """Runs in the checker's transaction and scope (approval_decide)."""
    if not approved:
        return
    decision = (Decision.objects.select_for_update(of=("self",)).select_related("panel")
                .filter(pk=approval.subject_id, household__village_id=approval.village_id).first())
    if decision is None:
        raise ApprovalRefused(_("The decision this request is about no longer exists."))
    if decision.panel.status == Panel.Status.SIGNED:
        raise ApprovalRefused(_("The panel has signed off: its decisions no longer change."))
    decision.override_approved = True
    fields = ["override_approved", "version"]
    if decision.status == DecisionStatus.REMOVED:
        decision.status = ""  # the panel decides again, now without the removal
        fields.append("status")
    decision.version += 1
    decision.save(update_fields=fields)


def override_subject_url(approval) -> str:
    return reverse("appraisal:precheck_decision", args=[approval.subject_id])


register(OVERRIDE_KIND, Kind(label=gettext_lazy("Override of a pre-check removal"),
                             approver_roles=frozenset({Role.SUPERVISOR, Role.ADMIN}),
                             on_decided=override_on_decided, subject_url=override_subject_url,
                             lock_subject=lock_decision_rows))
