"""V4/V5 staff pages.

- Audit's complaint list and a complaint's page with the handling form: head office's auditors and supervisors
  only (the auditor records the outcome). For everyone else the list is 404 and so is any complaint — the
  officers and president of the branch a complaint concerns never see it.
- The counter: staff write down a villager's complaint or evaluation card; they get its reference number to
  hand over, and nothing more of it afterwards.
- The QR cards: a printable page of each officer's and the branch's QR code (tokens, never ids).
- Suggestion-box openings (V5): recorded by one of the branch's staff, signed by a second, different one; the
  cards found are then entered, linked to the opening.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from publicity.services import qr_svg
from sunshine_credit.errors import Refusal, show_on_form
from sunshine_credit.models import Branch
from sunshine_credit.scoping import area_of

from ..forms.complaints import CounterComplaintForm, HandleForm, OpeningForm
from ..rules.complaints import is_overdue
from ..selectors import complaints as selectors
from ..services import complaints as services


def _auditing(request):
    if request.scope.role not in selectors.AUDIT_ROLES:
        raise Http404
    return request.scope


@login_required
def complaint_list(request):
    _auditing(request)
    today = timezone.localdate()
    todo = request.GET.get("todo", "")
    todo = todo if todo in selectors.COMPLAINT_TODOS else ""
    kind = request.GET.get("kind", "")
    area = area_of(request, keys=("branch", "officer"))  # V1: a dashboard's branch or officer row
    officer_id = area.pk if area.key == "officer" else None  # complaints name an officer, not a village
    rows = list(selectors.complaint_list(scope=area.scope, todo=todo, kind=kind, today=today, officer_id=officer_id))
    for row in rows:
        row.overdue = is_overdue(row, today)
    return render(request, "supervision/complaints/list.html", {
        "complaints": rows, "todo": todo, "kind": kind, "area": area,
        "counts": selectors.complaint_counts(scope=area.scope, today=today, officer_id=officer_id),
        "days": settings.COMPLAINT_HANDLING_DAYS})


@login_required
def complaint_detail(request, pk: int):
    scope = _auditing(request)
    complaint = selectors.complaint_or_404(scope, pk)
    may_handle = scope.role in selectors.HANDLER_ROLES and complaint.status == complaint.Status.OPEN
    form = HandleForm(request.POST if request.method == "POST" else None, initial={"version": complaint.version})
    if request.method == "POST":
        if not may_handle:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.complaint_handle(scope=scope, actor=request.user, complaint_id=complaint.pk,
                                          **form.cleaned_data)
            except Refusal as exc:
                show_on_form(form, exc)
            else:
                messages.success(request, _("The outcome of %(reference)s was recorded.")
                                 % {"reference": complaint.reference})
                return redirect("complaint_detail", pk=complaint.pk)
    return render(request, "supervision/complaints/detail.html", {
        "complaint": complaint, "form": form if may_handle else None,
        "overdue": is_overdue(complaint, timezone.localdate()),
        "full_phone": scope.role in selectors.HANDLER_ROLES}, status=400 if form.errors else 200)


def _counter_form(request, data=None):
    scope = request.scope
    return CounterComplaintForm(data, branches=Branch.objects.filter(pk__in=scope.branch_ids).order_by("code"),
                                officers=selectors.staff_branch_officers(scope=scope))


@login_required
def complaint_counter(request):
    if request.scope.role not in selectors.COUNTER_ROLES:
        raise Http404
    form = _counter_form(request, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            complaint = services.complaint_enter_counter(
                scope=request.scope, actor=request.user, branch_id=data.pop("branch"),
                officer_id=data.pop("officer"), **data)
        except Refusal as exc:
            show_on_form(form, exc)
        else:
            messages.success(request, _("Recorded and sent to head-office audit. Give the villager the reference "
                                        "number %(reference)s to look up the reply.") % {"reference": complaint.reference})
            return redirect("complaint_counter")
    return render(request, "supervision/complaints/counter.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def complaint_cards(request):
    """The QR codes to print on each officer's card and the branch's board."""
    if request.scope.role not in selectors.COUNTER_ROLES:
        raise Http404
    services.channels_ensure(scope=request.scope)
    base = settings.PUBLIC_BASE_URL + reverse("public_sv:complaint_form")
    cards = []
    for channel in selectors.channels(scope=request.scope):
        url = f"{base}?{'officer' if channel.officer_id else 'branch'}={channel.token}"
        cards.append({"channel": channel, "url": url, "qr": qr_svg(url)})
    return render(request, "supervision/complaints/cards.html", {"cards": cards})


# --- suggestion-box openings (V5) -----------------------------------------------------------------------------


def _openings_reader(request):
    if request.scope.role not in selectors.COUNTER_ROLES:
        raise Http404
    return request.scope


@login_required
def opening_list(request):
    scope = _openings_reader(request)
    form = OpeningForm(request.POST if request.method == "POST" else None,
                       initial={"opened_on": timezone.localdate()})
    if form.is_bound and form.is_valid():
        try:
            opening = services.opening_record(scope=scope, actor=request.user, **form.cleaned_data)
        except Refusal as exc:
            show_on_form(form, exc)
        else:
            messages.success(request, _("The opening was recorded. A second person of the branch must now sign it."))
            return redirect("suggestion_opening_detail", pk=opening.pk)
    return render(request, "supervision/complaints/openings.html", {
        "openings": selectors.openings(scope=scope), "form": form,
        "may_record": services.may_open(request.user)}, status=400 if form.errors else 200)


def _opening_page(request, opening, card_form=None, status=200):
    may_sign = (services.may_open(request.user) and not opening.confirmed_by_id
                and opening.opened_by_id != request.user.pk)
    may_enter = (services.may_open(request.user) and opening.confirmed_by_id
                 and opening.cards_entered < opening.card_count)
    if may_enter and card_form is None:
        card_form = CounterComplaintForm(officers=selectors.staff_branch_officers(scope=request.scope).filter(
            staff_profile__branch_id=opening.branch_id), with_branch=False)
    return render(request, "supervision/complaints/opening.html", {
        "opening": opening, "may_sign": may_sign, "card_form": card_form if may_enter else None}, status=status)


@login_required
def opening_detail(request, pk: int):
    opening = selectors.opening_or_404(_openings_reader(request), pk)
    return _opening_page(request, opening)


@login_required
@require_POST
def opening_confirm(request, pk: int):
    scope = _openings_reader(request)
    opening = selectors.opening_or_404(scope, pk)
    try:
        services.opening_confirm(scope=scope, actor=request.user, opening_id=opening.pk)
    except Refusal as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("You signed the opening as the second person."))
    return redirect("suggestion_opening_detail", pk=opening.pk)


@login_required
@require_POST
def opening_card(request, pk: int):
    scope = _openings_reader(request)
    opening = selectors.opening_or_404(scope, pk)
    form = CounterComplaintForm(request.POST, officers=selectors.staff_branch_officers(scope=scope).filter(
        staff_profile__branch_id=opening.branch_id), with_branch=False)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            card = services.opening_card_enter(scope=scope, actor=request.user, opening_id=opening.pk,
                                               officer_id=data.pop("officer"), **data)
        except Refusal as exc:
            show_on_form(form, exc)
        else:
            messages.success(request, _("Card %(reference)s was entered and sent to head-office audit.")
                             % {"reference": card.reference})
            return redirect("suggestion_opening_detail", pk=opening.pk)
    return _opening_page(request, opening, form, status=400)
