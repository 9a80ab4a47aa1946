"""H7: archive coverage per branch and village on the dashboard, within the user's scope."""

import re

import pytest
from django_scopes import scopes_disabled

from sunshine_credit.models import Role
from tests.factories import HouseholdFactory, VillageFactory, staff_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    with scopes_disabled():
        v_a = VillageFactory(name="东岭村", code="VA01")
        v_full = VillageFactory(name="南山村", code="VA02", branch=v_a.branch)
        v_b = VillageFactory(name="西河村", code="VB01")
        for status in ("archived", "archived", "archived", "roster"):
            HouseholdFactory(village=v_a, archive_status=status)
        HouseholdFactory(village=v_full, archive_status="archived")
        HouseholdFactory(village=v_b, archive_status="archived")
        officer = staff_for(v_a, v_full).user
        return {"v_a": v_a, "v_b": v_b, "v_full": v_full, "officer": officer}


def village_row(html: str, code: str) -> str:
    match = re.search(rf'<tr class="([^"]*)" id="village-{code}">(.*?)</tr>', html, re.S)
    assert match, code
    return match.group(1) + match.group(2)


def test_coverage_per_village_and_branch(client, world):
    client.force_login(world["officer"])
    html = client.get("/").content.decode()
    row = village_row(html, "VA01")
    assert re.findall(r'<td class="text-end[^"]*">([^<]*)</td>', row) == ["4", "3", "0", "75.0%"]
    assert "below-target" in row and 'data-progress="75"' in row
    full = village_row(html, "VA02")
    assert "100.0%" in full and "below-target" not in full
    total = html.split('class="coverage-total')[1].split("</tr>")[0]
    assert "5" in total and "80.0%" in total


def test_other_branches_are_absent(client, world):
    client.force_login(world["officer"])
    html = client.get("/").content.decode()
    assert "西河村" not in html and "village-VB01" not in html


def test_supervisor_sees_every_branch(client, world):
    with scopes_disabled():
        supervisor = staff_for(world["v_a"], role=Role.SUPERVISOR).user
    client.force_login(supervisor)
    html = client.get("/").content.decode()
    assert "village-VA01" in html and "village-VB01" in html


def test_dashboard_has_no_inline_styles_or_scripts(client, world):
    client.force_login(world["officer"])
    html = client.get("/").content.decode()
    assert "style=" not in html and "<script>" not in html
