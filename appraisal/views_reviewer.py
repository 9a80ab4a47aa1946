"""A3/A4: the seated reviewer's pages: their panels, a grid per villagers' group, filling data gaps.

Every view starts from `seat_or_404(request.user, panel)` (their own seat, or 404) and runs inside
`panel_scope`, which holds the panel's village only. Nothing here reads another seat's entries.
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from households.models import Household
from sunshine_credit.scoping import activate
from surveys.entry import WITHHOLD_REASONS

from . import selectors_entry as selectors
from . import services_entry, services_gaps
from .access import panel_scope, seat_or_404, seats_of
from .entry import parse_entry, posted_int
from .models import GapEdit, Rating


@login_required
def my_panels(request):
    return render(request, "appraisal/my_panels.html", {"seats": seats_of(request.user)})


@login_required
def seat_home(request, panel: int):
    seat = seat_or_404(request.user, panel)
    with activate(panel_scope(seat.panel, user_id=request.user.pk)):
        return render(request, "appraisal/seat_home.html", {
            "seat": seat, "panel": seat.panel, "groups": selectors.seat_groups(seat),
            "gap_edits": list(selectors.seat_gap_edits(seat)[:50])})


@login_required
@never_cache
def seat_grid(request, panel: int, group: int):
    seat = seat_or_404(request.user, panel)
    with activate(panel_scope(seat.panel, user_id=request.user.pk)):
        groups = selectors.seat_groups(seat)
        current = next((g for g in groups if g["id"] == group), None)
        if current is None:
            raise Http404
        following = groups[groups.index(current) + 1:]
        return render(request, "appraisal/seat_grid.html", {
            "seat": seat, "panel": seat.panel, "group": current, "rows": selectors.seat_grid(seat, group),
            "next_group": following[0] if following else None, "ratings": Rating.choices,
            "withhold_reasons": WITHHOLD_REASONS})


@login_required
@require_POST
def seat_row_save(request, panel: int):
    """Save one grid row (JSON in, JSON out): 200 with the new version, 400 with errors, 409 stale."""
    try:
        data = json.loads(request.body or b"{}")
        household_id, version = int(data["household"]), int(data.get("version") or 0)
        values = parse_entry(data)
        entry = services_entry.appraisal_save(actor=request.user, panel_id=panel, household_id=household_id,
                                              values=values, version=version)
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"errors": {"__all__": _("The row could not be read.")}}, status=400)
    except services_entry.EntryRefused as exc:
        return JsonResponse({"errors": exc.errors}, status=400)
    except services_entry.StaleEntry as exc:
        return JsonResponse({"errors": {"__all__": str(exc)}}, status=409)
    if entry is None:
        return JsonResponse({"version": 0, "values": {"amount": None, "withhold_reasons": [], "rating": None}})
    return JsonResponse({"version": entry.version, "values": {
        "amount": str(entry.amount) if entry.amount is not None else None,
        "withhold_reasons": entry.withhold_reasons, "rating": entry.rating}})


@login_required
def seat_gap_form(request, panel: int, household: int):
    """A4: propose a missing ID number, address or phone for a household; an officer confirms it."""
    seat = seat_or_404(request.user, panel)
    with activate(panel_scope(seat.panel, user_id=request.user.pk)):
        try:
            home = selectors.seat_gap_household(seat, household)
        except Household.DoesNotExist:
            raise Http404 from None
        if request.method == "POST":
            try:
                services_gaps.gap_propose(actor=request.user, panel_id=panel, household_id=home.pk,
                                          field=request.POST.get("field", ""), value=request.POST.get("value", ""),
                                          member_id=posted_int(request.POST.get("member")) or None)
            except services_gaps.GapRefused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Thank you: the loan officer will check and confirm it."))
                return redirect("appraisal:seat_home", panel=panel)
        return render(request, "appraisal/seat_gap_form.html", {
            "seat": seat, "panel": seat.panel, "household": home, "fields": GapEdit.Field.choices,
            "member_fields": sorted(services_gaps.MEMBER_FIELDS)})
