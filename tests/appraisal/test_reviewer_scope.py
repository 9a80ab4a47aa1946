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
from sunshine_credit.scoping import scope_for_user
from tests.appraisal.factories import PanelFactory, ReviewerFactory, make_panel_world, seat
from tests.surveys.factories import CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(county):
    """make_panel_world: branch A's open round; the county's tellers (tom, tess) and presidents (pat, pete)."""
    return make_panel_world(county)


def _register(client, actor, branch, staff_user):
    client.force_login(actor)
    return client.post(reverse("appraisal:reviewer_create"), {
        "branch": branch.pk, "name": "行内评议员", "kind": ReviewerKind.BANK_STAFF, "title": "", "phone": "",
        "active": "on", "household_code": "", "staff_user": staff_user.pk})


def test_officer_registers_staff_of_own_branch_as_bank_staff_reviewer(client, county):
    response = _register(client, county.bob, county.v_b.branch, county.tess)
    assert response.status_code == 302
    with scopes_disabled():
        assert Reviewer.objects.filter(user=county.tess, branch=county.v_b.branch).exists()


@pytest.mark.parametrize("who", ["tina", "tom", "pat"])
def test_form_refuses_staff_of_another_branch_and_writes_nothing(client, county, who):
    response = _register(client, county.bob, county.v_b.branch, county[who])
    assert response.status_code == 200
    with scopes_disabled():
        assert not Reviewer.objects.filter(user=county[who]).exists()


def test_form_offers_only_staff_of_the_officers_branch(client, county):
    client.force_login(county.bob)
    form = client.get(reverse("appraisal:reviewer_create")).context["form"]
    offered = set(form.fields["staff_user"].queryset.values_list("pk", flat=True))
    assert county.tess.pk in offered
    assert not offered & {county.tina.pk, county.tom.pk, county.pat.pk, county.ada.pk,
                          county.sue.pk}


@pytest.mark.parametrize("who", ["tina", "tom", "pat", "ada", "sue"])
def test_service_refuses_staff_outside_the_reviewers_branch(county, who):
    """The form's choices are a courtesy: the service itself refuses (R1), head-office staff included (A1)."""
    scope = scope_for_user(county.bob)
    with pytest.raises(services_panels.PanelRefused):
        services_panels.reviewer_create(scope=scope, actor=county.bob, branch_id=county.v_b.branch_id,
                                        fields={"name": "x", "kind": ReviewerKind.BANK_STAFF, "title": "",
                                                "phone": "", "active": True}, staff_user=county[who])
    with scopes_disabled():
        assert not Reviewer.objects.filter(user=county[who]).exists()


def test_service_accepts_each_branch_role(county):
    scope = scope_for_user(county.bob)
    for user in (county.tess, county.pete):
        reviewer, password = services_panels.reviewer_create(
            scope=scope, actor=county.bob, branch_id=county.v_b.branch_id,
            fields={"name": "x", "kind": ReviewerKind.BANK_STAFF, "title": "", "phone": "", "active": True},
            staff_user=user)
        assert reviewer.user == user and password is None


@pytest.fixture
def planted(county):
    """Branch A's staff registered (before the rule) as reviewers of branch B and seated on an internal panel of
    branch B's village, which is open."""
    with scopes_disabled():
        branch_b = county.v_b.branch
        campaign = CampaignFactory(head_office=branch_b.head_office)
        panel = PanelFactory(campaign=campaign, village=county.v_b, unit_kind="internal", preset="internal",
                             status=Panel.Status.FORMING)
        staff = [county.tina, county.tom, county.pat]
        reviewers = [ReviewerFactory(branch=branch_b, kind=ReviewerKind.BANK_STAFF, user=u, name=f"行内{i}")
                     for i, u in enumerate(staff)]
        for i, reviewer in enumerate(reviewers):
            seat(panel, reviewer, i + 1, "leader" if i == 0 else "member")
    return {"panel": panel, "reviewers": reviewers}


def test_forming_a_panel_with_another_branchs_reviewers_is_refused(county):
    """check_panel takes only the registry of the panel's own branch."""
    with scopes_disabled():
        campaign = CampaignFactory(head_office=county.v_b.branch.head_office)
        foreign = [ReviewerFactory(branch=county.v_a.branch, kind="villager") for _ in range(5)]
    with pytest.raises(services_panels.PanelRefused):
        services_panels.panel_create(scope=scope_for_user(county.bob), actor=county.bob, campaign=campaign,
                                     village_id=county.v_b.pk,
                                     fields={"unit_kind": "village", "unit_name": "x", "preset": "standard"},
                                     members=[(r.pk, "leader" if i == 0 else "member") for i, r in enumerate(foreign)])
    with scopes_disabled():
        assert not Panel.objects.filter(campaign=campaign).exists()


def test_opening_a_round_of_planted_staff_is_refused(county, planted):
    panel = planted["panel"]
    with pytest.raises(services_panels.PanelRefused):
        services_panels.round_open(scope=scope_for_user(county.bob), actor=county.bob, panel_id=panel.pk,
                                   version=panel.version)
    with scopes_disabled():
        panel.refresh_from_db()
    assert panel.status == Panel.Status.FORMING


def test_a_planted_seat_opens_nothing(client, county, planted):
    """A seat made before the rule: its holder of branch A reaches none of branch B's panel pages."""
    panel = planted["panel"]
    with scopes_disabled():
        Panel.objects.filter(pk=panel.pk).update(status=Panel.Status.OPEN)
        group = county.h_b.group
    client.force_login(county.tina)
    assert client.get(reverse("appraisal:my_panels")).status_code == 200
    assert county.v_b.name not in client.get(reverse("appraisal:my_panels")).content.decode()
    assert client.get(reverse("appraisal:seat_home", args=[panel.pk])).status_code == 404
    if group is not None:
        assert client.get(reverse("appraisal:seat_grid", args=[panel.pk, group.pk])).status_code == 404
    body = {"household": county.h_b.pk, "version": 0, "amount": "50000", "withhold_reasons": "", "rating": ""}
    response = client.post(reverse("appraisal:seat_row_save", args=[panel.pk]), json.dumps(body),
                           content_type="application/json")
    assert response.status_code == 404
    with scopes_disabled():
        assert not Appraisal.objects.filter(member__panel=panel).exists()


def test_a_seat_of_the_own_branch_still_opens(client, county):
    """The positive side of the same chokepoint: branch A's external reviewer reaches branch A's panel."""
    client.force_login(county.reviewers[0].user)
    assert client.get(reverse("appraisal:seat_home", args=[county.panel.pk])).status_code == 200
