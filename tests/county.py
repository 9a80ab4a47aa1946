"""A small county that most tests share: one head office, two branches, every role, named people.

    城关支行 (branch_a, approval authority 300,000 元)      王庄支行 (branch_b)
      东岭村 v_a (groups g1 1组, g2 2组)  南坡村 v_a2          西河村 v_b (group gb 1组)
      tina   loan officer of 东岭村 and 南坡村 (包片)           bob    loan officer of 西河村
      pat    branch president                                  pete   branch president
      tom    teller                                            tess   teller
    head office: ada (administrator), sue (supervisor), aude (auditor); and a campaign
    (CampaignFactory's defaults).

Every person is a User whose password is `PASSWORD`; `county.scope(user)` is their org scope. Stages are built on
top of the county by the builders of each app's factories (a panel in its round, a published board, lines in
effect, a drawdown …), which add their objects to the same county, so a test reads `county.panel`,
`county.tina`. `county["tina"]` is the same as `county.tina` (the worlds of earlier tests were dicts).
"""

from django_scopes import scopes_disabled

from households.models import ArchiveStatus
from sunshine_credit.models import Role
from sunshine_credit.scoping import scope_for_user
from tests.factories import (
    BranchFactory,
    HeadOfficeFactory,
    HouseholdFactory,
    StaffFactory,
    VillageFactory,
    VillageGroupFactory,
)

PASSWORD = "pass-word-123"  # UserFactory's


class County:
    """Attribute access for people and places; item access for code written against the old world dicts."""

    def __getitem__(self, key):
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def __setitem__(self, key, value):
        setattr(self, key, value)

    def __contains__(self, key) -> bool:
        return hasattr(self, key)

    def scope(self, user):
        return scope_for_user(user)

    def login(self, client, user):
        client.force_login(user)
        return client

    def household(self, village=None, *, archived: bool = True, **kwargs):
        """A household of `village` (东岭村 by default) with its head as credit representative."""
        kwargs.setdefault("archive_status", ArchiveStatus.ARCHIVED if archived else ArchiveStatus.ON_ROSTER)
        with scopes_disabled():
            return HouseholdFactory(village=village or self.v_a, **kwargs)


def build_county() -> County:
    from tests.surveys.factories import CampaignFactory

    county = County()
    with scopes_disabled():
        county.head_office = HeadOfficeFactory()
        county.branch_a = BranchFactory(head_office=county.head_office, code="BRA", name="城关支行",
                                        approval_authority=300000)
        county.branch_b = BranchFactory(head_office=county.head_office, code="BRB", name="王庄支行",
                                        approval_authority=300000)
        county.v_a = VillageFactory(branch=county.branch_a, code="BRAV01", name="东岭村")
        county.v_a2 = VillageFactory(branch=county.branch_a, code="BRAV02", name="南坡村")
        county.v_b = VillageFactory(branch=county.branch_b, code="BRBV01", name="西河村")
        county.g1 = VillageGroupFactory(village=county.v_a, name="1组")
        county.g2 = VillageGroupFactory(village=county.v_a, name="2组")
        county.gb = VillageGroupFactory(village=county.v_b, name="1组")
        people = {
            "tina": dict(role=Role.OFFICER, branch=county.branch_a, villages=[county.v_a, county.v_a2]),
            "bob": dict(role=Role.OFFICER, branch=county.branch_b, villages=[county.v_b]),
            "pat": dict(role=Role.PRESIDENT, branch=county.branch_a),
            "pete": dict(role=Role.PRESIDENT, branch=county.branch_b),
            "tom": dict(role=Role.TELLER, branch=county.branch_a),
            "tess": dict(role=Role.TELLER, branch=county.branch_b),
            "ada": dict(role=Role.ADMIN, branch=None),
            "sue": dict(role=Role.SUPERVISOR, branch=None),
            "aude": dict(role=Role.AUDITOR, branch=None),
        }
        for name, spec in people.items():
            profile = StaffFactory(head_office=county.head_office, user__username=name,
                                   user__first_name=name.capitalize(), **spec)
            setattr(county, name, profile.user)
        county.campaign = CampaignFactory(head_office=county.head_office)
    return county
