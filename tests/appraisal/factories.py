"""Reviewers and panels. `make_panel_world()` builds an open standard panel over a village with households."""

import factory
from django_scopes import scopes_disabled

from appraisal.models import Panel, PanelMember, Reviewer, ReviewerKind
from households.models import ArchiveStatus
from sunshine_credit.models import Role
from tests.factories import (
    BranchFactory,
    HouseholdFactory,
    StaffFactory,
    UserFactory,
    VillageFactory,
    VillageGroupFactory,
    staff_for,
)
from tests.surveys.factories import CampaignFactory


class ReviewerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reviewer

    branch = factory.SubFactory(BranchFactory)
    head_office = factory.SelfAttribute("branch.head_office")
    name = factory.Sequence(lambda n: f"评议员{n}")
    kind = ReviewerKind.VILLAGER


def reviewer_with_login(branch, **kwargs) -> Reviewer:
    """An external reviewer with their own `reviewer` login (password pass-word-123)."""
    profile = StaffFactory(branch=branch, role=Role.REVIEWER)
    return ReviewerFactory(branch=branch, user=profile.user, **kwargs)


class PanelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Panel

    campaign = factory.SubFactory(CampaignFactory, head_office=factory.SelfAttribute("..village.branch.head_office"))
    village = factory.SubFactory(VillageFactory)
    unit_name = factory.LazyAttribute(lambda p: f"{p.village.name}评议小组")


def seat(panel, reviewer, number, position="member") -> PanelMember:
    return PanelMember.objects.create(panel=panel, reviewer=reviewer, seat=number, position=position)


def make_panel_world(*, households: int = 3, status=Panel.Status.OPEN) -> dict:
    """Branch A, village v_a (groups 1组 and 2组) with `households` archived households, officer tina in
    charge; an open standard panel with five reviewers (two cadres) who log in; branch B with officer bob
    and a panel of its own; head-office admin ada and supervisor sue; president pat of branch A."""
    with scopes_disabled():
        v_a = VillageFactory(name="东岭村", branch=BranchFactory(approval_authority=100000))
        v_b = VillageFactory(name="西河村", branch=BranchFactory(head_office=v_a.branch.head_office))
        g1, g2 = VillageGroupFactory(village=v_a, name="1组"), VillageGroupFactory(village=v_a, name="2组")
        homes = [HouseholdFactory(village=v_a, group=g1 if i % 2 == 0 else g2, code=f"A-{i + 1:04d}",
                                  archive_status=ArchiveStatus.ARCHIVED, head__name=f"农户{i + 1}")
                 for i in range(households)]
        h_b = HouseholdFactory(village=v_b, code="B-0001", archive_status=ArchiveStatus.ARCHIVED)
        campaign = CampaignFactory(head_office=v_a.branch.head_office)
        panel = PanelFactory(campaign=campaign, village=v_a, status=status)
        kinds = [ReviewerKind.CADRE, ReviewerKind.VILLAGE_SECRETARY, ReviewerKind.VILLAGER, ReviewerKind.VILLAGER,
                 ReviewerKind.VILLAGER]
        reviewers = [reviewer_with_login(v_a.branch, kind=kind, name=f"评议员{i + 1}") for i, kind in enumerate(kinds)]
        seats = [seat(panel, r, i + 1, "leader" if i == 0 else "member") for i, r in enumerate(reviewers)]
        panel_b = PanelFactory(campaign=campaign, village=v_b, status=status)
        r_b = reviewer_with_login(v_b.branch, name="外村评议员")
        seat(panel_b, r_b, 1)
        head_office = v_a.branch.head_office
        return {
            "v_a": v_a, "v_b": v_b, "g1": g1, "g2": g2, "households": homes, "h_b": h_b, "campaign": campaign,
            "panel": panel, "panel_b": panel_b, "reviewers": reviewers, "seats": seats, "r_b": r_b,
            "tina": staff_for(v_a).user, "bob": staff_for(v_b).user,
            "pat": staff_for(v_a, role=Role.PRESIDENT).user,
            "ada": StaffFactory(role=Role.ADMIN, branch=None, head_office=head_office).user,
            "sue": StaffFactory(role=Role.SUPERVISOR, branch=None, head_office=head_office).user,
            "sam": StaffFactory(role=Role.SUPERVISOR, branch=None, head_office=head_office).user,
            "stranger": UserFactory(),
        }
