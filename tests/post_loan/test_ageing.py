"""C6 ageing buckets and PAR30/PAR90 per branch, village and officer, on a small book computed by hand; each user
sees only the loans of their scope (R1)."""

import datetime
from decimal import Decimal

from post_loan.selectors.classification import ageing_report
from post_loan.services.classification import classify_all
from tests.post_loan.classification_world import TODAY, as_user, overdue


def book(county):
    """城关支行: 东岭村 65,000 (current 30,000; 15 days 10,000; 45 days 20,000 — ada's; 100 days 5,000 of 8,000),
    南坡村 35,000 (current 25,000; 400 days 10,000). 王庄支行 西河村: 200 days 40,000 (bob's)."""
    overdue(county, 0, amount=30000)
    overdue(county, 15, amount=10000)
    overdue(county, 45, amount=20000, officer=county.ada)
    overdue(county, 100, amount=8000, outstanding=5000)
    overdue(county, 0, amount=25000, village=county.v_a2)
    overdue(county, 400, amount=10000, village=county.v_a2)
    overdue(county, 200, amount=40000, village=county.v_b)
    classify_all(today=TODAY)


def by_name(rows):
    return {row.name: row for row in rows}


def amounts(values):
    return [Decimal(v) for v in values]


def test_ageing_and_par_per_branch_village_and_officer(county):
    book(county)
    report = as_user(county, county.pat, ageing_report)
    assert report["as_of"] == TODAY
    branch = by_name(report["branches"])["城关支行"]
    assert [row.name for row in report["branches"]] == ["城关支行"]  # R1: not 王庄支行
    assert branch.outstanding == 100000 and branch.loans == 6
    assert branch.bucket_list == amounts([55000, 10000, 20000, 5000, 0, 10000])
    assert (branch.par30, branch.par90) == (Decimal("35.00"), Decimal("15.00"))
    villages = by_name(report["villages"])
    assert set(villages) == {"东岭村", "南坡村"}
    assert (villages["东岭村"].outstanding, villages["东岭村"].par30, villages["东岭村"].par90) == (
        65000, Decimal("38.46"), Decimal("7.69"))
    assert (villages["南坡村"].par30, villages["南坡村"].par90) == (Decimal("28.57"), Decimal("28.57"))
    officers = {row.key: row for row in report["officers"]}
    assert set(officers) == {county.tina.pk, county.ada.pk}
    assert (officers[county.tina.pk].outstanding, officers[county.tina.pk].par30) == (80000, Decimal("18.75"))
    assert (officers[county.ada.pk].par30, officers[county.ada.pk].par90) == (Decimal("100.00"), Decimal("0.00"))
    assert branch.grade_list == amounts([55000, 30000, 5000, 0, 10000])


def test_head_office_sees_both_branches_and_the_other_officer_only_his(county):
    book(county)
    total = as_user(county, county.sue, ageing_report)["total"]
    assert (total.outstanding, total.par30, total.par90) == (140000, Decimal("53.57"), Decimal("39.29"))
    bob = as_user(county, county.bob, ageing_report)
    assert [row.name for row in bob["villages"]] == ["西河村"]
    assert (bob["total"].outstanding, bob["total"].par30, bob["total"].par90) == (40000, 100, 100)


def test_a_loan_repaid_since_the_run_is_left_out(county):
    book(county)
    from django_scopes import scopes_disabled

    from credit_use.models import Drawdown
    with scopes_disabled():
        Drawdown.objects.filter(village=county.v_a2, due_on=TODAY - datetime.timedelta(days=400)).update(
            principal_outstanding=0, status=Drawdown.Status.REPAID)
    village = by_name(as_user(county, county.tina, ageing_report)["villages"])["南坡村"]
    assert (village.outstanding, village.par90) == (25000, 0)


def test_nothing_classified_gives_empty_tables(county):
    report = as_user(county, county.sue, ageing_report)
    assert report["as_of"] is None and report["villages"] == [] and report["total"].par30 is None
