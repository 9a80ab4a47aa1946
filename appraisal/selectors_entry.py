"""A3: what a seated reviewer reads: the panel's households and their OWN entries, nothing of other seats.

Every query here filters appraisals by the reviewer's own seat (`member=seat`). This module and
selectors_summary (after the round is closed) are the only readers of Appraisal rows.
"""

from django.db.models import Count, F, FilteredRelation, Prefetch, Q

from households.models import Member, Relation
from sunshine_credit.models import VillageGroup

from .access import panel_households
from .models import Appraisal, GapEdit, PanelMember

NO_GROUP = 0  # households not assigned to a villagers' group


def seat_households(seat: PanelMember):
    """A2: the panel's households without the reviewer's own."""
    households = panel_households(seat.panel)
    if seat.reviewer.household_id:
        households = households.exclude(pk=seat.reviewer.household_id)
    return households


def seat_groups(seat: PanelMember) -> list[dict]:
    """The villagers' groups with how many households this seat appraises and how many it has entered."""
    counts = {row["group_id"] or NO_GROUP: row["n"] for row in
              seat_households(seat).values("group_id").annotate(n=Count("id")).order_by()}
    mine = {row["household__group_id"] or NO_GROUP: row["n"] for row in
            Appraisal.objects.filter(member=seat).values("household__group_id").annotate(n=Count("id")).order_by()}
    names = dict(VillageGroup.objects.filter(village_id=seat.panel.village_id).values_list("id", "name"))
    rows = [{"id": gid, "name": names.get(gid, ""), "total": n, "entered": mine.get(gid, 0)}
            for gid, n in counts.items()]
    return sorted(rows, key=lambda r: (r["id"] == NO_GROUP, r["name"]))


def seat_grid(seat: PanelMember, group_id: int) -> list:
    """The households of one group, each with its head's name and this seat's entry as `.entry`. Two queries."""
    households = seat_households(seat)
    households = households.filter(group__isnull=True) if group_id == NO_GROUP else households.filter(
        group_id=group_id)
    rows = list(households
                .alias(head=FilteredRelation("members", condition=Q(members__relation=Relation.HEAD)))
                .annotate(head_name=F("head__name"))
                .prefetch_related(Prefetch("appraisals", to_attr="mine",
                                           queryset=Appraisal.objects.filter(member=seat)))
                .order_by("code"))
    for household in rows:
        household.entry = household.mine[0] if household.mine else None
    return rows


def seat_gap_household(seat: PanelMember, household_id):
    """One household of the seat's panel with its members (names only shown) for the gap form."""
    household = panel_households(seat.panel).get(pk=household_id)
    household.member_list = list(Member.objects.filter(household=household).order_by("id"))
    return household


def seat_gap_edits(seat: PanelMember):
    return GapEdit.objects.filter(proposed_by=seat).select_related("household", "member").order_by("-proposed_at")
