"""R1, STYLE §3.4 (issue 13): every form that offers a choice of people, villages or households is checked
again in the service against the actor's scope — a form's choices are a courtesy, not a control.

Each test posts an id out of the actor's scope to the page that offers the choice (branch A's officer naming
branch B's village, household, reviewer or staff; the administrator naming a villager's reviewer login or another
head office's campaign), and, where the form itself filters its choices, also calls the service with the same id,
so that the service's own check is what is proved. Every case asserts that nothing was written.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from appraisal.models import Panel, Reviewer, ReviewerKind
from appraisal.services import panels as services_panels
from credit_use.models import Drawdown
from credit_use.services import drawdowns as services_drawdowns
from guarantee_groups import services as group_services
from guarantee_groups.models import GuaranteeGroup
from households.models import ExistingLoan, Household
from households.services.archive import (
    ArchiveInvalid,
    MemberInput,
    existing_loan_create,
    household_create,
    household_update,
)
from sunshine_credit.models import Role
from sunshine_credit.scoping import scope_for_user
from surveys.models import Campaign, SurveyImport
from surveys.services import campaigns as services_campaigns
from surveys.services import imports as services_imports
from tests.appraisal.factories import ReviewerFactory, reviewer_with_login
from tests.credit_use.factories_drawdowns import application, make_drawdown_world
from tests.factories import (
    BranchFactory,
    HeadOfficeFactory,
    HouseholdFactory,
    MemberFactory,
    StaffFactory,
    VillageFactory,
)
from tests.surveys.factories import CampaignFactory
from tests.workbooks import workbook_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(county):
    """make_drawdown_world on the county (branch A: officer tina of 东岭村, president pat, teller tom; branch B:
    officer bob of 西河村 with its group 1组 and household B-0001 holding a line), plus a member of B-0001, a
    reviewer of branch B, a villager's reviewer login, and a second head office with a campaign, staff and a
    village."""
    make_drawdown_world(county)
    with scopes_disabled():
        county.m_b = MemberFactory(household=county.h_b)
        county.r_b = ReviewerFactory(branch=county.branch_b, kind=ReviewerKind.VILLAGER)
        county.villager = reviewer_with_login(county.branch_a).user
        other = HeadOfficeFactory(code="HQ2", name="另一家农商行")
        county.campaign_x = CampaignFactory(head_office=other)
        county.staff_x = StaffFactory(branch=BranchFactory(head_office=other), role=Role.OFFICER).user
        county.v_x = VillageFactory(branch=county.staff_x.staff_profile.branch)
    return county


def _count(model, **lookup) -> int:
    with scopes_disabled():
        return model.objects.filter(**lookup).count()


# --- households: village and villagers' group ------------------------------------------------------------------

def _member(id_number: str) -> MemberInput:
    return MemberInput(row=1, pk=None, name="赵新户", id_number=id_number, relation="户主", representative=True)


def _household_fields(village_id, group_id=None, code="NEW-0001") -> dict:
    return {"village_id": village_id, "group_id": group_id, "code": code, "address": "x", "category": "farmer",
            "land_area": None, "phone": "", "publicity_consent": False, "archive_status": "pending",
            "exclusion": "", "exclusion_note": ""}


def test_household_form_refuses_another_branchs_village_and_group(client, county):
    client.force_login(county.tina)
    for village, group in ((county.v_b, None), (county.v_a, county.gb)):
        response = client.post(reverse("households:household_create"), {
            "village": village.pk, "group": group.pk if group else "", "code": "NEW-0001", "address": "x",
            "category": "farmer", "archive_status": "pending"})
        assert response.status_code == 200
    assert _count(Household, code="NEW-0001") == 0


def test_household_service_refuses_another_branchs_village_and_group(county):
    from tests.factories import make_id_number

    scope = scope_for_user(county.tina)
    for fields in (_household_fields(county.v_b.pk), _household_fields(county.v_a.pk, county.gb.pk)):
        with pytest.raises((ArchiveInvalid, PermissionDenied)):
            household_create(scope=scope, actor=county.tina, fields=fields, members=[_member(make_id_number())])
    home = county.h[3]
    with scopes_disabled():
        head = home.members.get()
    with pytest.raises((ArchiveInvalid, PermissionDenied)):
        household_update(scope=scope, actor=county.tina, household_id=home.pk, version=home.version,
                         fields=_household_fields(county.v_b.pk, code=home.code),
                         members=[MemberInput(row=1, pk=head.pk, name=head.name, id_number=head.id_number,
                                              relation="户主", representative=True)])
    assert _count(Household, code="NEW-0001") == 0
    assert _count(Household, pk=home.pk, village=county.v_a) == 1


def test_existing_loan_refuses_a_member_of_another_branch(client, county):
    client.force_login(county.tina)
    response = client.post(reverse("households:existing_loan_create", args=[county.h[3].pk]), {
        "member": county.m_b.pk, "loan_number": "X-1", "amount": "10000", "balance": "5000",
        "classification": "normal"})
    assert response.status_code in (200, 404)
    with pytest.raises(Exception) as caught:
        existing_loan_create(scope=scope_for_user(county.tina), actor=county.tina, member_id=county.m_b.pk,
                             fields={"loan_number": "X-1", "amount": Decimal(10000), "balance": Decimal(5000)})
    assert caught.type.__name__ == "DoesNotExist"
    assert _count(ExistingLoan, loan_number="X-1") == 0


# --- appraisal: reviewers, panels ------------------------------------------------------------------------------

def test_reviewer_form_refuses_another_branch_and_its_staff(client, county):
    client.force_login(county.tina)
    base = {"name": "行内评议员", "kind": ReviewerKind.BANK_STAFF, "title": "", "phone": "", "active": "on",
            "household_code": ""}
    for branch, staff in ((county.branch_a, county.bob), (county.branch_b, county.tom)):
        response = client.post(reverse("appraisal:reviewer_create"),
                               {**base, "branch": branch.pk, "staff_user": staff.pk})
        assert response.status_code == 200
    with pytest.raises(PermissionDenied):
        services_panels.reviewer_create(scope=scope_for_user(county.tina), actor=county.tina,
                                        branch_id=county.branch_b.pk, fields={
                                            "name": "x", "kind": ReviewerKind.BANK_STAFF, "title": "", "phone": "",
                                            "active": True}, staff_user=county.bob)
    assert _count(Reviewer, user__in=[county.bob, county.tom]) == 0


def _panel_post(campaign, village, reviewers) -> dict:
    data = {"campaign": campaign.pk, "village": village.pk, "unit_kind": "village", "unit_name": "越界评议小组",
            "preset": "standard", "members-TOTAL_FORMS": 12, "members-INITIAL_FORMS": 0,
            "members-MIN_NUM_FORMS": 12, "members-MAX_NUM_FORMS": 12}
    for i in range(12):
        data[f"members-{i}-reviewer"] = reviewers[i].pk if i < len(reviewers) else ""
        data[f"members-{i}-position"] = "leader" if i == 0 else "member"
    return data


def test_panel_form_refuses_another_branchs_village_and_reviewers(client, county):
    with scopes_disabled():
        own = [ReviewerFactory(branch=county.branch_a, kind="villager") for _ in range(5)]
        foreign = [county.r_b] + [ReviewerFactory(branch=county.branch_b, kind="villager") for _ in range(4)]
    client.force_login(county.tina)
    for village, reviewers in ((county.v_b, own), (county.v_a, foreign)):
        response = client.post(reverse("appraisal:panel_create"), _panel_post(county.campaign, village, reviewers))
        assert response.status_code == 200
    scope = scope_for_user(county.tina)
    fields = {"unit_kind": "village", "unit_name": "x", "preset": "standard"}
    with pytest.raises(PermissionDenied):
        services_panels.panel_create(scope=scope, actor=county.tina, campaign=county.campaign,
                                     village_id=county.v_b.pk, fields=fields,
                                     members=[(r.pk, "member") for r in own])
    with pytest.raises(services_panels.PanelRefused):
        services_panels.panel_create(scope=scope, actor=county.tina, campaign=county.campaign,
                                     village_id=county.v_a.pk, fields=fields,
                                     members=[(r.pk, "leader" if i == 0 else "member") for i, r in enumerate(foreign)])
    assert _count(Panel) == 0


# --- surveys: the campaign's team, the import's campaign -------------------------------------------------------

def _campaign_fields(code: str) -> dict:
    return {"code": code, "name": "越界批次", "ordinal": 1, "method": "trimmed", "min_respondents": 5,
            "rounding_unit": 1000, "income_band_low": Decimal("1.1"), "income_band_high": Decimal("1.5"),
            "reference_date": datetime.date(2026, 6, 30), "notice_days": 3}


@pytest.mark.parametrize("who", ["villager", "staff_x"])
def test_survey_team_refuses_a_villager_login_and_another_head_offices_staff(client, county, who):
    """S1: the team reads respondents' names; a reviewer's login is a villager's."""
    client.force_login(county.ada)
    page = client.get(reverse("surveys:campaign_create"))
    assert county[who].pk not in set(page.context["form"].fields["survey_team"].queryset.values_list("pk", flat=True))
    scope = scope_for_user(county.ada)
    fields = {k: v for k, v in _campaign_fields("X-TEAM").items() if k in services_campaigns.CAMPAIGN_FIELDS}
    with pytest.raises(services_campaigns.CampaignInvalid):
        services_campaigns.campaign_create(scope=scope, actor=county.ada, fields=fields, team_ids=[county[who].pk])
    assert _count(Campaign, code="X-TEAM") == 0


def test_survey_import_refuses_another_head_offices_campaign(client, county):
    data = workbook_bytes(["户号代码"], [["A-0001"]])
    client.force_login(county.tina)
    response = client.post(reverse("surveys:survey_import_list"), {
        "campaign": county.campaign_x.pk, "file": SimpleUploadedFile("s.xlsx", data)})
    assert response.status_code == 200
    with pytest.raises(PermissionDenied):
        services_imports.survey_import_upload(scope=scope_for_user(county.tina), actor=county.tina,
                                              campaign=county.campaign_x, name="s.xlsx", data=data)
    assert _count(SurveyImport) == 0


# --- groups and drawdowns: households named by id or by code ---------------------------------------------------

def test_group_form_refuses_another_branchs_households(client, county):
    client.force_login(county.tina)
    response = client.post(reverse("guarantee_groups:group_form") + f"?village={county.v_a.pk}", {
        "households": [county.h[3].pk, county.h_b.pk, county.h[0].pk], "leader": county.h_b.pk,
        "name": "越界组", "allows_outside": "on"})
    assert response.status_code == 200
    assert _count(GuaranteeGroup, name="越界组") == 0


def test_group_member_add_refuses_another_branchs_household(client, county):
    group = county.group
    client.force_login(county.tina)
    client.post(reverse("guarantee_groups:member_add", args=[group.pk]),
                {"household": county.h_b.pk, "version": group.version})
    with pytest.raises((group_services.GroupRefused, Http404, PermissionDenied)):
        group_services.member_add(scope=scope_for_user(county.tina), actor=county.tina, group_id=group.pk,
                                  household_id=county.h_b.pk, version=group.version)
    with scopes_disabled():
        assert not group.members.filter(household=county.h_b).exists()


def test_drawdown_refuses_a_guarantor_of_another_branch(client, county):
    """U3/R1: a named guarantor is a household of the borrower's own branch; B's code is unknown to A."""
    client.force_login(county.tina)
    today = timezone.localdate()
    response = client.post(reverse("credit_use:drawdown_create", args=[county.lines[3].pk]), {
        "amount": "20000", "purpose": "种植", "applied_on": today.isoformat(),
        "due_on": (today + datetime.timedelta(days=180)).isoformat(), "annual_rate": "6.5",
        "guarantee": "guarantors", "authority": "branch", "small_farm": "on",
        "guarantors-TOTAL_FORMS": 1, "guarantors-INITIAL_FORMS": 0, "guarantors-MIN_NUM_FORMS": 0,
        "guarantors-MAX_NUM_FORMS": 5, "guarantors-0-code": "B-0001", "guarantors-0-amount": ""})
    assert response.status_code == 200
    assert "B-0001" in response.content.decode()   # named in the refusal
    with pytest.raises(services_drawdowns.DrawdownRefused):
        services_drawdowns.drawdown_create(scope=scope_for_user(county.tina), actor=county.tina,
                                           line_id=county.lines[3].pk, data=application(
                                               guarantee="guarantors", guarantors=(("B-0001", None),)))
    assert _count(Drawdown) == 0


def test_drawdown_accepts_a_guarantor_of_another_village_of_the_same_branch(county):
    """The positive side: outside guarantees within the branch stay possible (G5), even from a village that is not
    the officer's (a third village of branch A, made here: tina looks after both of the county's)."""
    with scopes_disabled():
        v_a3 = VillageFactory(branch=county.branch_a, name="北岭村")
        h_a2 = HouseholdFactory(village=v_a3, code="A2-0001", archive_status="archived")
    from tests.credit_use.factories_drawdowns import give_line
    give_line(h_a2, 40000, campaign=county.campaign)
    drawdown = services_drawdowns.drawdown_create(
        scope=scope_for_user(county.tina), actor=county.tina, line_id=county.lines[3].pk,
        data=application(guarantee="guarantors", guarantors=(("A2-0001", Decimal(20000)),)))
    with scopes_disabled():
        assert list(drawdown.guarantors.values_list("household__code", flat=True)) == ["A2-0001"]
