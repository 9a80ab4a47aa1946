"""A4: the gaps in household data: a seated reviewer proposes a missing ID number, address or phone (under my/,
from their own seat: `seat_or_404`, inside `panel_scope`); an officer of the village confirms or rejects it (the
panel through `panel_or_404`, editable scope). Outside the scope the answer is 404 (R1).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from households.models import Household
from sunshine_credit.scoping import activate

from .. import selectors
from ..forms import posted_int
from ..models import GapEdit
from ..selectors import panel_or_404, panel_scope, seat_or_404
from ..services import gaps as services


@login_required
@require_POST
def gap_decide(request, pk: int, gap: int):
    """A4: confirm or reject a reviewer's proposal."""
    panel = panel_or_404(request.scope, pk, for_edit=True)
    try:
        services.gap_decide(scope=request.scope, actor=request.user, gap_id=gap,
                            confirm=request.POST.get("confirm") == "1")
    except services.GapRefused as exc:
        messages.error(request, str(exc))
    except GapEdit.DoesNotExist:
        raise Http404 from None
    return redirect("appraisal:panel_detail", pk=panel.pk)


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
                services.gap_propose(actor=request.user, panel_id=panel, household_id=home.pk,
                                     field=request.POST.get("field", ""), value=request.POST.get("value", ""),
                                     member_id=posted_int(request.POST.get("member")) or None)
            except services.GapRefused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Thank you: the loan officer will check and confirm it."))
                return redirect("appraisal:seat_home", panel=panel)
        return render(request, "appraisal/seat_gap_form.html", {
            "seat": seat, "panel": seat.panel, "household": home, "fields": GapEdit.Field.choices,
            "member_fields": sorted(services.MEMBER_FIELDS)})
