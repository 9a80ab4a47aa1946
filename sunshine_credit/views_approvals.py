"""O3/R2: the checker's inbox, shared by every maker-checker action (sunshine_credit.approvals).

Pending requests the user's role may decide, within their scope; the user's own requests are shown but
cannot be decided by them (maker-checker). Refusals are shown as messages and nothing is written; a
request outside the scope answers 404 (R1).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .approvals import KINDS, ApprovalRefused, approval_decide, approval_inbox, approvals_requested, may_decide
from .models import Approval


def _row(scope, approval: Approval) -> dict:
    kind = KINDS.get(approval.kind)
    url = kind.subject_url(approval) if kind is not None and kind.subject_url else ""
    return {"approval": approval, "label": kind.label if kind else approval.kind, "url": url,
            "may_decide": may_decide(scope, approval), "own": approval.requested_by_id == scope.user_id}


@login_required
@never_cache
def approval_inbox_page(request):
    scope = request.scope
    return render(request, "sunshine_credit/approval_inbox.html", {
        "pending": [_row(scope, a) for a in approval_inbox(scope=scope)],
        "mine": [_row(scope, a) for a in approvals_requested(scope=scope)]})


@login_required
@require_POST
def approval_decide_view(request, pk: int):
    approve = request.POST.get("decision") == "approve"
    try:
        approval_decide(scope=request.scope, actor=request.user, approval_id=pk, approve=approve,
                        note=request.POST.get("note", "")[:2000])
    except Approval.DoesNotExist:
        raise Http404 from None
    except (ApprovalRefused, PermissionDenied) as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    else:
        messages.success(request, _("The request was approved.") if approve else _("The request was refused."))
    return redirect("approval_inbox")
