"""A6: the pre-check pages: the list of a closed panel with the override requests, the audit referrals of a
campaign with their .xlsx export. Panels come through `panel_or_404`, campaigns through `campaign_get`,
decisions through `get_in_scope_or_404`: outside the scope the answer is 404 and nothing is written (R1).
"""

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sunshine_credit.approvals import ApprovalRefused
from sunshine_credit.scoping import get_in_scope_or_404
from surveys.selectors import campaign_get

from .. import exports, selectors
from ..forms import OverrideForm
from ..models import Decision, Panel
from ..selectors import panel_or_404
from ..services import precheck as services

REFUSALS = (services.PrecheckRefused, ApprovalRefused, PermissionDenied)


def _closed_panel(request, pk: int, *, for_edit: bool = False) -> Panel:
    panel = panel_or_404(request.scope, pk, for_edit=for_edit)
    if not panel.is_closed:  # closing the round is what runs the check
        raise Http404
    return panel


@login_required
def precheck_list(request, pk: int):
    panel = _closed_panel(request, pk)
    may_request = (panel.status == Panel.Status.CLOSED and request.scope.is_maker
                   and request.scope.can_edit_village(panel.village_id))
    return render(request, "appraisal/precheck_list.html", {
        "panel": panel, "rows": selectors.precheck_panel_rows(panel), "may_request": may_request,
        "form": OverrideForm()})


@login_required
@require_POST
def precheck_override(request, pk: int, decision: int):
    panel = _closed_panel(request, pk, for_edit=True)
    form = OverrideForm(request.POST)
    try:
        if not form.is_valid():
            raise ApprovalRefused(_("Write the reason for this request."))
        services.precheck_override_request(scope=request.scope, actor=request.user, decision_id=decision,
                                           reason=form.cleaned_data["reason"])
    except REFUSALS as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    else:
        messages.success(request, _("The override was requested: a head-office supervisor decides it."))
    return redirect(f"{reverse('appraisal:precheck_list', args=[panel.pk])}#decision-{decision}")


@login_required
@require_POST
def precheck_rerun(request, pk: int):
    panel = _closed_panel(request, pk, for_edit=True)
    try:
        result = services.precheck_run(scope=request.scope, actor=request.user, panel_id=panel.pk)
    except REFUSALS as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    else:
        messages.success(request, _("The pre-check ran again: %(n)d households flagged.") % {"n": result["flagged"]})
    return redirect("appraisal:precheck_list", pk=panel.pk)


@login_required
def precheck_decision(request, pk: int):
    """Where an override request in the approval inbox links to: the household's row on the panel's list."""
    decision = get_in_scope_or_404(Decision.objects.all(), request.scope, village_field="household__village_id", pk=pk)
    return redirect(f"{reverse('appraisal:precheck_list', args=[decision.panel_id])}#decision-{decision.pk}")


@login_required
def precheck_audit_list(request, pk: int):
    campaign = campaign_get(scope=request.scope, pk=pk)
    return render(request, "appraisal/precheck_audit_list.html", {
        "campaign": campaign, "rows": selectors.audit_referrals(scope=request.scope, campaign=campaign)})


@login_required
def precheck_audit_export(request, pk: int):
    campaign = campaign_get(scope=request.scope, pk=pk)
    out = tempfile.TemporaryFile()  # noqa: SIM115  FileResponse closes it
    exports.audit_referral_write(out, scope=request.scope, campaign=campaign)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=exports.audit_referral_file_name(campaign),
                        content_type=exports.XLSX)
