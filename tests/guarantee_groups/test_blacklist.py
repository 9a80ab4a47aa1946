"""C4 on joint-guarantee groups (issue 15 item 1): a household with a member on the active blacklist neither forms a
group nor joins one; the refusal names the household and nothing is written."""

import pytest
from django_scopes import scopes_disabled

from guarantee_groups import services
from guarantee_groups.models import GroupMember, GuaranteeGroup
from guarantee_groups.services import GroupRefused
from sunshine_credit.models import BlacklistEntry
from sunshine_credit.scoping import activate, scope_for_user

from .factories import make_group, make_group_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(county):
    return make_group_world(county)


def blacklist(county, i, *, active=True):
    with scopes_disabled():
        member = county.households[i].members.get(relation="户主")
        BlacklistEntry.objects.create(head_office=county.head_office, id_number=member.id_number, reason="恶意逃废债",
                                      active=active)


def form(county, indexes):
    scope = scope_for_user(county.tina)
    household_ids = [county.households[i].pk for i in indexes]
    with activate(scope):
        return services.group_form(scope=scope, actor=county.tina, village_id=county.v_a.pk,
                                   household_ids=household_ids, leader_id=household_ids[0])


def add(county, group, i):
    scope = scope_for_user(county.tina)
    with activate(scope):
        return services.member_add(scope=scope, actor=county.tina, group_id=group.pk,
                                   household_id=county.households[i].pk)


def test_a_group_with_a_blacklisted_member_is_refused(county):
    blacklist(county, 2)
    with pytest.raises(GroupRefused) as info:
        form(county, (0, 1, 2))
    assert "A-0003" in str(info.value) and "C4" in str(info.value)
    with scopes_disabled():
        assert not GuaranteeGroup.objects.exists() and not GroupMember.objects.exists()


def test_an_inactive_entry_does_not_refuse(county):
    blacklist(county, 2, active=False)
    assert form(county, (0, 1, 2)).pk


def test_a_blacklisted_household_may_not_join_a_group(county):
    group = make_group(county, (0, 1, 2))
    blacklist(county, 3)
    with pytest.raises(GroupRefused) as info:
        add(county, group, 3)
    assert "A-0004" in str(info.value)
    with scopes_disabled():
        assert GroupMember.objects.filter(group=group).count() == 3
    add(county, group, 4)  # a household off the list joins
