"""Above the branch's approval authority a drawdown is decided by the head office, not the branch president;
within it, by the president (R2 either way: never by its maker)."""

import dataclasses
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django_scopes import scopes_disabled

from credit_use.models import Authority, Drawdown
from credit_use.services import drawdowns as services
from credit_use.services.drawdowns import DRAWDOWN_ABOVE_BRANCH_KIND, DRAWDOWN_KIND
from sunshine_credit.approvals import ApprovalRefused
from sunshine_credit.models import Approval, Branch, Role, StaffProfile
from sunshine_credit.scoping import scope_for_user
from tests.credit_use.factories_drawdowns import (
    application,
    create,
    decide,
    make_drawdown_world,
    pending_approval,
    reload,
    submit,
)
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(county):
    """make_drawdown_world on the shared county, 城关支行's approval authority lowered to 15,000 元."""
    make_drawdown_world(county)
    with scopes_disabled():
        branch = county.branch_a
        branch.approval_authority = Decimal(15000)
        branch.save()
    return county


def test_within_the_branchs_authority_the_president_decides(county):
    drawdown = create(county, 1, amount=Decimal(15000))
    submit(county, drawdown)
    assert pending_approval(drawdown).kind == DRAWDOWN_KIND and reload(drawdown).authority == Authority.BRANCH
    decide(county, drawdown)
    assert reload(drawdown).status == Drawdown.Status.APPROVED


def test_above_it_the_head_office_decides_and_the_president_may_not(county):
    drawdown = create(county, 1, amount=Decimal(15001))
    submit(county, drawdown)
    assert pending_approval(drawdown).kind == DRAWDOWN_ABOVE_BRANCH_KIND
    assert reload(drawdown).authority == Authority.COUNTY  # and the county level's time limit (U7)
    for user in ("pat", "sue"):  # neither the branch president nor a supervisor decides it
        with pytest.raises(PermissionDenied):
            decide(county, drawdown, user=county[user])
    assert reload(drawdown).status == Drawdown.Status.SUBMITTED
    decide(county, drawdown, user=county.ada)
    assert reload(drawdown).status == Drawdown.Status.APPROVED and reload(drawdown).decided_by == county.ada


def test_the_form_offers_no_authority_and_a_posted_one_is_ignored():
    """Issue 15: the officer does not choose the level; an `authority` posted anyway does not reach the service."""
    from credit_use.forms import DrawdownForm
    assert "authority" not in DrawdownForm().fields
    assert "authority" not in {f.name for f in dataclasses.fields(services.DrawdownInput)}


def test_the_draft_already_shows_the_derived_level(county):
    assert reload(create(county, 1, amount=Decimal(15000))).authority == Authority.BRANCH
    assert reload(create(county, 2, amount=Decimal("15000.01"))).authority == Authority.COUNTY


@override_settings(COUNTY_APPROVAL_AUTHORITY=18000, CITY_APPROVAL_AUTHORITY=19000)
def test_submission_derives_the_level_again_from_the_amount_and_the_settings(county):
    drawdown = create(county, 1, amount=Decimal("19000.01"))
    assert reload(drawdown).authority == Authority.CROSS_CITY
    with scopes_disabled():  # the head office raises the branch's authority before the officer submits
        Branch.objects.filter(pk=county.branch_a.pk).update(approval_authority=Decimal(20000))
    submit(county, drawdown)
    assert reload(drawdown).authority == Authority.BRANCH and pending_approval(drawdown).kind == DRAWDOWN_KIND


def test_the_administrator_who_created_it_may_not_decide_it_though_an_officer_submitted_it(county):
    """R2/O3: the maker is whoever made the application, not only whoever asked for the approval. Here the
    head office's administrator drafts a drawdown above the branch's authority, the officer submits it (so the
    request is the officer's), and the same administrator is refused; another administrator decides it."""
    line = county.lines[0]
    ada = county.ada
    drawdown = services.drawdown_create(scope=scope_for_user(ada), actor=ada, line_id=line.pk,
                                        data=application(amount=Decimal(20000)))
    submit(county, drawdown)  # by tina
    approval = pending_approval(drawdown)
    assert approval.kind == DRAWDOWN_ABOVE_BRANCH_KIND and approval.requested_by_id == county.tina.pk
    with pytest.raises(ApprovalRefused):
        decide(county, drawdown, user=ada)
    assert reload(drawdown).status == Drawdown.Status.SUBMITTED
    assert reload(approval).status == Approval.Status.PENDING
    with scopes_disabled():
        other = StaffFactory(role=Role.ADMIN, branch=None, head_office=county.head_office).user
    decide(county, drawdown, user=other)
    assert reload(drawdown).status == Drawdown.Status.APPROVED and reload(drawdown).decided_by == other


def test_the_officer_who_created_it_may_not_decide_it_after_promotion_though_another_submitted_it(county):
    """R2/O3 within the branch's authority: tina drafts, a colleague submits, tina (promoted to president
    meanwhile) is refused; the president decides."""
    with scopes_disabled():
        colleague = StaffFactory(branch=county.branch_a, villages=[county.v_a]).user
    drawdown = create(county, 0, amount=Decimal(10000))  # by tina, within the branch's authority
    services.drawdown_submit(scope=scope_for_user(colleague), actor=colleague, drawdown_id=drawdown.pk,
                             version=reload(drawdown).version, opinion="同意发放")
    assert pending_approval(drawdown).kind == DRAWDOWN_KIND
    with scopes_disabled():
        StaffProfile.objects.filter(user=county.tina).update(role=Role.PRESIDENT)
    with pytest.raises(ApprovalRefused):
        decide(county, drawdown, user=reload(county.tina))
    assert reload(drawdown).status == Drawdown.Status.SUBMITTED
    decide(county, drawdown)  # pat
    assert reload(drawdown).status == Drawdown.Status.APPROVED
