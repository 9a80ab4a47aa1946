"""Above the branch's approval authority a drawdown is decided by the head office, not the branch president;
within it, by the president (R2 either way: never by its maker)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django_scopes import scopes_disabled

from credit_use.models import Authority, Drawdown
from credit_use.services_drawdowns import DRAWDOWN_ABOVE_BRANCH_KIND, DRAWDOWN_KIND
from sunshine_credit.models import Role
from tests.credit_use.factories_drawdowns import create, decide, make_drawdown_world, pending_approval, reload, submit
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = make_drawdown_world()
    with scopes_disabled():
        branch = world["branch_a"]
        branch.approval_authority = Decimal(15000)
        branch.save()
        world["sue"] = StaffFactory(role=Role.SUPERVISOR, branch=None, head_office=world["head_office"]).user
        world["ada"] = StaffFactory(role=Role.ADMIN, branch=None, head_office=world["head_office"]).user
    return world


def test_within_the_branchs_authority_the_president_decides(world):
    drawdown = create(world, 1, amount=Decimal(15000))
    submit(world, drawdown)
    assert pending_approval(drawdown).kind == DRAWDOWN_KIND and reload(drawdown).authority == Authority.BRANCH
    decide(world, drawdown)
    assert reload(drawdown).status == Drawdown.Status.APPROVED


def test_above_it_the_head_office_decides_and_the_president_may_not(world):
    drawdown = create(world, 1, amount=Decimal(15001))
    submit(world, drawdown)
    assert pending_approval(drawdown).kind == DRAWDOWN_ABOVE_BRANCH_KIND
    assert reload(drawdown).authority == Authority.COUNTY  # and the county level's time limit (U7)
    for user in ("pat", "sue"):  # neither the branch president nor a supervisor decides it
        with pytest.raises(PermissionDenied):
            decide(world, drawdown, user=world[user])
    assert reload(drawdown).status == Drawdown.Status.SUBMITTED
    decide(world, drawdown, user=world["ada"])
    assert reload(drawdown).status == Drawdown.Status.APPROVED and reload(drawdown).decided_by == world["ada"]


def test_within_the_branchs_authority_the_maker_cannot_lengthen_the_clock(world):
    drawdown = create(world, 1, amount=Decimal(10000), authority=Authority.CROSS_CITY)
    submit(world, drawdown)
    assert reload(drawdown).authority == Authority.BRANCH
