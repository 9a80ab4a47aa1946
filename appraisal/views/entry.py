"""A3: the seated reviewer's pages: their panels, their seat, a grid per villagers' group (the gap form: gaps).

Every view starts from `seat_or_404(request.user, panel)` (their own seat, or 404) and runs inside
`panel_scope`, which holds the panel's village only. Nothing here reads another seat's entries.
"""

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sunshine_credit.jsonviews import json_endpoint, json_error
from sunshine_credit.scoping import activate
from surveys.rules import WITHHOLD_REASONS

from .. import selectors
from ..forms import parse_entry
from ..models import Rating
from ..selectors import panel_scope, seat_or_404, seats_of
from ..services import entry as services


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
        groups = selectors.seat_groups(seat, entered=False)
        current = next((g for g in groups if g["id"] == group), None)
        if current is None:
            raise Http404
        following = groups[groups.index(current) + 1:]
        return render(request, "appraisal/seat_grid.html", {
            "seat": seat, "panel": seat.panel, "group": current, "rows": selectors.seat_grid(seat, group),
            "next_group": following[0] if following else None, "ratings": Rating.choices,
            "withhold_reasons": WITHHOLD_REASONS})


@json_endpoint
@require_POST
def seat_row_save(request, panel: int):
    """Save one grid row (JSON in, JSON out): 200 with the new version; a refusal answers with its status and
    code (sunshine_credit.jsonviews: 400 invalid with the row's errors by field, 409 stale, 404, 401)."""
    try:
        data = json.loads(request.body or b"{}")
        household_id, version = int(data["household"]), int(data.get("version") or 0)
        values = parse_entry(data)
        entry = services.appraisal_save(actor=request.user, panel_id=panel, household_id=household_id,
                                        values=values, version=version)
    except (ValueError, KeyError, TypeError):
        return json_error("invalid", _("The row could not be read."), status=400)
    if entry is None:
        return JsonResponse({"version": 0, "values": {"amount": None, "withhold_reasons": [], "rating": None}})
    return JsonResponse({"version": entry.version, "values": {
        "amount": str(entry.amount) if entry.amount is not None else None,
        "withhold_reasons": entry.withhold_reasons, "rating": entry.rating}})
