"""P1–P3 pages and the `render_board` command: publish one board or a campaign's, progress, the archived PDF,
scope (R1) on every page, no N+1 on the list."""

import hashlib
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from appraisal.models import Panel
from publicity.models import Notice
from sunshine_credit.models import Job
from tests.appraisal.factories import PanelFactory, make_panel_world
from tests.factories import VillageFactory

from .test_publish import grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(county):
    """东岭村's signed panel (make_panel_world) over four households granted by `grant`."""
    make_panel_world(county, households=4, status=Panel.Status.SIGNED)
    grant(county)
    return county


def post_publish(client, county, user="tina"):
    client.force_login(county[user])
    return client.post(f"/publicity/panels/{county.panel.pk}/publish/", {"confirmed": "1"})


def test_the_officer_publishes_from_the_boards_page_and_sees_the_printed_board(
        client, county, django_capture_on_commit_callbacks):
    client.force_login(county.tina)
    page = client.get(f"/publicity/?campaign={county.campaign.pk}")
    assert page.status_code == 200 and f"/publicity/panels/{county.panel.pk}/publish/" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_publish(client, county)
    with scopes_disabled():
        notice = Notice.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/publicity/notices/{notice.pk}/"
    detail = client.get(response["Location"])
    assert detail.status_code == 200 and detail["Cache-Control"].startswith("max-age=0")
    assert "农*1" in detail.content.decode() and notice.sha256 in detail.content.decode()
    pdf = client.get(f"/publicity/notices/{notice.pk}/board.pdf")
    body = b"".join(pdf.streaming_content)
    assert pdf["Content-Type"] == "application/pdf" and hashlib.sha256(body).hexdigest() == notice.sha256


def test_while_printing_the_pages_refresh_themselves(client, county, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        post_publish(client, county)
    with scopes_disabled():
        notice = Notice.objects.get()
    assert 'http-equiv="refresh"' in client.get(f"/publicity/notices/{notice.pk}/").content.decode()
    assert 'http-equiv="refresh"' in client.get(f"/publicity/?campaign={county.campaign.pk}").content.decode()


def test_pages_outside_the_scope_answer_404_and_write_nothing(client, county, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_publish(client, county)
    with scopes_disabled():
        notice = Notice.objects.get()
    client.force_login(county.bob)
    assert client.post(f"/publicity/panels/{county.panel.pk}/publish/", {"confirmed": "1"}).status_code == 404
    for url in (f"/publicity/notices/{notice.pk}/", f"/publicity/notices/{notice.pk}/board.pdf"):
        assert client.get(url).status_code == 404
    assert client.post(f"/publicity/notices/{notice.pk}/retry/").status_code == 404
    page = client.get(f"/publicity/?campaign={county.campaign.pk}").content.decode()
    assert county.v_a.name not in page and county.v_b.name in page


def test_bob_cannot_publish_tinas_village(client, county):
    response = post_publish(client, county, "bob")
    assert response.status_code == 404
    with scopes_disabled():
        assert not Notice.objects.exists()


def test_the_president_reads_but_does_not_publish(client, county):
    response = post_publish(client, county, "pat")
    assert response.status_code == 302
    with scopes_disabled():
        assert not Notice.objects.exists()
    assert "/publish/" not in client.get(f"/publicity/?campaign={county.campaign.pk}").content.decode()


def test_campaign_publish_publishes_each_village_as_its_own_job(client, county, django_capture_on_commit_callbacks):
    with scopes_disabled():  # tina's other village, 南坡村, has a signed panel too
        PanelFactory(campaign=county.campaign, village=county.v_a2, status=Panel.Status.SIGNED)
    officer = county.tina
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/publicity/campaigns/{county.campaign.pk}/publish/", {"confirmed": "1"},
                               follow=True)
    with scopes_disabled():
        notices = list(Notice.objects.all())
    # 南坡村 has no granted household: left unpublished; 东岭村 published with its own printing job — both in
    # the background job the request sent.
    assert [n.village_id for n in notices] == [county.v_a.pk] and notices[0].job_id
    assert notices[0].status == Notice.Status.PUBLISHED
    assert response.status_code == 200 and len(list(response.context["messages"])) == 1
    with scopes_disabled():
        publish_job = Job.objects.get(task_name="publicity.publish_campaign")
    assert publish_job.status == Job.Status.DONE and publish_job.created_by == officer


def test_boards_list_query_count_does_not_grow_with_villages(client, county, django_assert_num_queries,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_publish(client, county, "tina")
    client.force_login(county.ada)
    url = f"/publicity/?campaign={county.campaign.pk}"
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    baseline = len(ctx.captured_queries)
    with scopes_disabled():
        first = Notice.objects.get()
        for i in range(5):
            village = VillageFactory(branch=county.v_a.branch)
            panel = PanelFactory(campaign=county.campaign, village=village, status=Panel.Status.SIGNED)
            Notice.objects.create(head_office=first.head_office, village=village, kind=first.kind,
                                  campaign=county.campaign, panel=panel, title=first.title, starts_on=first.starts_on,
                                  ends_on=first.ends_on, public_token=f"t{i}", published_by=county.tina)
    with django_assert_num_queries(baseline):
        page = client.get(url)
    assert len(page.context["panels"]) == 7


def test_render_board_publishes_then_writes_the_archived_board(county, tmp_path, django_capture_on_commit_callbacks):
    out, stdout = tmp_path / "board.pdf", StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("render_board", county.campaign.code, county.v_a.code, "--out", str(out),
                     "--user", county.tina.username, "--starts-on", "2026-12-07", "--json", stdout=stdout)
    first = json.loads(stdout.getvalue())
    with scopes_disabled():
        notice = Notice.objects.get()
    assert first["ok"] and first["published_now"] and first["households"] == 3
    assert first["starts_on"] == "2026-12-07" and first["sha256"] == notice.sha256
    assert hashlib.sha256(out.read_bytes()).hexdigest() == notice.sha256
    # Again (as the system, no user): the archived board, unchanged.
    stdout = StringIO()
    call_command("render_board", county.campaign.code, county.v_a.code, "--out", str(tmp_path / "again.pdf"),
                 "--json", stdout=stdout)
    again = json.loads(stdout.getvalue())
    assert again["published_now"] is False and again["sha256"] == notice.sha256
    assert (tmp_path / "again.pdf").read_bytes() == out.read_bytes()


def test_render_board_refuses_an_unsigned_panel_and_usage_errors(county, tmp_path):
    with scopes_disabled():
        Panel.objects.filter(pk=county.panel.pk).update(status=Panel.Status.CLOSED)
    stdout = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("render_board", county.campaign.code, county.v_a.code, "--out", str(tmp_path / "x.pdf"),
                     "--user", county.tina.username, "--json", stdout=stdout)
    assert exit_.value.code == 1 and json.loads(stdout.getvalue())["ok"] is False
    assert not (tmp_path / "x.pdf").exists()
    for args in (["--out", str(tmp_path / "x.pdf"), "--json"],  # not published and no --user
                 ["--out", str(tmp_path / "x.txt"), "--json"],
                 ["--out", str(tmp_path / "x.pdf"), "--user", county.bob.username, "--json"]):
        with pytest.raises(SystemExit) as exit_:
            call_command("render_board", county.campaign.code, county.v_a.code, *args, stdout=StringIO())
        assert exit_.value.code == 2


def on_board(county) -> int:
    """The households 东岭村's board shows (granted, consenting, archived; 3 of the 4 here)."""
    from publicity.selectors import board_rows
    with scopes_disabled():
        n = len(board_rows(campaign_id=county.campaign.pk, village_id=county.v_a.pk))
    assert n > 0
    return n


def test_publishing_a_board_asks_first(client, county, django_capture_on_commit_callbacks):
    """Issue 15 item 5: without confirmed=1 the page says how many households for how many days; nothing published."""
    from tests.surveys.campaign_world import zh
    client.force_login(county.tina)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(f"/publicity/panels/{county.panel.pk}/publish/")
    assert page.status_code == 200
    text = page.content.decode()
    assert zh("%(households)d households will be shown on the village's board for %(days)d days; the board "
              "cannot be withdrawn.", households=on_board(county), days=county.campaign.notice_days) in text
    assert 'name="confirmed" value="1"' in text
    with scopes_disabled():
        assert not Notice.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert post_publish(client, county).status_code == 302
    with scopes_disabled():
        assert Notice.objects.count() == 1


def test_publishing_the_campaign_asks_first(client, county, django_capture_on_commit_callbacks):
    from tests.surveys.campaign_world import zh
    with scopes_disabled():  # tina's other village, 南坡村, has a signed panel too, with no granted household
        PanelFactory(campaign=county.campaign, village=county.v_a2, status=Panel.Status.SIGNED)
    client.force_login(county.tina)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(f"/publicity/campaigns/{county.campaign.pk}/publish/")
    text = page.content.decode()
    assert page.status_code == 200
    assert zh("%(villages)d villages' boards will be published: %(households)d households shown for %(days)d "
              "days; the boards cannot be withdrawn.", villages=1, households=on_board(county),
              days=county.campaign.notice_days) in text
    assert zh("%(name)s: %(n)d households", name=county.v_a.name, n=on_board(county)) in text
    assert zh("%(name)s: no household to show; it stays unpublished.", name=county.v_a2.name) in text
    with scopes_disabled():
        assert not Notice.objects.exists() and not Job.objects.exists()
