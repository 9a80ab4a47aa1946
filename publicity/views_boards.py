"""P1–P3 for officers: a campaign's boards (publish one or all, progress of the printing jobs), a notice's
page (items, objections, reconsideration), and the archived PDF. Every fetch goes through the scope (R1)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from households.services import MAKER_ROLES

from . import selectors_boards as selectors
from . import services_publish
from .models import Notice

REFUSALS = (services_publish.PublishRefused, PermissionDenied)


@login_required
def board_list(request):
    campaigns = list(selectors.campaigns(scope=request.scope))
    chosen = request.GET.get("campaign")
    campaign = next((c for c in campaigns if str(c.pk) == chosen), campaigns[0] if campaigns else None)
    panels = selectors.campaign_boards(scope=request.scope, campaign_id=campaign.pk) if campaign else []
    progress = selectors.boards_progress(panels)
    return render(request, "publicity/board_list.html", {
        "campaigns": campaigns, "campaign": campaign, "panels": panels, "progress": progress,
        "may_publish": request.scope.role in MAKER_ROLES and request.scope.can_edit_anything,
        "editable": set(request.scope.editable_village_ids), "waiting": progress["rendering"] > 0})


@login_required
@require_POST
def board_publish(request, panel_pk: int):
    try:
        notice = services_publish.publish_precredit(scope=request.scope, actor=request.user, panel_id=panel_pk)
    except REFUSALS as exc:
        messages.error(request, str(exc))
        return redirect("publicity:board_list")
    messages.success(request, _("The board was published; it is being printed."))
    return redirect("publicity:notice_detail", pk=notice.pk)


@login_required
@require_POST
def campaign_publish(request, campaign_pk: int):
    if not selectors.campaigns(scope=request.scope).filter(pk=campaign_pk).exists():
        raise Http404
    try:
        services_publish.campaign_publish_request(scope=request.scope, actor=request.user, campaign_id=campaign_pk)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The signed-off boards of your villages are being published and printed in the "
                                    "background; this page shows their progress."))
    return redirect(f"{reverse('publicity:board_list')}?campaign={campaign_pk}")


@never_cache
@login_required
def notice_detail(request, pk: int):
    notice = selectors.notice_or_404(request.scope, pk)
    can_edit = request.scope.role in MAKER_ROLES and request.scope.can_edit_village(notice.village_id)
    return render(request, "publicity/notice_detail.html", {
        "notice": notice, "items": selectors.notice_items(notice), "objections": selectors.notice_objections(notice),
        "can_edit": can_edit, "waiting": notice.status == Notice.Status.RENDERING})


@login_required
@require_POST
def notice_retry(request, pk: int):
    """Print a board again whose printing failed (never one already archived)."""
    notice = selectors.notice_or_404(request.scope, pk, for_edit=True)
    if request.scope.role not in MAKER_ROLES or notice.status != Notice.Status.FAILED or notice.file:
        raise Http404
    services_publish.notice_retry(notice=notice, actor=request.user)
    return redirect("publicity:notice_detail", pk=notice.pk)


@login_required
def notice_pdf(request, pk: int):
    notice = selectors.notice_or_404(request.scope, pk)
    if not notice.file:
        raise Http404
    return FileResponse(notice.file.open("rb"), content_type="application/pdf", as_attachment=False,
                        filename=f"{notice.village.code}-{notice.kind}-{notice.starts_on:%Y%m%d}.pdf")
