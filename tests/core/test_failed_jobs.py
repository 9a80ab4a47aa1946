"""Issue 18.6: the administrator's failed jobs page: their head office's failed and stale running jobs only (404 for
every other role and for another head office's job), errors masked (R4), and "send again" that runs the job once,
through the jobs' own send path, audited."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from households.models import RosterImport
from households.services.roster import roster_import_upload
from sunshine_credit import jobs
from sunshine_credit.models import GeneratedFile, Job, Role
from sunshine_credit.scoping import activate, scope_for_user
from tests.factories import HeadOfficeFactory, StaffFactory, make_id_number
from tests.households.roster_files import roster_bytes, roster_row

ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.OTP_REQUIRED_ROLES = frozenset()


def failed(user, *, task="households.validate_roster", error=f"ValueError('{ID_NUMBER} {PHONE}')", **fields):
    fields.setdefault("status", Job.Status.FAILED)
    fields.setdefault("finished_at", timezone.now())
    return Job.objects.create(task_name=task, kwargs={"import_id": 0}, created_by=user, error=error, attempts=1,
                              **fields)


def stale_running(user):
    lost = timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS + 60)
    return Job.objects.create(task_name="publicity.render_notice", kwargs={"notice_id": 0}, created_by=user,
                              status=Job.Status.RUNNING, started_at=lost, heartbeat_at=lost, attempts=1)


@pytest.fixture
def other_admin(db):
    return StaffFactory(branch=None, head_office=HeadOfficeFactory(code="HQ2", name="丙州农商行"), role=Role.ADMIN).user


@pytest.fixture
def world(county, other_admin):
    """Jobs of the county's head office in every state, and a failed one of another head office."""
    with scopes_disabled():
        rows = {
            "failed": failed(county.tina),
            "stale": stale_running(county.bob),
            "system": Job.objects.create(task_name="surveys.compute_limits", status=Job.Status.FAILED,
                                         kwargs={"campaign_id": 0, "head_office_id": county.head_office.pk}),
            "done": Job.objects.create(task_name="publicity.render_notice", created_by=county.tina,
                                       status=Job.Status.DONE),
            "pending": Job.objects.create(task_name="publicity.render_notice", created_by=county.tina),
            "running": Job.objects.create(task_name="publicity.render_notice", created_by=county.tina,
                                          status=Job.Status.RUNNING, heartbeat_at=timezone.now()),
            "theirs": failed(other_admin),
            "theirs_system": Job.objects.create(task_name="surveys.compute_limits", status=Job.Status.FAILED,
                                                kwargs={"head_office_id": county.head_office.pk + 1000}),
        }
        file_job = failed(county.pat, task="surveys.render_blank_questionnaires")
        GeneratedFile.objects.create(head_office=county.head_office, kind="probe", title="t", file_name="t.pdf",
                                     content_type="application/pdf", status=GeneratedFile.Status.FAILED, job=file_job,
                                     created_by=county.pat)
        rows["file"] = file_job
    return rows


def listed(client) -> set[int]:
    response = client.get(reverse("failed_job_list"))
    assert response.status_code == 200
    return {job.pk for job in response.context["jobs"]}


@pytest.mark.django_db
def test_the_admin_sees_the_failed_and_stale_jobs_of_their_head_office_only(client, county, world):
    client.force_login(county.ada)
    shown = listed(client)
    assert shown == {world[k].pk for k in ("failed", "stale", "system", "file")}
    page = client.get(reverse("failed_job_list")).content.decode()
    assert f"#{world['failed'].pk}" in page and f"#{world['theirs'].pk}" not in page


@pytest.mark.django_db
def test_the_error_is_masked_and_the_task_has_a_label(client, county, world):
    client.force_login(county.ada)
    response = client.get(reverse("failed_job_list"))
    page = response.content.decode()
    assert ID_NUMBER not in page and PHONE not in page
    assert "110105********002X" in page and "138****5678" in page
    row = next(job for job in response.context["jobs"] if job.pk == world["failed"].pk)
    assert row.label == str(jobs.TASK_LABELS["households.validate_roster"])
    assert jobs.task_label("someapp.unknown_task") == "someapp.unknown_task"


@pytest.mark.django_db
def test_a_job_becomes_stale_only_past_the_stale_limit(client, county):
    """The boundary of "worker lost": a heartbeat just inside JOB_STALE_SECONDS is a live worker's."""
    with scopes_disabled():
        lost, alive = stale_running(county.tina), stale_running(county.tina)
        now = timezone.now()
        Job.objects.filter(pk=lost.pk).update(heartbeat_at=now - timedelta(seconds=settings.JOB_STALE_SECONDS + 5))
        Job.objects.filter(pk=alive.pk).update(heartbeat_at=now - timedelta(seconds=settings.JOB_STALE_SECONDS - 5))
    client.force_login(county.ada)
    assert listed(client) == {lost.pk}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["sue", "aude", "tina", "pat", "tom"])
def test_every_other_role_gets_404(client, county, world, who):
    client.force_login(county[who])
    assert client.get(reverse("failed_job_list")).status_code == 404
    assert client.post(reverse("failed_job_retry", args=[world["failed"].pk])).status_code == 404
    assert Job.objects.get(pk=world["failed"].pk).status == Job.Status.FAILED


@pytest.mark.django_db
def test_the_page_takes_a_fixed_number_of_queries(client, county, world, django_assert_num_queries):
    client.force_login(county.ada)
    client.get(reverse("failed_job_list"))  # sessions, content types: warm
    with django_assert_num_queries(QUERIES):
        assert client.get(reverse("failed_job_list")).status_code == 200
    with scopes_disabled():
        for _ in range(20):
            failed(county.tina)
            stale_running(county.pat)
    with django_assert_num_queries(QUERIES):
        response = client.get(reverse("failed_job_list"))
    assert len(response.context["jobs"]) == 44


# session, user, staff profile and its head office, the scope (branches, villages), COUNT, the page (with askers), and
# the imports of the page's import jobs (one statement for every import model: can each run again?)
QUERIES = 8


@pytest.mark.django_db
def test_another_head_offices_job_is_404_and_untouched(client, county, world):
    client.force_login(county.ada)
    for key in ("theirs", "theirs_system"):
        response = client.post(reverse("failed_job_retry", args=[world[key].pk]))
        assert response.status_code == 404
        assert Job.objects.get(pk=world[key].pk).status == Job.Status.FAILED
    assert client.post(reverse("failed_job_retry", args=[2_000_000_000])).status_code == 404
    assert not LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Job)).exists()


@pytest.mark.django_db
def test_retry_needs_a_post(client, county, world):
    client.force_login(county.ada)
    assert client.get(reverse("failed_job_retry", args=[world["failed"].pk])).status_code == 405


@pytest.fixture
def failed_roster_check(county, django_capture_on_commit_callbacks):
    """A roster upload whose check job died on an error before it did anything (its import still waits)."""
    rows = [roster_row("BRA", "BRAV01", "BRAV01-001", "王一", make_id_number(), village_name="东岭村")]
    scope = scope_for_user(county.tina)
    with django_capture_on_commit_callbacks(execute=False), activate(scope):
        item = roster_import_upload(scope=scope, actor=county.tina, name="花名册.xlsx", data=roster_bytes(rows))
    with scopes_disabled():
        Job.objects.filter(pk=item.job_id).update(status=Job.Status.FAILED, attempts=1, finished_at=timezone.now(),
                                                  error=f"OperationalError('{ID_NUMBER} {PHONE}')", sent_at=timezone.now())
    return item


@pytest.mark.django_db
def test_retry_runs_the_job_once_and_is_audited(client, county, failed_roster_check,
                                                django_capture_on_commit_callbacks):
    item = failed_roster_check
    client.force_login(county.ada)
    url = reverse("failed_job_retry", args=[item.job_id])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("failed_job_list")
    assert len(callbacks) == 1
    with scopes_disabled():
        job = Job.objects.get(pk=item.job_id)
        item.refresh_from_db()
    assert (job.status, job.error, job.attempts) == (Job.Status.DONE, "", 1)  # one fresh run
    assert item.status == RosterImport.Status.VALID
    [entry] = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Job), object_pk=str(job.pk))
    assert entry.actor == county.ada and entry.action == LogEntry.Action.UPDATE
    assert entry.changes_dict["status"] == ["failed", "pending"]
    assert ID_NUMBER not in entry.changes_text + str(entry.changes) and PHONE not in str(entry.changes)

    # A second click (or a second administrator): nothing is sent and nothing audited.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, follow=True)
    assert response.status_code == 200 and not callbacks
    assert LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Job)).count() == 1
    with scopes_disabled():
        assert Job.objects.get(pk=item.job_id).status == Job.Status.DONE


@pytest.mark.django_db
def test_retry_sends_through_job_send_after_commit(county, world, monkeypatch, django_capture_on_commit_callbacks):
    """A stale running job is sent again too; its file (if it makes one) waits again; the broker only sees it once
    the transaction commits (R8)."""
    from sunshine_credit.services import failed_job_retry

    sent = []
    monkeypatch.setattr(jobs, "job_send", lambda *, job_id: sent.append(job_id) or True)
    scope = scope_for_user(county.ada)
    with django_capture_on_commit_callbacks(execute=True), activate(scope):
        assert failed_job_retry(scope=scope, actor=county.ada, job_id=world["stale"].pk)
        assert failed_job_retry(scope=scope, actor=county.ada, job_id=world["file"].pk)
        assert sent == []
        assert not failed_job_retry(scope=scope, actor=county.ada, job_id=world["pending"].pk)
        assert not failed_job_retry(scope=scope, actor=county.ada, job_id=world["running"].pk)
    assert sent == [world["stale"].pk, world["file"].pk]
    with scopes_disabled():
        stale = Job.objects.get(pk=world["stale"].pk)
        assert (stale.status, stale.sent_at, stale.attempts, stale.heartbeat_at) == (Job.Status.PENDING, None, 0, None)
        assert GeneratedFile.objects.get(job=world["file"]).status == GeneratedFile.Status.PENDING
