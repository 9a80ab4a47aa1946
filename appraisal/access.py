"""A1/A3: who reaches a panel, and as what. The chokepoints every appraisal view goes through.

- Reviewers (external ones with the `reviewer` role, and bank staff sitting on a panel) reach a panel only
  through their own seat: `seat_or_404`. Their pages then run inside `panel_scope(panel)`, which holds
  the panel's village only; nothing else of the tenant data is visible to them.
- Officers and the other staff reach panels through their org scope: `panel_or_404`.
"""

from django.db.models import F
from django.http import Http404
from django_scopes import scopes_disabled

from households.models import ArchiveStatus, Household
from sunshine_credit.models import Role
from sunshine_credit.scoping import Scope

from .models import Panel, PanelMember


def _own_seats(user):
    """R1: a seat opens its panel's village only to a login of the panel's own branch (external reviewers'
    logins are made for their branch; bank staff must be its staff), whatever the registry says."""
    return PanelMember.objects.filter(reviewer__user_id=user.pk, reviewer__active=True,
                                      reviewer__branch_id=F("panel__village__branch_id"),
                                      reviewer__user__staff_profile__branch_id=F("panel__village__branch_id"))


def seat_or_404(user, panel_id) -> PanelMember:
    """The acting user's own seat on the panel (any status); 404 when they do not sit on it."""
    with scopes_disabled():
        seat = (_own_seats(user).select_related("panel__campaign", "panel__village__branch", "reviewer")
                .filter(panel_id=panel_id).first())
    if seat is None:
        raise Http404
    return seat


def seats_of(user) -> list[PanelMember]:
    """Every seat the user holds, newest campaign first (the reviewer's home page)."""
    with scopes_disabled():
        return list(_own_seats(user).select_related("panel__campaign", "panel__village")
                    .exclude(panel__status=Panel.Status.FORMING)
                    .order_by("-panel__campaign__reference_date", "panel__village__name"))


def panel_scope(panel: Panel, *, user_id: int | None) -> Scope:
    """A read-only scope holding only the panel's village: what a seated reviewer's pages run in."""
    return Scope(head_office_id=panel.campaign.head_office_id, role=Role.REVIEWER, branch_ids=(),
                 village_ids=(panel.village_id,), editable_village_ids=(), user_id=user_id)


def panel_or_404(scope: Scope, pk, *, for_edit: bool = False) -> Panel:
    """A panel of the user's org scope (edit: a village the user enters data for). Missing and forbidden: 404."""
    allowed = scope.editable_village_ids if for_edit else scope.village_ids
    panel = (Panel.objects.select_related("campaign", "village__branch")
             .filter(pk=pk, village_id__in=allowed, campaign__head_office_id=scope.head_office_id).first())
    if panel is None:
        raise Http404
    return panel


def panel_households(panel: Panel):
    """A1: the households a panel appraises: those of its unit (village) that are not excluded from the archive."""
    return (Household.objects.filter(village_id=panel.village_id)
            .exclude(archive_status=ArchiveStatus.EXCLUDED))
