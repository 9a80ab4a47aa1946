"""Reads for the officer's panel pages and the reviewer registry; they start from the user's scope.

A3: before a round is closed the only thing read about entries is how many each seat has made.
"""

from django.db.models import Count, Q
from django_scopes import scopes_disabled

from sunshine_credit.scoping import Scope

from .access import panel_households
from .models import Appraisal, GapEdit, Panel, PanelMember, Reviewer


def panel_list(*, scope: Scope, campaign_id=None):
    panels = (Panel.objects.filter(village_id__in=scope.village_ids, campaign__head_office_id=scope.head_office_id)
              .select_related("campaign", "village").annotate(seat_count=Count("members"))
              .order_by("-campaign__reference_date", "village__code"))
    return panels.filter(campaign_id=campaign_id) if campaign_id else panels


def reviewer_list(*, scope: Scope):
    return (Reviewer.objects.filter(branch_id__in=scope.branch_ids).select_related("branch", "user", "household")
            .annotate(panel_count=Count("seats")).order_by("branch__code", "-active", "name"))


def reviewer_get(*, scope: Scope, pk, for_edit: bool = True) -> Reviewer:
    """A reviewer of the user's branches. For editing (the default), also every seat they hold on a panel not
    yet signed off must be in a village the user enters data for: an officer does not change, lock out or
    take over a reviewer of another officer's panel (R1). Raises Reviewer.DoesNotExist (404)."""
    reviewer = Reviewer.objects.select_related("household", "user").get(pk=pk, branch_id__in=scope.branch_ids)
    if for_edit:
        with scopes_disabled():
            foreign = (PanelMember.objects.filter(reviewer=reviewer).exclude(panel__status=Panel.Status.SIGNED)
                       .exclude(panel__village_id__in=scope.editable_village_ids).exists())
        if foreign:
            raise Reviewer.DoesNotExist
    return reviewer


def panel_progress(panel: Panel) -> list[dict]:
    """Per seat: how many households it has entered, of how many it appraises (its own household recused)."""
    seats = list(panel.members.select_related("reviewer").order_by("seat"))
    total = panel_households(panel).count()
    done = dict(Appraisal.objects.filter(panel=panel).values_list("member_id").annotate(n=Count("id")))
    own = set(panel_households(panel).filter(pk__in=[s.reviewer.household_id for s in seats if s.reviewer.household_id])
              .values_list("pk", flat=True))
    return [{"seat": s, "entered": done.get(s.pk, 0), "total": total - (1 if s.reviewer.household_id in own else 0)}
            for s in seats]


def gap_edits_pending(panel: Panel):
    return (GapEdit.objects.filter(panel=panel, status=GapEdit.Status.PENDING)
            .select_related("household", "member", "proposed_by__reviewer").order_by("household__code", "id"))


def panel_counts(panel: Panel) -> dict:
    return panel.decisions.aggregate(total=Count("id"), decided=Count("id", filter=~Q(status="")))
