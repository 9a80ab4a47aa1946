"""R2, seed 000 第一篇 (常态化动态管理): a credit-line change as a maker-checker action (sunshine_credit.approvals).

The loan officer of the village (or an administrator) proposes the change with its reason and investigation
(services_line_change.line_change_request); head office verifies and agrees (总行核实有关情况并同意) before the
line changes. As for drawdowns above a branch's authority, the head office's administrator decides: supervisors
read and watch but enter no data (SPEC §1), and the branch president is not head office. The maker never decides
their own request (O3). The subject is the line, so one change of a line waits at a time.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy

from sunshine_credit.approvals import Kind, register
from sunshine_credit.models import Role

from .models import CreditLine
from .services_line_change import LINE_CHANGE_KIND, line_change_decided


def lock_line(approval) -> None:
    """Kind.lock_subject: the line before the approval row — the order line_change_request takes them in."""
    list(CreditLine.objects.select_for_update().filter(pk=approval.subject_id).values_list("pk", flat=True))


def subject_url(approval) -> str:
    return reverse("credit_use:line_detail", args=[approval.subject_id])


register(LINE_CHANGE_KIND, Kind(label=gettext_lazy("Credit line change"), approver_roles=frozenset({Role.ADMIN}),
                                on_decided=line_change_decided, subject_url=subject_url, lock_subject=lock_line))
