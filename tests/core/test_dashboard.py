"""H7: archive coverage per branch and village on the dashboard, within the user's scope."""

import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(county):
    """东岭村: four households, three archived (75%); 南坡村: one, archived; 西河村 (branch B): one, archived."""
    for status in ("archived", "archived", "archived", "roster"):
        county.household(county.v_a, archive_status=status)
    county.household(county.v_a2)
    county.household(county.v_b)
    return county


def village_row(html: str, code: str) -> str:
    match = re.search(rf'<tr class="([^"]*)" id="village-{code}">(.*?)</tr>', html, re.S)
    assert match, code
    return match.group(1) + match.group(2)


def test_coverage_per_village_and_branch(client, county):
    html = county.login(client, county.tina).get("/").content.decode()
    row = village_row(html, county.v_a.code)
    assert re.findall(r'<td class="text-end[^"]*">([^<]*)</td>', row) == ["4", "3", "0", "75.0%"]
    assert "below-target" in row and 'data-progress="75"' in row
    full = village_row(html, county.v_a2.code)
    assert "100.0%" in full and "below-target" not in full
    total = html.split('class="coverage-total')[1].split("</tr>")[0]
    assert "5" in total and "80.0%" in total


def test_other_branches_are_absent(client, county):
    html = county.login(client, county.tina).get("/").content.decode()
    assert county.v_b.name not in html and f"village-{county.v_b.code}" not in html


def test_supervisor_sees_every_branch(client, county):
    html = county.login(client, county.sue).get("/").content.decode()
    assert f"village-{county.v_a.code}" in html and f"village-{county.v_b.code}" in html


def test_dashboard_has_no_inline_styles_or_scripts(client, county):
    html = county.login(client, county.tina).get("/").content.decode()
    assert "style=" not in html and "<script>" not in html
