"""A6/R2: the pre-check override as a maker-checker action (sunshine_credit.approvals).

A loan officer of the village (or an administrator) asks, with a written reason, that a household the
pre-check removes (hits 3–8) stay in the appraisal; a head-office supervisor or administrator who is not
the requester approves or refuses. Approving sets `Decision.override_approved` and, when the panel had
recorded the removal, reopens the decision so the panel decides again. Refusing changes nothing.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sunshine_credit.approvals import ApprovalRefused, Kind, register
from sunshine_credit.models import Role

from .models import Decision, DecisionStatus, Panel
from .services_decisions import lock_decision_rows
from .services_precheck import OVERRIDE_KIND


def on_decided(approval, approved: bool) -> None:
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


def subject_url(approval) -> str:
    return reverse("appraisal:precheck_decision", args=[approval.subject_id])


register(OVERRIDE_KIND, Kind(label=gettext_lazy("Override of a pre-check removal"),
                             approver_roles=frozenset({Role.SUPERVISOR, Role.ADMIN}),
                             on_decided=on_decided, subject_url=subject_url, lock_subject=lock_decision_rows))
