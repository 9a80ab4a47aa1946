"""A1–A3 for officers: the reviewer registry, forming panels, opening and closing the round.

Panels are fetched through `panel_or_404` (org scope; edit pages ask for the editable scope) and
reviewers through the registry selector (branch scope): outside the scope the answer is 404 (R1).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sunshine_credit.confirm import confirm_page, is_confirmed
from sunshine_credit.errors import Stale

from .. import forms, selectors
from ..forms import posted_int
from ..models import Reviewer
from ..selectors import panel_or_404
from ..services import panels as services

REFUSALS = (services.PanelRefused, Stale, PermissionDenied)


@login_required
def panel_list(request):
    todo = request.GET.get("todo", "")
    todo = todo if todo in selectors.PANEL_TODOS else ""  # the home page's task list (issue 15 item 4)
    campaign = request.GET.get("campaign", "")
    return render(request, "appraisal/panel_list.html", {
        "panels": selectors.panel_list(scope=request.scope, campaign_id=int(campaign) if campaign.isdigit() else None,
                                       todo=todo),
        "todo": todo, "can_edit": request.scope.can_edit_anything})


@login_required
def panel_detail(request, pk: int):
    panel = panel_or_404(request.scope, pk)
    can_edit = request.scope.can_edit_village(panel.village_id)
    return render(request, "appraisal/panel_detail.html", {
        "panel": panel, "can_edit": can_edit, "progress": selectors.panel_progress(panel),
        "gaps": selectors.gap_edits_pending(panel) if can_edit else [], "counts": selectors.panel_counts(panel),
        "round_count": selectors.panel_households(panel).count(), "waiting": selectors.households_waiting(panel)})


@login_required
def panel_form(request, pk: int | None = None):
    if not request.scope.can_edit_anything:
        raise Http404
    panel = panel_or_404(request.scope, pk, for_edit=True) if pk else None
    form = forms.PanelForm(request.POST or None, instance=panel, scope=request.scope)
    members = forms.member_formset(scope=request.scope, panel=panel, data=request.POST or None)
    if request.method == "POST" and form.is_valid() & members.is_valid():
        try:
            if panel is None:
                panel = services.panel_create(
                    scope=request.scope, actor=request.user, campaign=form.cleaned_data["campaign"],
                    village_id=form.cleaned_data["village"].pk, fields=form.panel_fields(), members=members.members())
            else:
                services.panel_update(scope=request.scope, actor=request.user, panel_id=panel.pk,
                                      version=form.cleaned_data["version"] or 0, fields=form.panel_fields(),
                                      members=members.members())
        except REFUSALS as exc:
            form.add_error(None, str(exc) or _("You may not do this."))
        else:
            messages.success(request, _("The panel was saved."))
            return redirect("appraisal:panel_detail", pk=panel.pk)
    return render(request, "appraisal/panel_form.html", {"form": form, "members": members, "panel": panel})


@login_required
@require_POST
def panel_round(request, pk: int, action: str):
    """Open or close the back-to-back round (POST with the version the page showed)."""
    panel = panel_or_404(request.scope, pk, for_edit=True)
    service = {"open": services.round_open, "close": services.round_close}.get(action)
    if service is None:
        raise Http404
    if action == "close" and not is_confirmed(request):  # issue 15 item 5: closing is irreversible, ask first
        seats = panel.members.count()
        households = selectors.panel_households(panel).count()
        return confirm_page(
            request, title=_("Close the round: %(name)s") % {"name": panel.unit_name},
            lines=[_("The entries of %(n)d reviewers can no longer change.") % {"n": seats},
                   _("The system will compute the results of %(n)d households and run the pre-check.")
                   % {"n": households}],
            action=request.path, cancel=reverse("appraisal:panel_detail", args=[panel.pk]),
            label=_("Close the round"), fields={"version": request.POST.get("version", "")})
    try:
        service(scope=request.scope, actor=request.user, panel_id=panel.pk,
                version=posted_int(request.POST.get("version")))
    except REFUSALS as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The round is open: reviewers can enter.") if action == "open"
                         else _("The round is closed: the entries and the results are in the summary."))
    return redirect("appraisal:panel_detail", pk=panel.pk)


@login_required
def reviewer_list(request):
    if not request.scope.branch_ids:
        raise Http404
    return render(request, "appraisal/reviewer_list.html", {
        "reviewers": selectors.reviewer_list(scope=request.scope), "can_edit": request.scope.can_edit_anything})


@login_required
@never_cache
def reviewer_form(request, pk: int | None = None):
    if not request.scope.can_edit_anything:
        raise Http404
    try:
        reviewer = selectors.reviewer_get(scope=request.scope, pk=pk) if pk else None
    except Reviewer.DoesNotExist:
        raise Http404 from None
    form = forms.ReviewerForm(request.POST or None, instance=reviewer, scope=request.scope)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["household_code"]
        try:
            if reviewer is None:
                reviewer, password = services.reviewer_create(
                    scope=request.scope, actor=request.user, branch_id=form.cleaned_data["branch"].pk,
                    fields=form.reviewer_fields(), household_code=code, staff_user=form.cleaned_data["staff_user"])
                if password:  # shown once, on this response only (never stored in the session)
                    return render(request, "appraisal/reviewer_login.html", {"reviewer": reviewer, "password": password})
            else:
                services.reviewer_update(scope=request.scope, actor=request.user, reviewer_id=reviewer.pk,
                                         fields=form.reviewer_fields(), household_code=code)
        except REFUSALS as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The reviewer was saved."))
            return redirect("appraisal:reviewer_list")
    return render(request, "appraisal/reviewer_form.html", {"form": form, "reviewer": reviewer})


@login_required
@require_POST
@never_cache
def reviewer_password(request, pk: int):
    try:
        reviewer = selectors.reviewer_get(scope=request.scope, pk=pk)
        password = services.reviewer_reset_password(scope=request.scope, actor=request.user,
                                                    reviewer_id=reviewer.pk)
    except (Reviewer.DoesNotExist, PermissionDenied):
        raise Http404 from None
    except services.PanelRefused as exc:
        messages.error(request, str(exc))
        return redirect("appraisal:reviewer_edit", pk=reviewer.pk)
    return render(request, "appraisal/reviewer_login.html", {"reviewer": reviewer, "password": password})
