"""Days pass between the president's approval and the teller's disbursement (the pre-disbursement notice):
the guarantee is checked again when the money leaves, and a group cannot shed a member while it guarantees."""

import pytest
from django_scopes import scopes_disabled

from credit_use.services.drawdowns import DrawdownRefused
from guarantee_groups.models import GroupMember, GuaranteeGroup
from guarantee_groups.services import GroupRefused, member_remove
from sunshine_credit.scoping import scope_for_user
from tests.credit_use.factories_drawdowns import create, decide, disburse, make_drawdown_world, reload, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(county):
    """The shared county with 东岭村's four households, their lines and group 1 (make_drawdown_world)."""
    return make_drawdown_world(county)


def approved(county, i=1):
    drawdown = create(county, i)
    submit(county, drawdown)
    decide(county, drawdown)
    return drawdown


def test_a_group_flagged_after_approval_stops_the_disbursement(county):
    drawdown = approved(county)
    with scopes_disabled():
        GuaranteeGroup.objects.filter(pk=county.group.pk).update(flagged=True, flag_reasons=["G1"])
    with pytest.raises(DrawdownRefused) as info:
        disburse(county, drawdown)
    assert "G7" in {error.code for error in info.value.errors}
    assert reload(drawdown).status == "approved" and reload(drawdown).loan_number == ""


def test_the_disbursement_records_the_members_who_answer_for_it(county):
    drawdown = disburse(county, approved(county, 1))
    assert sorted(reload(drawdown).group_members) == sorted([county.h[0].pk, county.h[2].pk])


def test_no_member_leaves_while_the_group_guarantees_a_drawdown(county):
    with scopes_disabled():  # a fourth member: leaving would keep G1–G3, so only the guarantee holds it back
        GroupMember.objects.create(group=county.group, household=county.h[3])
    drawdown = approved(county, 1)
    tina = county.tina
    with pytest.raises(GroupRefused) as info:
        member_remove(scope=scope_for_user(tina), actor=tina, group_id=county.group.pk,
                      household_id=county.h[3].pk)
    assert "G1" not in str(info.value)
    with scopes_disabled():
        assert GroupMember.objects.get(group=county.group, household=county.h[3]).active
    assert reload(drawdown).status == "approved"
