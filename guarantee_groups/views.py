"""Joint-guarantee group pages (SPEC §7): the list, forming a group, a group's page with its actions, and the
village's printed register. Thin views: a form, one selector or service, a template. Every fetch goes through
the scope (R1): outside it the answer is 404 and nothing is written."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sunshine_credit.errors import Refusal, show_on_form
from sunshine_credit.lib.pdf import render_pdf
from sunshine_credit.scoping import village_in_scope_or_404

from . import selectors, services
from .forms import GroupFilterForm, GroupForm, GroupUpdateForm, MemberAddForm, VersionForm

REFUSALS = (Refusal, PermissionDenied)  # GroupRefused, Stale (R3), the role check
PAGE_SIZE = 50


def _may_edit(scope, village_id: int) -> bool:
    return scope.is_maker and scope.can_edit_village(village_id)


def _village_param(request):
    value = request.GET.get("village", "")
    if not value.isdigit():
        raise Http404
    return village_in_scope_or_404(request.scope, int(value))


@login_required
def group_list(request):
    villages = list(selectors.group_villages(scope=request.scope))
    form = GroupFilterForm(request.GET, villages=villages)
    village_id = form.village_id()
    page = Paginator(selectors.group_list(scope=request.scope, village_id=village_id), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "guarantee_groups/group_list.html", {
        "form": form, "page": page, "groups": selectors.with_members(list(page.object_list)),
        "village": next((v for v in villages if v.pk == village_id), None),
        "village_query": f"village={village_id}" if village_id else "",
        "editable": [v for v in villages if _may_edit(request.scope, v.pk)]})


@login_required
def group_new(request):
    """Form a group of `?village=<id>` from its households with a line in effect and in no active group."""
    village = _village_param(request)
    request.scope.require_maker(_("Only the loan officer of the village forms its joint-guarantee groups."),
                                village_id=village.pk)
    candidates = selectors.group_candidates(scope=request.scope, village_id=village.pk)
    form = GroupForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_form(scope=request.scope, actor=request.user, village_id=village.pk,
                                        household_ids=form.cleaned_data["households"],
                                        leader_id=form.cleaned_data["leader"], name=form.cleaned_data["name"],
                                        allows_outside=form.cleaned_data["allows_outside"])
        except Refusal as exc:
            show_on_form(form, exc)
        else:
            messages.success(request, _("Group %(number)d was formed.") % {"number": group.number})
            return redirect("guarantee_groups:group_detail", pk=group.pk)
    chosen = {str(pk) for pk in form["households"].value() or []}
    return render(request, "guarantee_groups/group_form.html", {
        "village": village, "form": form, "candidates": candidates, "chosen": chosen,
        "leader": str(form["leader"].value() or "")})


@login_required
def group_detail(request, pk: int):
    group = selectors.group_get(scope=request.scope, pk=pk)
    can_edit = _may_edit(request.scope, group.village_id) and group.status == group.Status.ACTIVE
    context = {"group": group, "can_edit": can_edit, "history": selectors.group_history(group=group),
               "refusal": services.group_drawdown_refusal(group)}
    if can_edit:
        context["update_form"] = GroupUpdateForm(members=group.rows, initial={
            "version": group.version, "name": group.name, "leader": group.leader_id,
            "allows_outside": group.allows_outside})
        candidates = selectors.group_candidates(scope=request.scope, village_id=group.village_id)
        context["add_form"] = MemberAddForm(candidates=candidates, initial={"version": group.version})
    return render(request, "guarantee_groups/group_detail.html", context)


def _act(request, group, form, call, done: str):
    """A POSTed action on a group read through the scope (404 outside): validate the form, call the service
    (which checks the role and the version, and refuses with the rule's reason), and go back to the group."""
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; nothing was saved."))
    else:
        try:
            call(group, form.cleaned_data)
        except REFUSALS as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, done)
    return redirect("guarantee_groups:group_detail", pk=group.pk)


@login_required
@require_POST
def group_update(request, pk: int):
    group = selectors.group_get(scope=request.scope, pk=pk)
    form = GroupUpdateForm(request.POST, members=group.rows)
    return _act(request, group, form, lambda g, data: services.group_update(
        scope=request.scope, actor=request.user, group_id=g.pk, version=data["version"], name=data["name"],
        leader_id=data["leader"], allows_outside=data["allows_outside"]), _("The group was saved."))


@login_required
@require_POST
def member_add(request, pk: int):
    group = selectors.group_get(scope=request.scope, pk=pk)
    return _act(request, group, MemberAddForm(request.POST), lambda g, data: services.member_add(
        scope=request.scope, actor=request.user, group_id=g.pk, household_id=data["household"],
        version=data["version"]), _("The household joined the group."))


@login_required
@require_POST
def member_remove(request, pk: int, household_pk: int):
    group = selectors.group_get(scope=request.scope, pk=pk)
    return _act(request, group, VersionForm(request.POST), lambda g, data: services.member_remove(
        scope=request.scope, actor=request.user, group_id=g.pk, household_id=household_pk,
        version=data["version"]), _("The household left the group."))


@login_required
@require_POST
def group_dissolve(request, pk: int):
    group = selectors.group_get(scope=request.scope, pk=pk)
    return _act(request, group, VersionForm(request.POST), lambda g, data: services.group_dissolve(
        scope=request.scope, actor=request.user, group_id=g.pk, version=data["version"]),
        _("The group was dissolved."))


@login_required
def group_register(request, village_pk: int):
    """《农户家庭授信贷款联保小组情况表》 of the village, printed now (a village has a handful of groups)."""
    village = village_in_scope_or_404(request.scope, village_pk)
    groups = selectors.register_groups(scope=request.scope, village_id=village.pk)
    with translation.override(settings.LANGUAGE_CODE):  # the village's paper register (按村登记) is in Chinese
        pdf = render_pdf("guarantee_groups/pdf/register.html", {
            "village": village, "branch": village.branch, "groups": groups, "printed_on": timezone.localdate()})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="groups-{village.code}.pdf"'
    return response
