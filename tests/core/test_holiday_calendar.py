"""U7 (issue 15, item 10): the holiday calendar the administrator keeps for the years the library does not know.

chinese_calendar 1.11 knows 2004–2026. The administrator enters the State Council's notice (holidays and
adjusted workdays) on a page or as an .xlsx; the table wins over the library; from December the administrator's
and supervisors' home pages warn while next year is known to neither.
"""

import datetime

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from credit_use.models import Authority
from credit_use.rules import time_limits as rules_time
from credit_use.selectors.time_limits import time_limit_breaches
from sunshine_credit.lib.holidays import library_knows_year
from sunshine_credit.models import CalendarDay, HeadOffice
from sunshine_credit.selectors import calendar_overrides, calendar_warning_year
from tests.credit_use.factories_loans import at, household_with_line, make_drawdown
from tests.workbooks import workbook_bytes

D = datetime.date
HEADER = ["日期", "类型", "名称"]
# A 2027 Spring Festival as a notice would have it (the lunar new year is Saturday 6 February 2027): 6–14 February
# off, Saturday 20 February worked in exchange.
SPRING_2027 = [D(2027, 2, 6) + datetime.timedelta(days=i) for i in range(9)]
ADJUSTED_2027 = D(2027, 2, 20)
TABLE_2027 = {**{day: False for day in SPRING_2027}, ADJUSTED_2027: True}


# --- rules (no database) --------------------------------------------------------------------------------


def test_the_library_knows_2026_and_not_2027():
    assert library_knows_year(2026) and not library_knows_year(2027)


def test_a_deadline_across_the_2027_spring_festival_counts_the_holidays_in_the_table():
    friday = D(2027, 2, 5)
    # Without the table 2027 is Monday to Friday: 8, 9, 10 February.
    assert rules_time.deadline(friday, Authority.BRANCH, True) == D(2027, 2, 10)
    # With it 6–14 February are off: Monday 15, 16, 17 February.
    assert rules_time.deadline(friday, Authority.BRANCH, True, TABLE_2027) == D(2027, 2, 17)
    assert rules_time.working_days_between(friday, D(2027, 2, 14), TABLE_2027) == 0
    assert rules_time.working_days_between(friday, D(2027, 2, 15), TABLE_2027) == 1


def test_an_adjusted_workday_in_the_table_counts_as_working():
    friday = D(2027, 2, 5)
    # County authority, 7 days: 15–19 February, then Saturday 20 (adjusted) and Monday 22.
    assert rules_time.is_workday(ADJUSTED_2027, TABLE_2027) and not rules_time.is_workday(ADJUSTED_2027)
    assert rules_time.deadline(friday, Authority.COUNTY, False, TABLE_2027) == D(2027, 2, 22)
    without_the_saturday = {day: False for day in SPRING_2027}
    assert rules_time.deadline(friday, Authority.COUNTY, False, without_the_saturday) == D(2027, 2, 23)


def test_the_table_wins_over_the_library_for_a_2026_date():
    monday, national_day, adjusted = D(2026, 11, 2), D(2026, 10, 1), D(2026, 10, 10)
    assert rules_time.is_workday(monday) and not rules_time.is_workday(national_day)
    table = {monday: False, national_day: True, adjusted: False}
    assert not rules_time.is_workday(monday, table)
    assert rules_time.is_workday(national_day, table)
    assert not rules_time.is_workday(adjusted, table)
    # Monday 2 November, small farm: 3–5 November by the library; with the 3rd a holiday, the 6th.
    assert rules_time.deadline(monday, Authority.BRANCH, True) == D(2026, 11, 5)
    assert rules_time.deadline(monday, Authority.BRANCH, True, {D(2026, 11, 3): False}) == D(2026, 11, 6)


# --- the table in the database --------------------------------------------------------------------------


def enter(county, table: dict, head_office=None) -> None:
    with scopes_disabled():
        for day, works in table.items():
            CalendarDay.objects.create(head_office=head_office or county.head_office, date=day, name="春节",
                                       kind=CalendarDay.Kind.WORKDAY if works else CalendarDay.Kind.HOLIDAY)


def test_the_breach_list_counts_the_holidays_entered_in_the_table(county):
    home, line = household_with_line(county)
    complete = at(D(2027, 2, 5))  # Friday before the Spring Festival; small farm: 3 working days
    on_time = make_drawdown(county, home, line, complete_at=complete, decided_at=at(D(2027, 2, 17)))
    late = make_drawdown(county, home, line, complete_at=complete, decided_at=at(D(2027, 2, 18)))
    scope = county.scope(county.sue)
    # Unknown 2027: Monday to Friday, so both look late (deadline 10 February).
    assert {b.pk for b in time_limit_breaches(scope=scope, today=D(2027, 3, 1))} == {on_time.pk, late.pk}
    enter(county, TABLE_2027)
    breaches = time_limit_breaches(scope=scope, today=D(2027, 3, 1))
    assert [(b.pk, b.deadline, b.days_late) for b in breaches] == [(late.pk, D(2027, 2, 17), 1)]


def test_another_head_offices_table_does_not_count(county):
    with scopes_disabled():
        other = HeadOffice.objects.create(code="HQ-OTHER", name="别的联社")
    enter(county, {D(2026, 11, 3): False}, head_office=other)
    assert calendar_overrides(head_office_id=county.head_office.pk) == {}
    enter(county, {D(2026, 11, 3): False, D(2026, 11, 7): True})
    assert calendar_overrides(head_office_id=county.head_office.pk) == {D(2026, 11, 3): False, D(2026, 11, 7): True}


def test_the_warning_starts_on_1_december_for_an_unknown_next_year(county):
    for user in (county.ada, county.sue):
        scope = county.scope(user)
        assert calendar_warning_year(scope=scope, today=D(2026, 11, 30)) is None
        assert calendar_warning_year(scope=scope, today=D(2026, 12, 1)) == 2027
        assert calendar_warning_year(scope=scope, today=D(2026, 12, 31)) == 2027
        assert calendar_warning_year(scope=scope, today=D(2025, 12, 1)) is None  # the library knows 2026
    for user in (county.tina, county.pat, county.tom, county.aude):
        assert calendar_warning_year(scope=county.scope(user), today=D(2026, 12, 1)) is None
    enter(county, {D(2027, 1, 1): False})
    assert calendar_warning_year(scope=county.scope(county.ada), today=D(2026, 12, 1)) is None


@pytest.fixture
def on_1_december_2026(monkeypatch):
    real = timezone.localdate
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: real(*args, **kwargs) if args or kwargs
                        else D(2026, 12, 1))


def test_the_home_page_warns_admin_and_supervisor_on_1_december(client, county, on_1_december_2026):
    for user in (county.ada, county.sue):
        page = county.login(client, user).get(reverse("dashboard")).content.decode()
        assert 'id="calendar-warning"' in page and "2027" in page
    page = county.login(client, county.tina).get(reverse("dashboard")).content.decode()
    assert 'id="calendar-warning"' not in page


def test_no_warning_once_the_table_holds_next_year(client, county, on_1_december_2026):
    enter(county, TABLE_2027)
    for user in (county.ada, county.sue):
        page = county.login(client, user).get(reverse("dashboard")).content.decode()
        assert 'id="calendar-warning"' not in page


# --- the administrator's pages --------------------------------------------------------------------------


def _entries(item) -> list:
    with scopes_disabled():
        return list(LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(CalendarDay),
                                            object_pk=str(item.pk)).order_by("timestamp"))


def test_the_admin_adds_edits_and_removes_a_day_audited(client, county):
    county.login(client, county.ada)
    assert client.get(reverse("calendar_day_list")).status_code == 200
    response = client.post(reverse("calendar_day_create"), {"date": "2027-02-08", "kind": "holiday", "name": "春节"})
    assert response.status_code == 302
    with scopes_disabled():
        item = CalendarDay.objects.get(date=D(2027, 2, 8))
    assert (item.kind, item.name, item.head_office_id, item.created_by) == ("holiday", "春节", county.head_office.pk,
                                                                            county.ada)
    assert "2027-02-08" in client.get(reverse("calendar_day_list")).content.decode()
    client.post(reverse("calendar_day_edit", args=[item.pk]), {"date": "2027-02-08", "kind": "workday", "name": "调休"})
    # the same date twice is refused on the date field
    twice = client.post(reverse("calendar_day_create"), {"date": "2027-02-08", "kind": "holiday", "name": ""})
    assert twice.status_code == 200 and "2027-02-08" in twice.context["form"].errors["date"][0]
    client.post(reverse("calendar_day_delete", args=[item.pk]))
    with scopes_disabled():
        assert not CalendarDay.objects.filter(pk=item.pk).exists()
    entries = _entries(item)
    assert [e.action for e in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE, LogEntry.Action.DELETE]
    assert all(e.actor == county.ada for e in entries)


@pytest.mark.parametrize("who", ["tina", "pat", "tom", "sue", "aude"])
def test_non_admins_get_404_on_the_calendar_pages(client, county, who):
    enter(county, {D(2027, 2, 8): False})
    with scopes_disabled():
        item = CalendarDay.objects.get()
    county.login(client, county[who])
    for name, args in (("calendar_day_list", []), ("calendar_day_create", []), ("calendar_day_edit", [item.pk]),
                       ("calendar_import", [])):
        assert client.get(reverse(name, args=args)).status_code == 404, name
    assert client.post(reverse("calendar_day_create"), {"date": "2027-02-09", "kind": "holiday"}).status_code == 404
    assert client.post(reverse("calendar_day_delete", args=[item.pk])).status_code == 404
    with scopes_disabled():
        assert list(CalendarDay.objects.values_list("date", flat=True)) == [D(2027, 2, 8)]


def _upload(client, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("calendar_import"), {"file": SimpleUploadedFile("2027.xlsx", data)})


def test_the_admin_imports_the_notice_as_a_workbook(client, county):
    enter(county, {D(2027, 2, 6): True})  # entered wrongly by hand: the file corrects it
    rows = [[D(2027, 2, 6) + datetime.timedelta(days=i), "节假日", "春节"] for i in range(9)]
    rows += [["2027-02-20", "调休上班", "春节调休"], ["2027/1/1", "节假日", "元旦"], ["", "", ""]]
    response = _upload(county.login(client, county.ada), workbook_bytes(HEADER, rows))
    assert response.status_code == 302
    overrides = calendar_overrides(head_office_id=county.head_office.pk)
    assert overrides == {**{day: False for day in SPRING_2027}, ADJUSTED_2027: True, D(2027, 1, 1): False}
    with scopes_disabled():
        corrected = CalendarDay.objects.get(date=D(2027, 2, 6))
        created = CalendarDay.objects.get(date=ADJUSTED_2027)
    assert corrected.kind == "holiday" and _entries(corrected)[-1].action == LogEntry.Action.UPDATE
    assert _entries(created)[0].actor == county.ada and created.name == "春节调休"
    assert calendar_warning_year(scope=county.scope(county.ada), today=D(2026, 12, 1)) is None


def test_a_workbook_with_errors_imports_nothing_and_names_row_and_column(client, county):
    rows = [["2027-02-08", "节假日", "春节"], ["2027-02-31", "节假日", "春节"], ["2027-02-09", "休假", "春节"],
            ["2027-02-08", "调休上班", ""]]
    response = _upload(county.login(client, county.ada), workbook_bytes(HEADER, rows))
    assert response.status_code == 200
    errors = [(e["row"], e["column"]) for e in response.context["rows"]]
    assert errors == [(3, "日期"), (4, "类型"), (5, "日期")]
    assert 'id="import-errors"' in response.content.decode()
    with scopes_disabled():
        assert not CalendarDay.objects.exists()


def test_the_import_goes_through_the_upload_hardening(client, county):
    county.login(client, county.ada)
    response = _upload(client, b"not a workbook at all")
    assert response.status_code == 200 and response.context["form"].errors["file"]
    missing = _upload(client, workbook_bytes(["日期", "名称"], [["2027-02-08", "春节"]]))
    assert [(e["row"], e["column"]) for e in missing.context["rows"]] == [(1, "")]
    with scopes_disabled():
        assert not CalendarDay.objects.exists()
