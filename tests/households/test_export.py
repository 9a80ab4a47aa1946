"""R7: the archive export 农户贷款家庭授信信息档案表 (.xlsx), scoped (R1) and masked (R5)."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from households.exports import HEADER
from tests.factories import (
    ExistingLoanFactory,
    HouseholdFactory,
    MemberFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("archive")]


@pytest.fixture
def archive(county, unscoped):
    """In 东岭村, group g1: household h_a (archived; its head's name a formula) with the spouse 王秀英 and her two
    loans; in 西河村: h_b."""
    county.h_a = HouseholdFactory(village=county.v_a, group=county.g1, code="A-0001", land_area="5.50",
                                  publicity_consent=True, archive_status="archived",
                                  head__name="=HYPERLINK(\"http://x\")", head__id_number="11010519491231002X",
                                  head__phone="13912345678")
    county.spouse = MemberFactory(household=county.h_a, name="王秀英", relation="配偶", works_away=True)
    ExistingLoanFactory(member=county.spouse, balance="1000.50")
    ExistingLoanFactory(member=county.spouse, balance="2000.00")
    county.h_b = HouseholdFactory(village=county.v_b, code="B-0001", head__name="赵四")
    return county


def export_rows(client, **params):
    """The export as a maker downloads it (whole numbers, with a purpose); others' exports are masked anyway."""
    response = client.post("/households/export.xlsx", {"full_numbers": "on", "purpose": "核心系统批量录入", **params})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "no-store" in response["Cache-Control"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    return rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_export_rows_for_the_users_scope(client, county):
    client.force_login(county.tina)
    header, rows = export_rows(client)
    assert header == HEADER
    assert {row["户号代码"] for row in rows} == {"A-0001"}   # B's household is absent
    spouse = next(row for row in rows if row["姓名"] == "王秀英")
    assert spouse["村"] == county.v_a.name and spouse["村民小组"] == county.g1.name and spouse["与户主关系"] == "配偶"
    assert spouse["务工"] == "是" and spouse["公示同意"] == "是" and spouse["建档状态"] == "已建档"
    assert spouse["类别"] == "农户" and spouse["性别"] in ("男", "女")
    assert spouse["存量贷款笔数"] == 2 and spouse["存量贷款余额(元)"] == pytest.approx(3000.50)
    assert spouse["承包土地亩数"] == pytest.approx(5.5)
    assert isinstance(spouse["年龄"], int)
    head = next(row for row in rows if row["与户主关系"] == "户主")
    assert head["身份证号码"] == "11010519491231002X" and isinstance(head["身份证号码"], str)
    assert head["联系电话"] == "13912345678"
    assert head["存量贷款笔数"] == 0 and head["存量贷款余额(元)"] == 0


def test_export_never_starts_a_cell_with_a_formula(client, county):
    client.force_login(county.tina)
    _header, rows = export_rows(client)
    head = next(row for row in rows if row["与户主关系"] == "户主")
    assert "HYPERLINK" in head["姓名"] and not head["姓名"].startswith("=")
    for row in rows:
        for value in row.values():
            assert not (isinstance(value, str) and value.startswith(("=", "+", "-", "@")))


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)"])
def test_export_escapes_each_formula_start_of_a_name_and_an_address(client, county, text):
    """R7: `+`, `-` and `@` start a formula as `=` does; a name or address beginning with any of them comes out
    escaped (text, not run)."""
    with scopes_disabled():
        h_a = county.h_a
        h_a.address = text
        h_a.save(update_fields=["address"])
        county.spouse.name = text
        county.spouse.save(update_fields=["name"])
    client.force_login(county.tina)
    _header, rows = export_rows(client)
    spouse = next(row for row in rows if row["与户主关系"] == "配偶")
    assert spouse["姓名"] == "'" + text and spouse["家庭住址"] == "'" + text
    assert all(row["家庭住址"] == "'" + text for row in rows)


def test_export_masks_numbers_for_read_only_roles(client, county):
    client.force_login(county.pat)  # the branch president
    _header, rows = export_rows(client)
    head = next(row for row in rows if row["与户主关系"] == "户主")
    assert head["身份证号码"] == "110105********002X" and head["联系电话"] == "139****5678"


def test_export_follows_the_list_filters_and_never_leaves_the_scope(client, county):
    with scopes_disabled():
        HouseholdFactory(village=county.v_a, code="A-NOGROUP")
    client.force_login(county.tina)
    _header, rows = export_rows(client, group=county.g1.pk)
    assert {row["户号代码"] for row in rows} == {"A-0001"}
    # Another branch's village is not a choice: the form comes back, no file, nothing recorded.
    response = client.post("/households/export.xlsx", {"village": county.v_b.pk, "purpose": "核心系统批量录入"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert b"B-0001" not in response.content


def test_export_query_count_does_not_grow_per_household(client, county):
    client.force_login(county.tina)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            export_rows(client)
        return len(ctx.captured_queries)

    before = count()
    with scopes_disabled():
        for _ in range(10):
            household = HouseholdFactory(village=county.v_a, group=county.g1)
            ExistingLoanFactory(member=MemberFactory(household=household))
    assert count() == before


def test_export_needs_a_login(client):
    assert client.get("/households/export.xlsx").status_code == 302
