"""Issue 15 item 9: every refusal of the panel form is shown where the input was — a member row's error in
that row, the formset's own errors above the rows — and nothing is written."""

import re

import pytest
from django.forms import ModelChoiceField
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django_scopes import scopes_disabled

from appraisal.models import Panel
from tests.appraisal.factories import ReviewerFactory, make_panel_world
from tests.surveys.campaign_world import zh

pytestmark = pytest.mark.django_db

POSITION_MISSING = "Choose the position (职务) of this reviewer."


@pytest.fixture
def world(county):
    """make_panel_world plus a second campaign for 东岭村 and five fresh reviewers of branch A."""
    from tests.surveys.factories import CampaignFactory
    make_panel_world(county)
    with scopes_disabled():
        campaign = CampaignFactory(head_office=county.head_office)
        kinds = ["cadre", "villager", "villager", "villager", "villager"]
        reviewers = [ReviewerFactory(branch=county.branch_a, kind=k) for k in kinds]
    return county, campaign, reviewers


def form_data(campaign, village, reviewers, positions=None, blank_position=""):
    data = {"campaign": campaign.pk, "village": village.pk, "unit_kind": "village", "unit_name": "新评议小组",
            "preset": "standard", "members-TOTAL_FORMS": 12, "members-INITIAL_FORMS": 0,
            "members-MIN_NUM_FORMS": 12, "members-MAX_NUM_FORMS": 12}
    for i in range(12):
        data[f"members-{i}-reviewer"] = reviewers[i].pk if i < len(reviewers) else ""
        data[f"members-{i}-position"] = (positions or {}).get(i, "member" if i < len(reviewers) else blank_position)
    return data


def row_html(page: str, row_id: str) -> str:
    match = re.search(rf'<tr[^>]*id="{row_id}"[^>]*>(.*?)</tr>', page, re.S)
    assert match, f"no row {row_id}"
    return match.group(0)


def no_panel(campaign) -> bool:
    with scopes_disabled():
        return not Panel.objects.filter(campaign=campaign).exists()


def test_a_reviewer_without_a_position_is_refused_in_its_row(client, world):
    county, campaign, reviewers = world
    client.force_login(county.tina)
    response = client.post(reverse("appraisal:panel_create"),
                           form_data(campaign, county.v_a, reviewers, {0: "leader", 2: ""}))
    assert response.status_code == 200
    page = response.content.decode()
    row = row_html(page, "member-row-3")
    assert zh(POSITION_MISSING) in row and "table-danger" in row
    for other in ("member-row-1", "member-row-2", "member-row-4"):
        assert zh(POSITION_MISSING) not in row_html(page, other)
    assert page.count(zh(POSITION_MISSING)) == 1
    assert no_panel(campaign)


def test_blank_seats_need_no_position_and_the_panel_is_saved(client, world):
    """The other side: a seat without a reviewer needs no 职务."""
    county, campaign, reviewers = world
    client.force_login(county.tina)
    response = client.post(reverse("appraisal:panel_create"),
                           form_data(campaign, county.v_a, reviewers, {0: "leader"}, blank_position=""))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not no_panel(campaign)


def test_a_reviewer_outside_the_scope_is_refused_in_its_row(client, world):
    county, campaign, reviewers = world
    with scopes_disabled():
        stranger = ReviewerFactory(branch=county.branch_b, kind="villager")
    client.force_login(county.tina)
    response = client.post(reverse("appraisal:panel_create"),
                           form_data(campaign, county.v_a, [*reviewers[:4], stranger], {0: "leader"}))
    assert response.status_code == 200
    row = row_html(response.content.decode(), "member-row-5")
    assert "table-danger" in row and "field-error" in row
    with translation.override("zh-hans"):
        invalid = escape(str(ModelChoiceField.default_error_messages["invalid_choice"]))
    assert invalid in row
    assert no_panel(campaign)


def test_a_tampered_formset_shows_its_own_error_above_the_rows(client, world):
    county, campaign, reviewers = world
    client.force_login(county.tina)
    data = form_data(campaign, county.v_a, reviewers, {0: "leader"})
    del data["members-TOTAL_FORMS"]
    response = client.post(reverse("appraisal:panel_create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    errors = response.context["members"].non_form_errors()
    assert errors and "formset-errors" in page
    assert page.index("formset-errors") < page.index('id="member-rows"')
    assert no_panel(campaign)
