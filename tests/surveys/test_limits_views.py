"""L7 in the UI: a maker starts the campaign's computation and sees its progress; scoped (R1)."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from sunshine_credit.models import Job
from surveys.models import LimitResult

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campaign_stage")]


def start(client, county):
    return client.post(reverse("surveys:limits_compute_start", args=[county.campaign.pk]), {"confirmed": "1"})


def test_officer_computes_own_villages_and_sees_the_finished_job(client, county, django_capture_on_commit_callbacks):
    client.force_login(county.olga)
    detail = client.get(reverse("surveys:campaign_detail", args=[county.campaign.pk])).content.decode()
    assert 'id="compute-limits"' in detail
    with django_capture_on_commit_callbacks(execute=True):
        response = start(client, county)
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/compute/{job.pk}/")
    page = client.get(response["Location"]).content.decode()
    assert 'id="job-done"' in page and 'data-progress="100"' in page
    with scopes_disabled():
        # Branch A's household is computed (incomplete: no questionnaires); branch B's is not touched.
        assert list(LimitResult.objects.values_list("household_id", "status")) == [(county.h_a.pk, "incomplete")]


def test_the_job_page_is_404_for_anyone_but_its_starter(client, county, django_capture_on_commit_callbacks):
    client.force_login(county.olga)
    with django_capture_on_commit_callbacks(execute=True):
        url = start(client, county)["Location"]
    for other in ("bob", "tina", "sue"):
        client.force_login(county[other])
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("who", ["sue", "pat"])
def test_read_only_roles_cannot_start_a_computation(client, county, who):
    client.force_login(county[who])
    assert 'id="compute-limits"' not in client.get(
        reverse("surveys:campaign_detail", args=[county.campaign.pk])).content.decode()
    assert start(client, county).status_code == 404
    assert not Job.objects.exists()


def test_computing_the_campaign_asks_first(client, county, django_capture_on_commit_callbacks):
    """Issue 15 item 5: without confirmed=1 the page says how many villages and households, and nothing starts."""
    from tests.surveys.campaign_world import zh
    client.force_login(county.olga)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("surveys:limits_compute_start", args=[county.campaign.pk]))
    assert page.status_code == 200
    with scopes_disabled():
        from households.models import Household
        from sunshine_credit.scoping import scope_for_user
        village_ids = scope_for_user(county.olga).village_ids  # olga's own village, 东岭村
        villages, households = len(village_ids), Household.objects.filter(village_id__in=village_ids).count()
    assert (villages, households) == (1, 1)
    text = page.content.decode()
    assert zh("The system will compute the pre-credit limits of %(households)d households in %(villages)d "
              "villages; their earlier results are replaced.", households=households, villages=villages) in text
    assert 'name="confirmed" value="1"' in text
    assert not Job.objects.exists() and not LimitResult.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = start(client, county)
    assert response.status_code == 302 and Job.objects.count() == 1
