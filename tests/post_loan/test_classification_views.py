"""C6/C5 pages: the risk classification report and its .xlsx, a village's classified loans, a loan's risk page with
the grade change request, the repayment rate page — 404 outside the scope and for tellers and reviewers (R1), a
fixed number of queries whatever the size of the book, and the request going to the president (R2)."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from post_loan.models import Grade, GradeChange
from post_loan.services.classification import classify_all
from sunshine_credit.models import Approval
from tests.appraisal.factories import reviewer_with_login
from tests.post_loan.classification_world import loan, overdue

PAGES = ["/post-loan/risk/", "/post-loan/risk/export.xlsx", "/post-loan/repayment-rate/"]


def today():
    return timezone.localdate()


def small_book(county, n=1):
    for i in range(n):
        overdue(county, 10 + i, today=today(), amount=10000 + i)
        overdue(county, 100 + i, today=today(), amount=5000, village=county.v_a2, officer=county.ada)
        overdue(county, 400 + i, today=today(), amount=7000, village=county.v_b)
    classify_all(today=today())


@pytest.mark.parametrize("who", ["tina", "pat", "ada", "sue", "aude"])
def test_readers_see_the_pages(client, county, who):
    small_book(county)
    county.login(client, county[who])
    for url in PAGES:
        assert client.get(url).status_code == 200, url


def test_tellers_and_reviewers_get_404(client, county):
    small_book(county)
    with scopes_disabled():
        reviewer = reviewer_with_login(county.branch_a)
    drawdown = overdue(county, 5, today=today())
    for user in (county.tom, reviewer.user):
        county.login(client, user)
        for url in [*PAGES, f"/post-loan/risk/villages/{county.v_a.pk}/", f"/post-loan/risk/loans/{drawdown.pk}/"]:
            assert client.get(url).status_code == 404, url


def test_report_shows_par_of_the_scope_only(client, county):
    small_book(county)
    county.login(client, county.pat)
    html = client.get("/post-loan/risk/").content.decode()
    assert "东岭村" in html and "南坡村" in html and "西河村" not in html
    county.login(client, county.sue)
    response = client.get("/post-loan/risk/")
    assert "西河村" in response.content.decode()
    assert response.context["report"]["total"].outstanding == 22000


def test_export_lists_branches_villages_officers_and_the_total(client, county):
    small_book(county)
    county.login(client, county.pat)
    response = client.get("/post-loan/risk/export.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    names = [row[1] for row in rows[1:]]
    assert "城关支行" in names and "东岭村" in names and "南坡村" in names and "王庄支行" not in names
    total = rows[-1]
    assert (total[3], total[4], float(total[11]), float(total[12])) == (2, 15000, 33.33, 33.33)


def test_village_list_filters_by_grade_and_is_404_outside_the_scope(client, county):
    small_book(county)
    county.login(client, county.tina)
    response = client.get(f"/post-loan/risk/villages/{county.v_a.pk}/")
    assert len(response.context["page"].object_list) == 1
    assert list(client.get(f"/post-loan/risk/villages/{county.v_a.pk}/?grade=3").context["page"].object_list) == []
    special = client.get(f"/post-loan/risk/villages/{county.v_a.pk}/?grade={Grade.SPECIAL}")
    assert len(special.context["page"].object_list) == 1
    assert client.get(f"/post-loan/risk/villages/{county.v_b.pk}/").status_code == 404
    county.login(client, county.pete)
    assert client.get(f"/post-loan/risk/villages/{county.v_a.pk}/").status_code == 404


def _same_queries(client, url, grow):
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    grow()
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)
    assert response.status_code == 200
    assert len(after.captured_queries) == len(before.captured_queries), url
    return response


@pytest.mark.parametrize("url", ["/post-loan/risk/", "/post-loan/repayment-rate/", "village"])
def test_pages_have_a_fixed_number_of_queries(client, county, url, django_assert_num_queries):
    small_book(county)
    county.login(client, county.sue)
    url = f"/post-loan/risk/villages/{county.v_a.pk}/" if url == "village" else url

    def grow():
        small_book(county, 5)
        for i in range(5):
            loan(county, due_on=today() - datetime.timedelta(days=i + 1), officer=county.pat)
        classify_all(today=today())

    _same_queries(client, url, grow)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    with django_assert_num_queries(len(ctx.captured_queries)):
        client.get(url)


def test_risk_page_shows_the_grade_and_history_and_asks_the_president(client, county):
    drawdown = overdue(county, 95, today=today())
    classify_all(today=today())
    county.login(client, county.tina)
    page = client.get(f"/post-loan/risk/loans/{drawdown.pk}/")
    html = page.content.decode()
    assert page.context["grade_label"] == Grade.SUBSTANDARD.label and 'id="grade-change-form"' in html
    assert len(page.context["floors"]) == 2  # 关注 from day 1, 次级 from day 91
    response = client.post(f"/post-loan/risk/loans/{drawdown.pk}/", {"grade": Grade.SPECIAL, "reason": "x"})
    assert response.status_code == 200 and "grade" in response.context["form"].errors  # below the floor
    response = client.post(f"/post-loan/risk/loans/{drawdown.pk}/", {"grade": Grade.DOUBTFUL, "reason": "外出失联"})
    assert response.status_code == 302
    with scopes_disabled():
        change = GradeChange.objects.get(drawdown=drawdown)
        assert change.approval.kind == "grade_change" and change.approval.status == Approval.Status.PENDING
    assert 'id="change-pending"' in client.get(f"/post-loan/risk/loans/{drawdown.pk}/").content.decode()
    county.login(client, county.pat)
    inbox = client.get("/approvals/")
    assert inbox.status_code == 200 and f"/post-loan/risk/loans/{drawdown.pk}/" in inbox.content.decode()


def test_risk_page_is_404_outside_the_scope_and_read_only_for_checkers(client, county):
    mine, theirs = overdue(county, 10, today=today()), overdue(county, 10, today=today(), village=county.v_b)
    county.login(client, county.tina)
    assert client.get(f"/post-loan/risk/loans/{theirs.pk}/").status_code == 404
    assert client.post(f"/post-loan/risk/loans/{theirs.pk}/", {"grade": 4, "reason": "x"}).status_code == 404
    county.login(client, county.pat)
    page = client.get(f"/post-loan/risk/loans/{mine.pk}/")
    assert page.status_code == 200 and 'id="grade-change-form"' not in page.content.decode()
    assert page.context["grade_label"] == Grade.SPECIAL.label  # not classified yet: its floor today
    client.post(f"/post-loan/risk/loans/{mine.pk}/", {"grade": 4, "reason": "x"})
    with scopes_disabled():
        assert GradeChange.objects.count() == 0


def test_repayment_rate_page_defaults_to_this_year_to_date(client, county):
    county.login(client, county.pat)
    response = client.get("/post-loan/repayment-rate/")
    assert (response.context["date_from"], response.context["date_to"]) == (today().replace(month=1, day=1), today())
    response = client.get("/post-loan/repayment-rate/?date_from=2027-01-01&date_to=2026-01-01")
    assert response.status_code == 200 and response.context["form"].errors


def test_risk_page_queries_do_not_grow_with_its_grade_changes(client, county):
    from post_loan.services.classification import grade_change_request
    from sunshine_credit.approvals import approval_decide

    drawdown = overdue(county, 10, today=today())
    classify_all(today=today())
    county.login(client, county.sue)
    url = f"/post-loan/risk/loans/{drawdown.pk}/"

    def grow():
        for grade in (Grade.LOSS, Grade.DOUBTFUL, Grade.SUBSTANDARD):
            change = grade_change_request(scope=county.scope(county.tina), actor=county.tina, drawdown_id=drawdown.pk,
                                          grade=grade, reason="复核")
            approval_decide(scope=county.scope(county.pat), actor=county.pat, approval_id=change.approval_id,
                            approve=True)

    response = _same_queries(client, url, grow)
    assert len(response.context["changes"]) == 3


def test_a_repaid_loan_s_page_says_so_and_offers_no_request(client, county):
    from credit_use.models import Drawdown

    drawdown = loan(county, due_on=today() - datetime.timedelta(days=3), status=Drawdown.Status.REPAID)
    county.login(client, county.tina)
    page = client.get(f"/post-loan/risk/loans/{drawdown.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="not-in-book"' in html and 'id="grade-change-form"' not in html
    client.post(f"/post-loan/risk/loans/{drawdown.pk}/", {"grade": 4, "reason": "x"})
    with scopes_disabled():
        assert GradeChange.objects.count() == 0
