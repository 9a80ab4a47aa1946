"""P5 pages: the lines list (scope, filters, masked ID numbers, constant queries) and a line's detail with its
history; out of scope is 404 (R1); personal data is never cached (R5)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from credit_use.models import CreditLine, CreditLineEvent, LineStatus
from households.models import Household
from households.rules import mask_id
from tests.credit_use.factories import make_lines_world
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def add_line(county, home, amount=Decimal(20000), status=LineStatus.ACTIVE, campaign=None) -> CreditLine:
    with scopes_disabled():
        return CreditLine.objects.create(head_office=home.head_office, village=home.village, household=home,
                                         campaign=campaign or county.campaign, amount=amount, status=status,
                                         effective_on=datetime.date(2026, 12, 4),
                                         expires_on=datetime.date(2028, 12, 3))


@pytest.fixture
def county(county):
    """make_lines_world on the shared county (lines of 东岭村's four households), and a line in 西河村."""
    make_lines_world(county)
    county.line_b = add_line(county, county.h_b)  # bob's village, branch B
    with scopes_disabled():
        county.lines = list(CreditLine.objects.filter(village=county.v_a).order_by("household__code"))
        county.head = county.households[0].representative
    return county


def test_list_shows_the_scope_lines_with_masked_ids(client, county):
    client.force_login(county.tina)
    response = client.get("/lines/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert county.households[0].code in page and county.h_b.code not in page
    assert county.head.name in page
    assert mask_id(county.head.id_number) in page and county.head.id_number not in page
    assert "50,000.00" in page and "2026-12-04" in page and "2028-12-03" in page
    assert [line.pk for line in response.context["page"].object_list] == [line.pk for line in county.lines]


def test_list_for_the_other_branch_and_for_the_supervisor(client, county):
    client.force_login(county.bob)
    assert [line.pk for line in client.get("/lines/").context["page"].object_list] == [county.line_b.pk]
    client.force_login(county.sue)
    assert len(client.get("/lines/").context["page"].object_list) == 5


def test_list_filters_by_village_campaign_and_status(client, county):
    with scopes_disabled():
        CreditLine.objects.filter(pk=county.lines[0].pk).update(status=LineStatus.REVOKED)
    client.force_login(county.sue)
    by_village = client.get("/lines/", {"village": county.v_b.pk}).context["page"].object_list
    assert [line.pk for line in by_village] == [county.line_b.pk]
    revoked = client.get("/lines/", {"status": "revoked"}).context["page"].object_list
    assert [line.pk for line in revoked] == [county.lines[0].pk]
    assert len(client.get("/lines/", {"campaign": county.campaign.pk}).context["page"].object_list) == 5
    assert len(client.get("/lines/", {"campaign": "nonsense", "status": "x"}).context["page"].object_list) == 5
    # An officer cannot filter their way into another branch's village: not a choice, so ignored.
    client.force_login(county.tina)
    shown = client.get("/lines/", {"village": county.v_b.pk}).context["page"].object_list
    assert [line.pk for line in shown] == [line.pk for line in county.lines]


def test_list_falls_back_to_the_head_when_no_representative_is_set(client, county):
    with scopes_disabled():
        Household.objects.filter(pk=county.households[0].pk).update(representative=None)
    client.force_login(county.tina)
    assert county.head.name in client.get("/lines/").content.decode()


def test_list_query_count_does_not_grow_with_the_lines(client, county, django_assert_num_queries):
    client.force_login(county.sue)
    client.get("/lines/")  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        client.get("/lines/")
    with scopes_disabled():
        for i in range(20):
            home = HouseholdFactory(village=county.v_a, code=f"A-9{i:03d}")
            if i % 2:
                Household.objects.filter(pk=home.pk).update(representative=None)
            add_line(county, home)
    with django_assert_num_queries(len(ctx.captured_queries)):
        response = client.get("/lines/")
    assert len(response.context["page"].object_list) == 25


def test_list_is_paginated_by_fifty(client, county):
    with scopes_disabled():
        for i in range(50):
            add_line(county, HouseholdFactory(village=county.v_a, code=f"A-8{i:03d}"))
    client.force_login(county.tina)
    first = client.get("/lines/")
    assert len(first.context["page"].object_list) == 50 and first.context["page"].paginator.num_pages == 2
    assert len(client.get("/lines/", {"page": 2}).context["page"].object_list) == 4


def test_detail_shows_the_line_and_its_history(client, county):
    line = county.lines[0]
    client.force_login(county.tina)
    response = client.get(f"/lines/{line.pk}/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert str(CreditLineEvent.Kind.CREATED.label) in page and county.notice.title in page
    assert mask_id(county.head.id_number) in page and county.head.id_number not in page
    assert [e.kind for e in response.context["events"]] == [CreditLineEvent.Kind.CREATED]


def test_detail_outside_the_scope_is_404(client, county):
    line = county.lines[0]
    client.force_login(county.bob)
    assert client.get(f"/lines/{line.pk}/").status_code == 404
    assert client.get(f"/lines/{county.line_b.pk}/").status_code == 200
    assert client.get("/lines/999999/").status_code == 404


def test_pages_need_a_login(client, county):
    assert client.get("/lines/").status_code == 302
    assert client.get(f"/lines/{county.lines[0].pk}/").status_code == 302
