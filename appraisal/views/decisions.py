"""A7 pages: the summary and decisions of a closed panel, recording sign-offs, the appraisal sheet.

Staff reach a panel through `panel_or_404` (readers of the village see the page, makers decide); seated
reviewers through `seat_or_404` under my/. Before the round is closed every page answers 404 (A3);
outside the scope too, and nothing is written (R1).
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

from sunshine_credit.approvals import ApprovalRefused
from sunshine_credit.confirm import confirm_page, is_confirmed
from sunshine_credit.errors import Refusal, Stale
from sunshine_credit.lib.money import yuan
from sunshine_credit.scoping import activate, get_in_scope_or_404

from ..forms import DecisionForm, PaperSignOffForm, form_errors
from ..models import Decision, DecisionStatus, Panel
from ..selectors import decisions_summary, panel_or_404, panel_scope, seat_or_404, sign_off_preview
from ..services import decisions as services
from ..services import sheet as services_sheet

REFUSALS = (services.DecisionRefused, Stale, ApprovalRefused, PermissionDenied)


def _closed_panel(request, pk: int, *, for_edit: bool = False) -> Panel:
    panel = panel_or_404(request.scope, pk, for_edit=for_edit)
    if not panel.is_closed:  # A3: before closing nobody sees the entries
        raise Http404
    return panel


def _page(request, panel: Panel, *, may_decide: bool, seat=None, row_error: dict | None = None, status: int = 200):
    summary = decisions_summary(panel, for_reviewer=seat is not None)
    for row in summary["rows"] if row_error else ():
        row["error"] = row_error if row["decision"].pk == row_error["id"] else None
    return render(request, "appraisal/decisions.html", {
        "panel": panel, "may_decide": may_decide, "seat": seat, "statuses": DecisionStatus.choices,
        **summary}, status=status)


@login_required
@never_cache
def decisions_page(request, pk: int):
    panel = _closed_panel(request, pk)
    return _page(request, panel, may_decide=_may_decide(request, panel))


def _may_decide(request, panel: Panel) -> bool:
    return (panel.status == Panel.Status.CLOSED and request.scope.is_maker
            and request.scope.can_edit_village(panel.village_id))


@login_required
@never_cache
def seat_decisions(request, panel: int):
    """The same summary, read only, for a reviewer seated on the panel."""
    seat = seat_or_404(request.user, panel)
    if not seat.panel.is_closed:
        raise Http404
    with activate(panel_scope(seat.panel, user_id=request.user.pk)):
        return _page(request, seat.panel, may_decide=False, seat=seat)


def _done(request, call, success: str, *, about: str = "") -> None:
    """Run one service call; its refusal becomes an error message, naming the household (`about`) if given."""
    try:
        call()
    except REFUSALS as exc:
        text = str(exc) or _("You may not do this.")
        messages.error(request, _("Household %(code)s: %(message)s") % {"code": about, "message": text}
                       if about else text)
    else:
        messages.success(request, success)


@login_required
@require_POST
def decisions_accept(request, pk: int):
    panel = _closed_panel(request, pk, for_edit=True)
    _done(request, lambda: services.decisions_accept_computed(scope=request.scope, actor=request.user,
                                                              panel_id=panel.pk),
          _("The computed results were accepted for every undecided household."))
    return redirect("appraisal:decisions", pk=panel.pk)


@login_required
@require_POST
def decision_save(request, pk: int, decision: int):
    """One household's decision. A refusal (issue 15 item 9) is shown in that household's row, on its fields, with
    what was typed (the current values when stale), and named at the top of the page too."""
    panel = _closed_panel(request, pk, for_edit=True)
    code = panel.decisions.filter(pk=decision).values_list("household__code", flat=True).first()
    if code is None:
        raise Http404
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _refused(request, panel, decision, code, errors=[(name, form_errors(form)) for name in form.errors])
    data = form.cleaned_data
    try:
        services.decision_set(scope=request.scope, actor=request.user, decision_id=decision,
                              version=data["version"], status=data["status"], amount=data["amount"],
                              reason=data["reason"])
    except REFUSALS as exc:
        errors = exc.errors if isinstance(exc, Refusal) else [(None, str(exc) or _("You may not do this."))]
        return _refused(request, panel, decision, code, errors=errors, stale=isinstance(exc, Stale))
    messages.success(request, _("The decision was saved."))
    return redirect(f"{reverse('appraisal:decisions', args=[panel.pk])}#decision-{decision}")


def _refused(request, panel: Panel, decision: int, code: str, *, errors: list, stale: bool = False):
    """The decisions page again (400, 409 when stale), the refusal in the household's row and at the top."""
    text = " ".join(dict.fromkeys(str(message) for _field, message in errors))
    messages.error(request, _("Household %(code)s: %(message)s") % {"code": code, "message": text})
    row_error = {"id": decision, "message": text, "fields": [field for field, _message in errors if field],
                 "typed": None if stale else request.POST}
    return _page(request, panel, may_decide=_may_decide(request, panel), row_error=row_error,
                 status=409 if stale else 400)


def _sign_off_lines(panel: Panel) -> list[str] | None:
    """The confirmation page's summary of what a sign-off confirms; None while households are undecided (the
    service then refuses, saying so)."""
    preview = sign_off_preview(panel)
    if preview["undecided"] or not preview["households"]:
        return None
    return [_("The decisions on %(households)d households are confirmed as shown in the summary: %(granted)d "
              "proposed for credit, %(total)s yuan in all; %(others)d not.")
            % {**preview, "total": yuan(preview["total"])},
            _("Once every member has signed off, the decisions no longer change and the board can be published.")]


@login_required
@require_POST
def sign_off_paper(request, pk: int):
    panel = _closed_panel(request, pk, for_edit=True)
    form = PaperSignOffForm(request.POST)
    if not form.is_valid():
        raise Http404
    lines = None if is_confirmed(request) else _sign_off_lines(panel)
    if lines is not None:  # issue 15 item 5: ask first
        member = panel.members.select_related("reviewer").filter(pk=form.cleaned_data["member"]).first()
        if member is None:
            raise Http404
        return confirm_page(
            request, title=_("Record paper sign-off: %(name)s (seat %(seat)s)")
            % {"name": member.reviewer.name, "seat": member.seat},
            lines=[_("%(name)s signed the paper appraisal sheet.") % {"name": member.reviewer.name}, *lines],
            action=request.path, cancel=reverse("appraisal:panel_detail", args=[panel.pk]),
            label=_("Record paper sign-off"), fields={"member": member.pk})
    _done(request, lambda: services.sign_off_record_paper(scope=request.scope, actor=request.user,
                                                          panel_id=panel.pk, member_id=form.cleaned_data["member"]),
          _("The paper sign-off was recorded."))
    return redirect("appraisal:panel_detail", pk=panel.pk)


@login_required
@require_POST
def seat_sign_off(request, panel: int):
    seat = seat_or_404(request.user, panel)
    lines = None if is_confirmed(request) or not seat.panel.is_closed else _sign_off_lines(seat.panel)
    if lines is not None:  # issue 15 item 5: ask first
        return confirm_page(request, title=_("Sign off the panel's decisions"), lines=lines, action=request.path,
                            cancel=reverse("appraisal:seat_decisions", args=[seat.panel_id]),
                            label=_("Sign off the panel's decisions"))
    _done(request, lambda: services.sign_off_seat(actor=request.user, panel_id=seat.panel_id),
          _("Thank you: your sign-off was recorded."))
    return redirect("appraisal:seat_home", panel=seat.panel_id)


@login_required
@require_POST
def sheet_request(request, pk: int):
    panel = _closed_panel(request, pk)
    item = services_sheet.sheet_request(scope=request.scope, actor=request.user, panel=panel)
    return redirect("generated_file_status", pk=item.pk)


@login_required
def decision_goto(request, pk: int):
    """Where an escalation request in the approval inbox links to: the household's row on the decisions page."""
    decision = get_in_scope_or_404(Decision.objects.all(), request.scope, village_field="household__village_id", pk=pk)
    return redirect(f"{reverse('appraisal:decisions', args=[decision.panel_id])}#decision-{decision.pk}")
