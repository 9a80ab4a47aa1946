"""R1/A1 (issue 13, item 1): a bank-staff reviewer is staff of the panel's own branch.

Reproduces the probe: officer bob (branch B) registered staff of branch A as bank-staff reviewers of branch B,
formed a panel of them and opened it; the staff member of branch A then read branch B's households through the
seat and saved an amount. Each door is closed: the registry (form and service), forming and opening a panel,
and the seat itself (for seats made before the rule).
"""

import json

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from appraisal.models import Appraisal, Panel, Reviewer, ReviewerKind
from appraisal.services import panels as services_panels
from sunshine_credit.models import Role
from sunshine_credit.scoping import scope_for_user
from tests.appraisal.factories import PanelFactory, ReviewerFactory, make_panel_world, seat
from tests.factories import StaffFactory, staff_for
from tests.surveys.factories import CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = make_panel_world()
    with scopes_disabled():
        branch_a, branch_b = world["v_a"].branch, world["v_b"].branch
        world["teller_a"] = StaffFactory(branch=branch_a, role=Role.TELLER).user
        world["teller_b"] = StaffFactory(branch=branch_b, role=Role.TELLER).user
        world["president_b"] = staff_for(world["v_b"], role=Role.PRESIDENT).user
    return world


def _register(client, actor, branch, staff_user):
    client.force_login(actor)
    return client.post(reverse("appraisal:reviewer_create"), {
        "branch": branch.pk, "name": "行内评议员", "kind": ReviewerKind.BANK_STAFF, "title": "", "phone": "",
        "active": "on", "household_code": "", "staff_user": staff_user.pk})


def test_officer_registers_staff_of_own_branch_as_bank_staff_reviewer(client, world):
    response = _register(client, world["bob"], world["v_b"].branch, world["teller_b"])
    assert response.status_code == 302
    with scopes_disabled():
        assert Reviewer.objects.filter(user=world["teller_b"], branch=world["v_b"].branch).exists()


@pytest.mark.parametrize("who", ["tina", "teller_a", "pat"])
def test_form_refuses_staff_of_another_branch_and_writes_nothing(client, world, who):
    response = _register(client, world["bob"], world["v_b"].branch, world[who])
    assert response.status_code == 200
    with scopes_disabled():
        assert not Reviewer.objects.filter(user=world[who]).exists()


def test_form_offers_only_staff_of_the_officers_branch(client, world):
    client.force_login(world["bob"])
    form = client.get(reverse("appraisal:reviewer_create")).context["form"]
    offered = set(form.fields["staff_user"].queryset.values_list("pk", flat=True))
    assert world["teller_b"].pk in offered
    assert not offered & {world["tina"].pk, world["teller_a"].pk, world["pat"].pk, world["ada"].pk,
                          world["sue"].pk}


@pytest.mark.parametrize("who", ["tina", "teller_a", "pat", "ada", "sue"])
def test_service_refuses_staff_outside_the_reviewers_branch(world, who):
    """The form's choices are a courtesy: the service itself refuses (R1), head-office staff included (A1)."""
    scope = scope_for_user(world["bob"])
    with pytest.raises(services_panels.PanelRefused):
        services_panels.reviewer_create(scope=scope, actor=world["bob"], branch_id=world["v_b"].branch_id,
                                        fields={"name": "x", "kind": ReviewerKind.BANK_STAFF, "title": "",
                                                "phone": "", "active": True}, staff_user=world[who])
    with scopes_disabled():
        assert not Reviewer.objects.filter(user=world[who]).exists()


def test_service_accepts_each_branch_role(world):
    scope = scope_for_user(world["bob"])
    for user in (world["teller_b"], world["president_b"]):
        reviewer, password = services_panels.reviewer_create(
            scope=scope, actor=world["bob"], branch_id=world["v_b"].branch_id,
            fields={"name": "x", "kind": ReviewerKind.BANK_STAFF, "title": "", "phone": "", "active": True},
            staff_user=user)
        assert reviewer.user == user and password is None


@pytest.fixture
def planted(world):
    """Branch A's staff registered (before the rule) as reviewers of branch B and seated on an internal panel of
    branch B's village, which is open."""
    with scopes_disabled():
        branch_b = world["v_b"].branch
        campaign = CampaignFactory(head_office=branch_b.head_office)
        panel = PanelFactory(campaign=campaign, village=world["v_b"], unit_kind="internal", preset="internal",
                             status=Panel.Status.FORMING)
        staff = [world["tina"], world["teller_a"], world["pat"]]
        reviewers = [ReviewerFactory(branch=branch_b, kind=ReviewerKind.BANK_STAFF, user=u, name=f"行内{i}")
                     for i, u in enumerate(staff)]
        for i, reviewer in enumerate(reviewers):
            seat(panel, reviewer, i + 1, "leader" if i == 0 else "member")
    return {"panel": panel, "reviewers": reviewers}


def test_forming_a_panel_with_another_branchs_reviewers_is_refused(world):
    """check_panel takes only the registry of the panel's own branch."""
    with scopes_disabled():
        campaign = CampaignFactory(head_office=world["v_b"].branch.head_office)
        foreign = [ReviewerFactory(branch=world["v_a"].branch, kind="villager") for _ in range(5)]
    with pytest.raises(services_panels.PanelRefused):
        services_panels.panel_create(scope=scope_for_user(world["bob"]), actor=world["bob"], campaign=campaign,
                                     village_id=world["v_b"].pk,
                                     fields={"unit_kind": "village", "unit_name": "x", "preset": "standard"},
                                     members=[(r.pk, "leader" if i == 0 else "member") for i, r in enumerate(foreign)])
    with scopes_disabled():
        assert not Panel.objects.filter(campaign=campaign).exists()


def test_opening_a_round_of_planted_staff_is_refused(world, planted):
    panel = planted["panel"]
    with pytest.raises(services_panels.PanelRefused):
        services_panels.round_open(scope=scope_for_user(world["bob"]), actor=world["bob"], panel_id=panel.pk,
                                   version=panel.version)
    with scopes_disabled():
        panel.refresh_from_db()
    assert panel.status == Panel.Status.FORMING


def test_a_planted_seat_opens_nothing(client, world, planted):
    """A seat made before the rule: its holder of branch A reaches none of branch B's panel pages."""
    panel = planted["panel"]
    with scopes_disabled():
        Panel.objects.filter(pk=panel.pk).update(status=Panel.Status.OPEN)
        group = world["h_b"].group
    client.force_login(world["tina"])
    assert client.get(reverse("appraisal:my_panels")).status_code == 200
    assert "西河村" not in client.get(reverse("appraisal:my_panels")).content.decode()
    assert client.get(reverse("appraisal:seat_home", args=[panel.pk])).status_code == 404
    if group is not None:
        assert client.get(reverse("appraisal:seat_grid", args=[panel.pk, group.pk])).status_code == 404
    body = {"household": world["h_b"].pk, "version": 0, "amount": "50000", "withhold_reasons": "", "rating": ""}
    response = client.post(reverse("appraisal:seat_row_save", args=[panel.pk]), json.dumps(body),
                           content_type="application/json")
    assert response.status_code == 404
    with scopes_disabled():
        assert not Appraisal.objects.filter(member__panel=panel).exists()


def test_a_seat_of_the_own_branch_still_opens(client, world):
    """The positive side of the same chokepoint: branch A's external reviewer reaches branch A's panel."""
    client.force_login(world["reviewers"][0].user)
    assert client.get(reverse("appraisal:seat_home", args=[world["panel"].pk])).status_code == 200
