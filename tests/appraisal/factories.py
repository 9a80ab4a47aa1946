"""Reviewers and panels. `make_panel_world(county)` puts an open standard panel over 东岭村 of the shared county."""

import factory
from django_scopes import scopes_disabled

from appraisal.models import Panel, PanelMember, Reviewer, ReviewerKind
from sunshine_credit.models import Branch, Role
from tests.county import County, build_county
from tests.factories import BranchFactory, StaffFactory, VillageFactory
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
        skip_postgeneration_save = True

    campaign = factory.SubFactory(CampaignFactory, head_office=factory.SelfAttribute("..village.branch.head_office"))
    village = factory.SubFactory(VillageFactory)
    unit_name = factory.LazyAttribute(lambda p: f"{p.village.name}评议小组")

    @factory.post_generation
    def round_households(self, create, extracted, **kwargs):
        """A panel made past forming has its round's households recorded, as round_open does (issue 15)."""
        if create and self.status != Panel.Status.FORMING:
            from appraisal.services.panels import round_households_record

            round_households_record(self)


def seat(panel, reviewer, number, position="member") -> PanelMember:
    return PanelMember.objects.create(panel=panel, reviewer=reviewer, seat=number, position=position)


def make_panel_world(county: County | None = None, *, households: int = 3, status=Panel.Status.OPEN,
                     approval_authority: int = 100000) -> County:
    """An appraisal round on `county` (a new county when none is given); returns the county.

    东岭村 gets `households` archived households A-0001… (alternately in 1组 and 2组, heads 农户1…) and a standard
    panel of the county's campaign in `status` with five reviewers who log in (two cadres, seat 1 the leader);
    西河村 gets household B-0001 and a panel of its own with one reviewer (外村评议员). Branch A's approval
    authority becomes `approval_authority` (100,000 元, so that 150,000 is escalated); a second supervisor, sam,
    is the other checker of maker-checker tests. Adds households, h_b, panel, panel_b, reviewers, seats, r_b, sam.
    """
    if county is None:
        county = build_county()
    with scopes_disabled():
        Branch.objects.filter(pk=county.branch_a.pk).update(approval_authority=approval_authority)
        county.branch_a.approval_authority = approval_authority
        county.households = [county.household(county.v_a, group=county.g1 if i % 2 == 0 else county.g2,
                                              code=f"A-{i + 1:04d}", head__name=f"农户{i + 1}")
                             for i in range(households)]
        county.h_b = county.household(county.v_b, code="B-0001")
        county.panel = PanelFactory(campaign=county.campaign, village=county.v_a, status=status)
        kinds = [ReviewerKind.CADRE, ReviewerKind.VILLAGE_SECRETARY, ReviewerKind.VILLAGER, ReviewerKind.VILLAGER,
                 ReviewerKind.VILLAGER]
        county.reviewers = [reviewer_with_login(county.branch_a, kind=kind, name=f"评议员{i + 1}")
                            for i, kind in enumerate(kinds)]
        county.seats = [seat(county.panel, r, i + 1, "leader" if i == 0 else "member")
                        for i, r in enumerate(county.reviewers)]
        county.panel_b = PanelFactory(campaign=county.campaign, village=county.v_b, status=status)
        county.r_b = reviewer_with_login(county.branch_b, name="外村评议员")
        seat(county.panel_b, county.r_b, 1)
        county.sam = StaffFactory(role=Role.SUPERVISOR, branch=None, head_office=county.head_office,
                                  user__username="sam").user
    return county
