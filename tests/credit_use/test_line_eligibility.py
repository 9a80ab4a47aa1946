"""Issue 15: only archived households with nobody on the blacklist enter credit lines (P5), whatever the board
listed: an item whose household was blacklisted, excluded or un-archived after publication gets no line and
stays listed for an officer to sort out; the others take effect as before."""

import pytest
from django_scopes import scopes_disabled

from credit_use.models import CreditLine
from credit_use.services.lines import lines_take_effect
from households.models import ArchiveStatus, Exclusion, Household
from publicity.models import ItemStatus, NoticeItem
from sunshine_credit.models import BlacklistEntry
from tests.credit_use.factories import DAY_AFTER, make_ended_world

pytestmark = pytest.mark.django_db


def lined(county) -> set[int]:
    with scopes_disabled():
        ids = set(CreditLine.objects.filter(campaign=county.campaign).values_list("household_id", flat=True))
    return {i for i, home in enumerate(county.households) if home.pk in ids}


def test_blacklisted_excluded_and_unarchived_households_get_no_line(county):
    make_ended_world(county)
    with scopes_disabled():
        home = county.households[0]
        BlacklistEntry.objects.create(head_office=county.head_office, id_number=home.representative.id_number,
                                      reason="恶意逃废债")
        Household.objects.filter(pk=county.households[1].pk).update(archive_status=ArchiveStatus.EXCLUDED,
                                                                     exclusion=Exclusion.VICE)
        Household.objects.filter(pk=county.households[2].pk).update(archive_status=ArchiveStatus.ON_ROSTER)
    counts = lines_take_effect(today=DAY_AFTER)
    assert counts["created"] == 1 and counts["skipped"] == 3
    assert lined(county) == {3}  # the boundary: the archived household with nobody blacklisted takes effect
    with scopes_disabled():
        assert NoticeItem.objects.get(pk=county.items[0].pk).status == ItemStatus.LISTED
        assert NoticeItem.objects.get(pk=county.items[3].pk).status == ItemStatus.EFFECTIVE


def test_an_inactive_blacklist_entry_blocks_no_line(county):
    make_ended_world(county)
    with scopes_disabled():
        home = county.households[0]
        BlacklistEntry.objects.create(head_office=county.head_office, id_number=home.representative.id_number,
                                      reason="已结清", active=False)
    assert lines_take_effect(today=DAY_AFTER)["created"] == 4
    assert lined(county) == {0, 1, 2, 3}
