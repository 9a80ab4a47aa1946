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


def add_line(world, home, amount=Decimal(20000), status=LineStatus.ACTIVE, campaign=None) -> CreditLine:
    with scopes_disabled():
        return CreditLine.objects.create(head_office=home.head_office, village=home.village, household=home,
                                         campaign=campaign or world["campaign"], amount=amount, status=status,
                                         effective_on=datetime.date(2026, 12, 4),
                                         expires_on=datetime.date(2028, 12, 3))


@pytest.fixture
def world():
    world = make_lines_world()
    world["line_b"] = add_line(world, world["h_b"])  # bob's village, branch B
    with scopes_disabled():
        world["lines"] = list(CreditLine.objects.filter(village=world["v_a"]).order_by("household__code"))
        world["head"] = world["households"][0].representative
    return world


def test_list_shows_the_scope_lines_with_masked_ids(client, world):
    client.force_login(world["tina"])
    response = client.get("/lines/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert world["households"][0].code in page and world["h_b"].code not in page
    assert world["head"].name in page
    assert mask_id(world["head"].id_number) in page and world["head"].id_number not in page
    assert "50,000.00" in page and "2026-12-04" in page and "2028-12-03" in page
    assert [line.pk for line in response.context["page"].object_list] == [line.pk for line in world["lines"]]


def test_list_for_the_other_branch_and_for_the_supervisor(client, world):
    client.force_login(world["bob"])
    assert [line.pk for line in client.get("/lines/").context["page"].object_list] == [world["line_b"].pk]
    client.force_login(world["sue"])
    assert len(client.get("/lines/").context["page"].object_list) == 5


def test_list_filters_by_village_campaign_and_status(client, world):
    with scopes_disabled():
        CreditLine.objects.filter(pk=world["lines"][0].pk).update(status=LineStatus.REVOKED)
    client.force_login(world["sue"])
    by_village = client.get("/lines/", {"village": world["v_b"].pk}).context["page"].object_list
    assert [line.pk for line in by_village] == [world["line_b"].pk]
    revoked = client.get("/lines/", {"status": "revoked"}).context["page"].object_list
    assert [line.pk for line in revoked] == [world["lines"][0].pk]
    assert len(client.get("/lines/", {"campaign": world["campaign"].pk}).context["page"].object_list) == 5
    assert len(client.get("/lines/", {"campaign": "nonsense", "status": "x"}).context["page"].object_list) == 5
    # An officer cannot filter their way into another branch's village: not a choice, so ignored.
    client.force_login(world["tina"])
    shown = client.get("/lines/", {"village": world["v_b"].pk}).context["page"].object_list
    assert [line.pk for line in shown] == [line.pk for line in world["lines"]]


def test_list_falls_back_to_the_head_when_no_representative_is_set(client, world):
    with scopes_disabled():
        Household.objects.filter(pk=world["households"][0].pk).update(representative=None)
    client.force_login(world["tina"])
    assert world["head"].name in client.get("/lines/").content.decode()


def test_list_query_count_does_not_grow_with_the_lines(client, world, django_assert_num_queries):
    client.force_login(world["sue"])
    client.get("/lines/")  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        client.get("/lines/")
    with scopes_disabled():
        for i in range(20):
            home = HouseholdFactory(village=world["v_a"], code=f"A-9{i:03d}")
            if i % 2:
                Household.objects.filter(pk=home.pk).update(representative=None)
            add_line(world, home)
    with django_assert_num_queries(len(ctx.captured_queries)):
        response = client.get("/lines/")
    assert len(response.context["page"].object_list) == 25


def test_list_is_paginated_by_fifty(client, world):
    with scopes_disabled():
        for i in range(50):
            add_line(world, HouseholdFactory(village=world["v_a"], code=f"A-8{i:03d}"))
    client.force_login(world["tina"])
    first = client.get("/lines/")
    assert len(first.context["page"].object_list) == 50 and first.context["page"].paginator.num_pages == 2
    assert len(client.get("/lines/", {"page": 2}).context["page"].object_list) == 4


def test_detail_shows_the_line_and_its_history(client, world):
    line = world["lines"][0]
    client.force_login(world["tina"])
    response = client.get(f"/lines/{line.pk}/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert str(CreditLineEvent.Kind.CREATED.label) in page and world["notice"].title in page
    assert mask_id(world["head"].id_number) in page and world["head"].id_number not in page
    assert [e.kind for e in response.context["events"]] == [CreditLineEvent.Kind.CREATED]


def test_detail_outside_the_scope_is_404(client, world):
    line = world["lines"][0]
    client.force_login(world["bob"])
    assert client.get(f"/lines/{line.pk}/").status_code == 404
    assert client.get(f"/lines/{world['line_b'].pk}/").status_code == 200
    assert client.get("/lines/999999/").status_code == 404


def test_pages_need_a_login(client, world):
    assert client.get("/lines/").status_code == 302
    assert client.get(f"/lines/{world['lines'][0].pk}/").status_code == 302
