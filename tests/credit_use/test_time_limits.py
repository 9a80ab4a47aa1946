"""U7: time limits of service (限时服务) in working days of the Chinese calendar, and the breach list (V1)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from credit_use.models import Authority, Drawdown
from credit_use.rules import time_limits as rules_time
from credit_use.selectors.time_limits import time_limit_breaches
from sunshine_credit.scoping import scope_for_user
from tests.credit_use.factories_loans import at, household_with_line, make_drawdown
from tests.factories import StaffFactory

D = datetime.date
# chinese_calendar 1.11.0, 2026: Saturday 10 October is a workday (调休 after National Day, 1–7 October), and
# so are Saturdays 14 and 28 February around the Spring Festival (15–23 February off). Found with
# [d for d in 2026 if d.weekday() >= 5 and chinese_calendar.is_workday(d)].
ADJUSTED_WORKDAY = D(2026, 10, 10)


# --- rules (no database) --------------------------------------------------------------------------------

def test_each_authority_has_its_limit():
    assert rules_time.time_limit(Authority.BRANCH, False) == 5
    assert rules_time.time_limit(Authority.BRANCH, True) == 3  # small farm loans
    assert rules_time.time_limit(Authority.COUNTY, False) == 7
    assert rules_time.time_limit(Authority.COUNTY, True) == 7  # small farm only shortens branch authority
    assert rules_time.time_limit(Authority.CITY, False) == 15
    assert rules_time.time_limit(Authority.CROSS_CITY, False) == 30


def test_deadlines_of_every_authority_from_an_ordinary_monday():
    monday = D(2026, 11, 2)  # no holiday in November 2026
    # Tuesday, Wednesday, Thursday: the day the application became complete does not count
    assert rules_time.deadline(monday, Authority.BRANCH, True) == D(2026, 11, 5)
    assert rules_time.deadline(monday, Authority.BRANCH, False) == D(2026, 11, 9)  # 3–6 Nov, then Monday
    assert rules_time.deadline(monday, Authority.COUNTY, False) == D(2026, 11, 11)
    assert rules_time.deadline(monday, Authority.CITY, False) == D(2026, 11, 23)
    assert rules_time.deadline(monday, Authority.CROSS_CITY, False) == D(2026, 12, 14)


def test_the_clock_skips_a_weekend():
    wednesday = D(2026, 11, 11)
    assert rules_time.deadline(wednesday, Authority.BRANCH, True) == D(2026, 11, 16)  # Thu, Fri, (Sat, Sun), Mon
    assert rules_time.working_days_between(D(2026, 11, 13), D(2026, 11, 16)) == 1     # Friday → Monday


def test_the_clock_skips_a_public_holiday_and_counts_an_adjusted_workday():
    # Complete on Wednesday 30 September: 1–7 October are off, Thursday 8 and Friday 9 count, and the adjusted
    # workday Saturday 10 October is the third working day.
    assert ADJUSTED_WORKDAY.weekday() == 5 and rules_time.is_workday(ADJUSTED_WORKDAY)
    assert rules_time.deadline(D(2026, 9, 30), Authority.BRANCH, True) == ADJUSTED_WORKDAY
    assert rules_time.deadline(D(2026, 9, 30), Authority.BRANCH, False) == D(2026, 10, 13)
    assert rules_time.working_days_between(D(2026, 9, 30), D(2026, 10, 7)) == 0


def test_the_spring_festival():
    # Friday 13 February 2026: Saturday 14 is an adjusted workday, 15–23 February are off.
    assert rules_time.deadline(D(2026, 2, 13), Authority.BRANCH, True) == D(2026, 2, 25)
    assert rules_time.working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2  # 14 and 24 February


def test_a_year_the_calendar_does_not_know_falls_back_to_monday_to_friday():
    # chinese_calendar 1.11.0 raises NotImplementedError for 2027.
    assert rules_time.is_workday(D(2027, 1, 4)) and not rules_time.is_workday(D(2027, 1, 9))
    assert rules_time.working_days_between(D(2027, 1, 1), D(2027, 1, 8)) == 5
    assert rules_time.deadline(D(2026, 12, 25), Authority.CROSS_CITY, False) == D(2027, 2, 5)


def test_breach_is_after_the_deadline_day():
    deadline = D(2026, 11, 5)
    assert not rules_time.in_breach(deadline, deadline) and rules_time.days_late(deadline, deadline) == 0
    assert rules_time.in_breach(deadline, D(2026, 11, 6)) and rules_time.days_late(deadline, D(2026, 11, 9)) == 2
    assert rules_time.days_late(D(2026, 11, 6), D(2026, 11, 7)) == 1  # a Saturday decision is still late


# --- the breach list ------------------------------------------------------------------------------------

@pytest.fixture
def county(county):
    """Drawdowns of 东岭村 decided late, on time, not yet, at county level, and one of 西河村; and otto, an officer
    of 南坡村 only (the county's tina has both villages of 城关支行)."""
    with scopes_disabled():
        county.otto = StaffFactory(branch=county.branch_a, villages=[county.v_a2]).user
    home, line = household_with_line(county, head_name="王大明")
    complete = at(D(2026, 11, 2))  # Monday: small farm deadline Thursday 5 November
    county.late = make_drawdown(county, home, line, complete_at=complete, decided_at=at(D(2026, 11, 6)))
    county.on_time = make_drawdown(county, home, line, complete_at=complete, decided_at=at(D(2026, 11, 5), 17))
    county.pending = make_drawdown(county, home, line, status=Drawdown.Status.SUBMITTED, complete_at=complete)
    county.draft = make_drawdown(county, home, line, status=Drawdown.Status.DRAFT, complete_at=None)
    county.county_level = make_drawdown(county, home, line, authority=Authority.COUNTY, small_farm=True,
                                        complete_at=complete, decided_at=at(D(2026, 11, 11)))
    home_b, line_b = household_with_line(county, county.v_b)
    county.late_b = make_drawdown(county, home_b, line_b, complete_at=complete, decided_at=at(D(2026, 11, 20)))
    return county


def _scope(user):
    with scopes_disabled():
        return scope_for_user(user)


def test_the_late_ones_are_listed_and_the_on_time_ones_not(county):
    breaches = time_limit_breaches(scope=_scope(county.pat), today=D(2026, 11, 10))
    assert {b.pk for b in breaches} == {county.late.pk, county.pending.pk}
    pending = next(b for b in breaches if b.pk == county.pending.pk)
    assert pending.decided_on is None and pending.deadline == D(2026, 11, 5) and pending.days_late == 3
    late = next(b for b in breaches if b.pk == county.late.pk)
    assert (late.days_late, late.head_name, late.village, late.complete_on) == (1, "王大明", county.v_a.name,
                                                                                 D(2026, 11, 2))


def test_the_list_is_scoped(county):
    today = D(2026, 11, 10)
    assert {b.pk for b in time_limit_breaches(scope=_scope(county.pete), today=today)} == {county.late_b.pk}
    assert {b.pk for b in time_limit_breaches(scope=_scope(county.sue), today=today)} == {
        county.late.pk, county.pending.pk, county.late_b.pk}
    assert time_limit_breaches(scope=_scope(county.otto), today=today) == []  # v_a2 only


def test_the_list_takes_a_constant_number_of_queries(county):
    home, line = household_with_line(county)
    for _i in range(5):
        make_drawdown(county, home, line, complete_at=at(D(2026, 11, 2)), decided_at=at(D(2026, 11, 30)))
    scope = _scope(county.sue)
    with CaptureQueriesContext(connection) as queries:
        assert len(time_limit_breaches(scope=scope, today=D(2026, 12, 1))) == 8
    # the days of completion and limits, the administrator's holiday table (U7), the late ones joined to their
    # deadlines, and their rows with names
    assert len(queries) == 4


def test_the_page_for_the_president_and_the_supervisor(client, county):
    client.force_login(county.pat)
    response = client.get("/lines/time-limits/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert county.late.number in page and county.on_time.number not in page
    assert county.late_b.number not in page and "王大明" in page and "2026-11-05" in page
    client.force_login(county.sue)
    assert county.late_b.number in client.get("/lines/time-limits/").content.decode()


def test_the_page_for_the_officer_of_another_village_and_for_a_teller(client, county):
    client.force_login(county.otto)
    page = client.get("/lines/time-limits/").content.decode()
    assert county.late.number not in page
    client.force_login(county.tom)
    assert client.get("/lines/time-limits/").status_code == 404


# --- issue 15: the approval level is derived from the amount (U7), boundaries on both sides --------------

def level(amount, branch=Decimal(300000), county=Decimal(1000000), city=Decimal(5000000)):
    return rules_time.approval_level(amount=Decimal(amount), branch_authority=branch, county_authority=county,
                                     city_authority=city)


def test_the_approval_level_at_each_boundary():
    assert level("300000.00") == Authority.BRANCH         # exactly the branch's authority: the branch
    assert level("300000.01") == Authority.COUNTY         # one fen more: the county head office
    assert level("1000000.00") == Authority.COUNTY
    assert level("1000000.01") == Authority.CITY
    assert level("5000000.00") == Authority.CITY
    assert level("5000000.01") == Authority.CROSS_CITY


def test_a_branch_without_a_set_authority_approves_any_amount_and_thresholds_below_the_branchs_are_raised():
    assert level("9999999", branch=Decimal(0)) == Authority.BRANCH
    assert level("9999999", branch=None) == Authority.BRANCH
    # A county threshold below the branch's own is raised to it: the branch still approves its whole authority,
    # and what is above goes to the next level whose threshold is above the branch's.
    assert level("300000", branch=Decimal(300000), county=Decimal(200000)) == Authority.BRANCH
    assert level("400000", branch=Decimal(300000), county=Decimal(200000)) == Authority.CITY
    assert level("400000.01", branch=Decimal(400000), county=Decimal(200000), city=Decimal(100000)) \
        == Authority.CROSS_CITY


def test_the_sql_prefilter_keeps_every_breach(county, monkeypatch):
    """Issue 18: the SQL superset (a drawdown decided within the shortest limit's calendar days cannot be late) drops
    only drawdowns that are not late — checked against the full Python pass over every completion time of a
    fortnight, decided 0–9 days later at the start and end of the day (the boundaries of the local dates), and
    still undecided."""
    from django.db.models import Q

    from credit_use.selectors import time_limits

    home, line = household_with_line(county)
    for day in range(14):
        for hour in (0, 23):
            complete = at(D(2026, 11, 2) + datetime.timedelta(days=day), hour)
            make_drawdown(county, home, line, status=Drawdown.Status.SUBMITTED, complete_at=complete)
            for later in range(10):
                for decided_hour in (0, 23):
                    decided = at(D(2026, 11, 2) + datetime.timedelta(days=day + later), decided_hour)
                    if decided > complete:
                        make_drawdown(county, home, line, complete_at=complete, decided_at=decided)
    scope, today = _scope(county.sue), D(2026, 11, 20)
    filtered = {b.pk for b in time_limit_breaches(scope=scope, today=today)}
    monkeypatch.setattr(time_limits, "_may_be_late", lambda today: Q())
    everything = {b.pk for b in time_limit_breaches(scope=scope, today=today)}
    assert filtered == everything
    assert 50 < len(everything)  # the world holds breaches on both sides of every boundary


def test_the_head_offices_counts_are_kept_and_cut_to_each_readers_villages(county, settings):
    """U7/V1: with BREACH_COUNT_CACHE_SECONDS the head office's counts are computed once and kept; each reader gets
    only their villages' (R1); the list itself is always computed."""
    from credit_use.selectors.time_limits import breach_counts, time_limit_breach_count

    settings.BREACH_COUNT_CACHE_SECONDS = 60
    today = D(2026, 11, 10)
    assert time_limit_breach_count(scope=_scope(county.sue), today=today) == 3
    assert breach_counts(scope=_scope(county.pete), today=today) == {county.v_b.pk: 1}
    assert breach_counts(scope=_scope(county.pat), today=today) == {county.v_a.pk: 2}
    home, line = household_with_line(county)
    make_drawdown(county, home, line, complete_at=at(D(2026, 11, 2)), decided_at=at(D(2026, 11, 9)))
    assert time_limit_breach_count(scope=_scope(county.sue), today=today) == 3  # kept
    assert len(time_limit_breaches(scope=_scope(county.sue), today=today)) == 4  # the list is live
    settings.BREACH_COUNT_CACHE_SECONDS = 0
    assert time_limit_breach_count(scope=_scope(county.sue), today=today) == 4
