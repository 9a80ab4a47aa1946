"""Reads for the officer's panel pages and the reviewer registry; they start from the user's scope.

A3: before a round is closed the only thing read about entries is how many each seat has made.
"""

from django.db.models import Count, Q

from sunshine_credit.scoping import Scope

from .access import panel_households
from .models import Appraisal, GapEdit, Panel, Reviewer


def panel_list(*, scope: Scope, campaign_id=None):
    panels = (Panel.objects.filter(village_id__in=scope.village_ids, campaign__head_office_id=scope.head_office_id)
              .select_related("campaign", "village").annotate(seat_count=Count("members"))
              .order_by("-campaign__reference_date", "village__code"))
    return panels.filter(campaign_id=campaign_id) if campaign_id else panels


def reviewer_list(*, scope: Scope):
    return (Reviewer.objects.filter(branch_id__in=scope.branch_ids).select_related("branch", "user", "household")
            .annotate(panel_count=Count("seats")).order_by("branch__code", "-active", "name"))


def reviewer_get(*, scope: Scope, pk) -> Reviewer:
    return Reviewer.objects.select_related("household", "user").get(pk=pk, branch_id__in=scope.branch_ids)


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
