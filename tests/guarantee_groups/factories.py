"""A village of households holding lines in effect, to form joint-guarantee groups from.

`make_group_world(county)` builds on the shared county (tests/county.py: 城关支行 with 东岭村 v_a and 南坡村 v_a2,
both tina's, president pat; 王庄支行 with 西河村 v_b and officer bob; administrator ada) and adds five archived
households of v_a, A-0001…A-0005 (`county.households`), whose lines in effect (`county.lines`) are 50,000 / 30,000 /
20,000 / 20,000 / 10,000 元; one household of v_a2 holding a line (`county.h_a2`, A2-0001) and one of v_b
(`county.h_b`, B-0001). Lines are written straight to the table (CreditLine rows).
"""

import datetime
from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled

from credit_use.models import CreditLine, LineStatus
from guarantee_groups.models import GroupMember, GuaranteeGroup
from households.models import ArchiveStatus
from tests.county import build_county
from tests.factories import HouseholdFactory

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


def make_group_world(county=None, *, amounts=AMOUNTS):
    """The households and lines above, on `county` (a new county when none is given); returns the county."""
    if county is None:
        county = build_county()
    with scopes_disabled():
        homes = [HouseholdFactory(village=county.v_a, code=f"A-{i + 1:04d}", archive_status=ArchiveStatus.ARCHIVED,
                                  head__name=f"农户{i + 1}") for i in range(len(amounts))]
        county.households = homes
        county.lines = [give_line(home, amount, campaign=county.campaign)
                        for home, amount in zip(homes, amounts, strict=True)]
        county.h_a2 = HouseholdFactory(village=county.v_a2, code="A2-0001", archive_status=ArchiveStatus.ARCHIVED)
        county.h_b = HouseholdFactory(village=county.v_b, code="B-0001", archive_status=ArchiveStatus.ARCHIVED)
        give_line(county.h_a2, 20000, campaign=county.campaign)
        give_line(county.h_b, 20000, campaign=county.campaign)
    return county


def add_household(county, amount, code, *, village=None):
    """One more household of v_a (appended to county.households) holding a line of `amount` in effect."""
    with scopes_disabled():
        home = HouseholdFactory(village=village or county.v_a, code=code, archive_status=ArchiveStatus.ARCHIVED,
                                head__name=f"农户{code}")
        give_line(home, amount, campaign=county.campaign)
    county.households.append(home)
    return home


def make_group(county, indexes=(0, 1, 2), *, leader=0, village=None, number=None, name="") -> GuaranteeGroup:
    """A group written straight to the tables (no rule checked): county.households[i] for i in `indexes`."""
    village = village or county.v_a
    with scopes_disabled():
        homes = [county.households[i] for i in indexes]
        if number is None:
            number = GuaranteeGroup.objects.filter(village=village).count() + 1
        group = GuaranteeGroup.objects.create(
            head_office_id=village.branch.head_office_id, village=village, number=number, name=name,
            leader=county.households[leader], created_by=county.tina, checked_at=timezone.now())
        for home in homes:
            GroupMember.objects.create(group=group, household=home)
        return group


def reload(obj):
    with scopes_disabled():
        return type(obj).objects.get(pk=obj.pk)
