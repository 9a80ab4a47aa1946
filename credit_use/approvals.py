"""The maker-checker actions of credit use (O3/R2, sunshine_credit.approvals), registered from apps.ready().

- "drawdown" (U4/R2): the loan officer (maker) submits the application with their opinion
  (services.drawdowns.drawdown_submit); the branch president (checker, 行长签署用信审批意见) approves or refuses it
  in the approvals inbox. Only the president's role decides — not the administrator, who also makes data; the
  officer who created or submitted the application never decides it, whatever role they hold later (O3).
  Approving re-checks the line (U1) and the guarantee, and may publish the pre-disbursement notice (P6);
  refusing closes the application (services.disbursement.drawdown_decided).
- "drawdown_above_branch": above the branch's approval authority the head office's administrator decides
  instead (supervisors watch; they do not decide loans).
- "line_change" (seed 000 第一篇, 常态化动态管理): the officer of the village (or an administrator) proposes a
  line's new amount with its reason and investigation (services.line_change.line_change_request); head office
  verifies and agrees (总行核实有关情况并同意) before the line changes. As for drawdowns above a branch's authority,
  the head office's administrator decides: supervisors read and watch but enter no data (SPEC §1), and the branch
  president is not head office. The subject is the line, so one change of a line waits at a time.
- "revocation_reversal" (U9): reversing a credit revocation (services.overdue); the branch president or an
  administrator decides, never the requester.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy

from sunshine_credit.approvals import Kind, register
from sunshine_credit.models import Role

from .models import CreditLine, Drawdown, RevocationCase
from .services.disbursement import drawdown_decided
from .services.drawdowns import DRAWDOWN_ABOVE_BRANCH_KIND, DRAWDOWN_KIND
from .services.line_change import LINE_CHANGE_KIND, line_change_decided
from .services.overdue import REVERSAL_KIND, revocation_reversal_decided

# --- drawdowns -------------------------------------------------------------------------------------------

def lock_drawdown_rows(approval) -> None:
    """Kind.lock_subject: the borrower's line, then the drawdown — the order of the drawdown services."""
    line_id = Drawdown.objects.filter(pk=approval.subject_id).values_list("line_id", flat=True).first()
    if line_id is not None:
        list(CreditLine.objects.select_for_update().filter(pk=line_id).values_list("pk", flat=True))
        list(Drawdown.objects.select_for_update().filter(pk=approval.subject_id).values_list("pk", flat=True))


def drawdown_makers(approvals) -> dict[int, set]:
    """Kind.makers: drawdown id → who created and who submitted it."""
    rows = Drawdown.objects.filter(pk__in=[a.subject_id for a in approvals]).values_list(
        "pk", "created_by_id", "submitted_by_id")
    return {pk: {user for user in users if user is not None} for pk, *users in rows}


def drawdown_url(approval) -> str:
    return reverse("credit_use:drawdown_detail", args=[approval.subject_id])


register(DRAWDOWN_KIND, Kind(label=gettext_lazy("Drawdown"), approver_roles=frozenset({Role.PRESIDENT}),
                            on_decided=drawdown_decided, subject_url=drawdown_url, lock_subject=lock_drawdown_rows,
                            makers=drawdown_makers))
register(DRAWDOWN_ABOVE_BRANCH_KIND, Kind(label=gettext_lazy("Drawdown above the branch's authority"),
                                          approver_roles=frozenset({Role.ADMIN}),
                                          on_decided=drawdown_decided, subject_url=drawdown_url,
                                          lock_subject=lock_drawdown_rows, makers=drawdown_makers))


# --- credit line changes -----------------------------------------------------------------------------------

def lock_line(approval) -> None:
    """Kind.lock_subject: the line before the approval row — the order line_change_request takes them in."""
    list(CreditLine.objects.select_for_update().filter(pk=approval.subject_id).values_list("pk", flat=True))


def line_url(approval) -> str:
    return reverse("credit_use:line_detail", args=[approval.subject_id])


register(LINE_CHANGE_KIND, Kind(label=gettext_lazy("Credit line change"), approver_roles=frozenset({Role.ADMIN}),
                                on_decided=line_change_decided, subject_url=line_url, lock_subject=lock_line))


# --- reversing a credit revocation -------------------------------------------------------------------------

def lock_case(approval) -> None:
    RevocationCase.objects.select_for_update().filter(pk=approval.subject_id).first()


def revocation_url(approval) -> str:
    return reverse("credit_use:revocation_detail", args=[approval.subject_id])


register(REVERSAL_KIND, Kind(label=gettext_lazy("Reversal of a credit revocation"),
                             approver_roles=frozenset({Role.PRESIDENT, Role.ADMIN}),
                             on_decided=revocation_reversal_decided, subject_url=revocation_url,
                             lock_subject=lock_case))
