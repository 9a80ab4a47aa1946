"""U4/R2: a submitted drawdown as a maker-checker action (sunshine_credit.approvals).

The loan officer (maker) submits the application with their opinion (services_drawdowns.drawdown_submit);
the branch president (checker, 行长签署用信审批意见) approves or refuses it in the approvals inbox; above the
branch's approval authority the head office's administrator decides instead (supervisors watch; they do not
decide loans). Only the
president's role decides — not the administrator, who also makes data; the officer who created or submitted
the application never decides it, whatever role they hold later (O3). Approving re-checks the line (U1)
and the guarantee, and may publish the pre-disbursement notice (P6); refusing closes the application.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy

from sunshine_credit.approvals import Kind, register
from sunshine_credit.models import Role

from .models import CreditLine, Drawdown
from .services_drawdowns import DRAWDOWN_ABOVE_BRANCH_KIND, DRAWDOWN_KIND, drawdown_decided


def lock_drawdown_rows(approval) -> None:
    """Kind.lock_subject: the borrower's line, then the drawdown — the order of the drawdown services."""
    line_id = Drawdown.objects.filter(pk=approval.subject_id).values_list("line_id", flat=True).first()
    if line_id is not None:
        list(CreditLine.objects.select_for_update().filter(pk=line_id).values_list("pk", flat=True))
        list(Drawdown.objects.select_for_update().filter(pk=approval.subject_id).values_list("pk", flat=True))


def makers(approval) -> set:
    row = Drawdown.objects.filter(pk=approval.subject_id).values_list("created_by_id", "submitted_by_id").first()
    return {pk for pk in (row or ()) if pk is not None}


def subject_url(approval) -> str:
    return reverse("credit_use:drawdown_detail", args=[approval.subject_id])


register(DRAWDOWN_KIND, Kind(label=gettext_lazy("Drawdown"), approver_roles=frozenset({Role.PRESIDENT}),
                            on_decided=drawdown_decided, subject_url=subject_url, lock_subject=lock_drawdown_rows,
                            makers=makers))
# Above the branch's approval authority: the head office's administrator decides.
register(DRAWDOWN_ABOVE_BRANCH_KIND, Kind(label=gettext_lazy("Drawdown above the branch's authority"),
                                          approver_roles=frozenset({Role.ADMIN}),
                                          on_decided=drawdown_decided, subject_url=subject_url,
                                          lock_subject=lock_drawdown_rows, makers=makers))
