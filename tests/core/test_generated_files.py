"""Files made by jobs (sunshine_credit.services): the row first, filled by the task; opened only by the user
who asked, within their scope (R1: 404 otherwise); a redelivered job changes nothing; a failure shows."""

import pytest
from django_scopes import scopes_disabled

from sunshine_credit.models import GeneratedFile, Job
from sunshine_credit.scoping import activate, scope_for_user
from sunshine_credit.services import generated_file_request, run_file_job
from tests.factories import staff_for

pytestmark = pytest.mark.django_db

CALLS = []


def render(*, item, scope, progress):
    CALLS.append(item.pk)
    progress(50)
    return b"%PDF-1.7 made for " + str(item.village_id).encode()


def broken(*, item, scope, progress):
    raise RuntimeError("the printer caught fire")


@pytest.fixture
def county(county):
    """The county, and tina's colleague tia, a second officer of 东岭村."""
    with scopes_disabled():
        county.tia = staff_for(county.v_a, user__username="tia").user
    return county


def ask(county, user="tina", village="v_a"):
    """Record a file and its job without sending it (the test runs the job itself)."""
    with scopes_disabled():
        scope = scope_for_user(county[user])
    with activate(scope):
        return generated_file_request(scope=scope, actor=county[user], kind="test", task_name="tests.render_test_file",
                                      title="测试", file_name="t.pdf", content_type="application/pdf",
                                      village=county[village])


def test_job_fills_the_file_once_and_only_the_asker_opens_it(client, county):
    item = ask(county)
    CALLS.clear()
    run_file_job(item.job_id, render)
    run_file_job(item.job_id, render)  # a redelivery: the job is done, nothing is rendered again
    with scopes_disabled():
        item.refresh_from_db()
        assert item.status == GeneratedFile.Status.DONE and item.size > 0 and len(item.sha256) == 64
        assert Job.objects.get(pk=item.job_id).status == Job.Status.DONE
    assert CALLS == [item.pk]
    client.force_login(county.tina)
    page = client.get(f"/files/{item.pk}/")
    assert page.status_code == 200 and 'id="file-download"' in page.content.decode()
    response = client.get(f"/files/{item.pk}/open/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-1.7")
    assert "no-store" in response["Cache-Control"]
    for other in ("tia", "bob"):  # same village, or another branch: not theirs
        client.force_login(county[other])
        assert client.get(f"/files/{item.pk}/").status_code == 404
        assert client.get(f"/files/{item.pk}/open/").status_code == 404


def test_a_file_whose_village_left_the_scope_is_404(client, county):
    item = ask(county)
    run_file_job(item.job_id, render)
    with scopes_disabled():
        county.v_a.officers.remove(county.tina)
    client.force_login(county.tina)
    assert client.get(f"/files/{item.pk}/open/").status_code == 404


def test_a_failed_job_says_so_and_offers_nothing_to_open(client, county):
    item = ask(county)
    with pytest.raises(RuntimeError):
        run_file_job(item.job_id, broken)
    with scopes_disabled():
        item.refresh_from_db()
        assert item.status == GeneratedFile.Status.FAILED
        assert Job.objects.get(pk=item.job_id).status == Job.Status.FAILED
    client.force_login(county.tina)
    page = client.get(f"/files/{item.pk}/")
    assert page.status_code == 200 and "alert-danger" in page.content.decode()
    assert client.get(f"/files/{item.pk}/open/").status_code == 404


def test_a_pending_file_refreshes_its_page(client, county):
    item = ask(county)
    client.force_login(county.tina)
    page = client.get(f"/files/{item.pk}/").content.decode()
    assert 'http-equiv="refresh"' in page and "file-download" not in page
