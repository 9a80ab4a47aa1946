"""A village of households holding lines in effect, to form joint-guarantee groups from.

`make_group_world()`: branch A with village v_a (officer tina in charge, president pat) and five archived
households A-0001…A-0005 whose lines in effect are 50,000 / 30,000 / 20,000 / 20,000 / 10,000 元; a second
village v_a2 of the same branch (tina's too) with one household holding a line; branch B with village v_b,
officer bob and one household with a line. Lines are written straight to the table (CreditLine rows).
"""

import datetime
from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled

from credit_use.models import CreditLine, LineStatus
from guarantee_groups.models import GroupMember, GuaranteeGroup
from households.models import ArchiveStatus
from sunshine_credit.models import Role
from tests.factories import BranchFactory, HouseholdFactory, StaffFactory, VillageFactory, staff_for
from tests.surveys.factories import CampaignFactory

AMOUNTS = (50000, 30000, 20000, 20000, 10000)


def give_line(household, amount, *, campaign, status=LineStatus.ACTIVE, effective_on=None,
              expires_on=None) -> CreditLine:
    today = timezone.localdate()
    effective_on = effective_on or today - datetime.timedelta(days=30)
    with scopes_disabled():
        return CreditLine.objects.create(
            head_office_id=household.head_office_id, village_id=household.village_id, household=household,
            campaign=campaign, amount=Decimal(amount), effective_on=effective_on,
            expires_on=expires_on or effective_on + datetime.timedelta(days=730), status=status)


def make_group_world(amounts=AMOUNTS) -> dict:
    with scopes_disabled():
        v_a = VillageFactory(name="东岭村", branch=BranchFactory(name="城关支行"))
        v_a2 = VillageFactory(name="南坡村", branch=v_a.branch)
        v_b = VillageFactory(name="西河村", branch=BranchFactory(head_office=v_a.branch.head_office))
        campaign = CampaignFactory(head_office=v_a.branch.head_office)
        homes = [HouseholdFactory(village=v_a, code=f"A-{i + 1:04d}", archive_status=ArchiveStatus.ARCHIVED,
                                  head__name=f"农户{i + 1}") for i in range(len(amounts))]
        lines = [give_line(home, amount, campaign=campaign) for home, amount in zip(homes, amounts, strict=True)]
        h_a2 = HouseholdFactory(village=v_a2, code="A2-0001", archive_status=ArchiveStatus.ARCHIVED)
        h_b = HouseholdFactory(village=v_b, code="B-0001", archive_status=ArchiveStatus.ARCHIVED)
        give_line(h_a2, 20000, campaign=campaign)
        give_line(h_b, 20000, campaign=campaign)
        tina = staff_for(v_a, v_a2).user
        return {
            "v_a": v_a, "v_a2": v_a2, "v_b": v_b, "campaign": campaign, "households": homes, "lines": lines,
            "h_a2": h_a2, "h_b": h_b, "tina": tina, "pat": staff_for(v_a, role=Role.PRESIDENT).user,
            "bob": staff_for(v_b).user,
            "ada": StaffFactory(role=Role.ADMIN, branch=None, head_office=v_a.branch.head_office).user,
        }


def add_household(world, amount, code, *, village=None):
    """One more household of v_a (appended to world["households"]) holding a line of `amount` in effect."""
    with scopes_disabled():
        home = HouseholdFactory(village=village or world["v_a"], code=code, archive_status=ArchiveStatus.ARCHIVED,
                                head__name=f"农户{code}")
        give_line(home, amount, campaign=world["campaign"])
    world["households"].append(home)
    return home


def make_group(world, indexes=(0, 1, 2), *, leader=0, village=None, number=None, name="") -> GuaranteeGroup:
    """A group written straight to the tables (no rule checked): households[i] for i in `indexes`."""
    village = village or world["v_a"]
    with scopes_disabled():
        homes = [world["households"][i] for i in indexes]
        if number is None:
            number = GuaranteeGroup.objects.filter(village=village).count() + 1
        group = GuaranteeGroup.objects.create(
            head_office_id=village.branch.head_office_id, village=village, number=number, name=name,
            leader=world["households"][leader], created_by=world["tina"], checked_at=timezone.now())
        for home in homes:
            GroupMember.objects.create(group=group, household=home)
        return group


def reload(obj):
    with scopes_disabled():
        return type(obj).objects.get(pk=obj.pk)
