"""Issue 18: the failed-jobs page tells a job whose input was refused (the user must upload again: no "send again", and
the service refuses it) from one stopped by the infrastructure (database, disk, a lost worker), which "send again"
really runs again from the import's stored file."""

import errno
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from households.models import Household, RosterImport
from households.services.roster import roster_import_confirm, roster_import_upload
from households.tasks import apply_roster, validate_roster
from sunshine_credit import jobs
from sunshine_credit.errors import Refusal, RuleViolation
from sunshine_credit.import_jobs import INTERRUPTED
from sunshine_credit.lib.excel import UploadRefused
from sunshine_credit.models import GeneratedFile, Job
from sunshine_credit.scoping import activate, scope_for_user
from sunshine_credit.services import failed_job_retry
from tests.factories import make_id_number
from tests.households.roster_files import roster_bytes, roster_row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_second_factor(settings, tmp_path):
    settings.OTP_REQUIRED_ROLES = frozenset()
    settings.MEDIA_ROOT = tmp_path


def upload(county, rows=None, django_capture_on_commit_callbacks=None):
    """tina's roster upload, its check job recorded but not run (the test runs it)."""
    rows = rows or [roster_row("BRA", "BRAV01", "BRAV01-901", "王一", make_id_number(), village_name="东岭村")]
    scope = scope_for_user(county.tina)
    with django_capture_on_commit_callbacks(execute=False), activate(scope):
        return roster_import_upload(scope=scope, actor=county.tina, name="花名册.xlsx", data=roster_bytes(rows))


def run_failing(task, job_id, monkeypatch, target: str, exc: Exception):
    """Run the job with `target` raising `exc` (the job records its failure and re-raises)."""
    def boom(*args, **kwargs):
        raise exc

    with monkeypatch.context() as patch:
        patch.setattr(target, boom)
        with pytest.raises(type(exc)):
            task(job_id)


def reload(*rows):
    with scopes_disabled():
        for row in rows:
            row.refresh_from_db()
    return rows


def retry(client, county, job_id, django_capture_on_commit_callbacks):
    client.force_login(county.ada)
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("failed_job_retry", args=[job_id]), follow=True)


def page_row(client, county, job_id) -> Job:
    client.force_login(county.ada)
    response = client.get(reverse("failed_job_list"))
    row = next(job for job in response.context["jobs"] if job.pk == job_id)
    html = response.content.decode()
    row.has_button = reverse("failed_job_retry", args=[job_id]) in html
    return row


def job_audits() -> int:
    return LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Job)).count()


@pytest.mark.parametrize("exc, refused", [
    (Refusal("no"), True), (UploadRefused("bad file"), True), (RuleViolation("G2", "too many"), True),
    (PermissionDenied("not yours"), True), (ValidationError("bad"), True),
    (OperationalError("database is locked"), False), (OSError(errno.ENOSPC, "No space left on device"), False),
    (ConnectionError("redis down"), False), (RuntimeError("bug"), False),
])
def test_a_failure_is_refused_only_for_a_rule_that_said_no(county, exc, refused):
    job = Job.objects.create(task_name="households.validate_roster", status=Job.Status.RUNNING)
    jobs.job_fail(job.pk, exc)
    job.refresh_from_db()
    assert (job.status, job.refused, job.error) == (Job.Status.FAILED, refused, repr(exc))
    assert jobs.is_refusal(exc) is refused


def test_a_check_stopped_by_the_database_runs_again_from_its_stored_file(
        client, county, monkeypatch, django_capture_on_commit_callbacks):
    item = upload(county, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    run_failing(validate_roster, item.job_id, monkeypatch, "households.services.roster.roster_validate",
                OperationalError("could not connect to server"))
    job = Job.objects.get(pk=item.job_id)
    (item,) = reload(item)
    assert job.status == Job.Status.FAILED and not job.refused
    # the user's import is not left waiting: refused for now, but its file is kept for the administrator's retry
    assert item.status == RosterImport.Status.INVALID and item.summary[INTERRUPTED] == "validating"
    assert item.file and item.file.storage.exists(item.file.name)
    row = page_row(client, county, job.pk)
    assert row.no_retry == "" and row.has_button

    response = retry(client, county, job.pk, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    job.refresh_from_db()
    (item,) = reload(item)
    assert (job.status, job.attempts, job.error) == (Job.Status.DONE, 1, "")
    assert item.status == RosterImport.Status.VALID and item.errors == [] and INTERRUPTED not in item.summary
    assert job_audits() == 1


def test_a_write_stopped_by_a_full_disk_runs_again_and_writes(
        client, county, monkeypatch, django_capture_on_commit_callbacks):
    item = upload(county, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    validate_roster(item.job_id)
    scope = scope_for_user(county.tina)
    with django_capture_on_commit_callbacks(execute=False), activate(scope):
        item = roster_import_confirm(scope=scope, actor=county.tina, item=RosterImport.objects.get(pk=item.pk))
    run_failing(apply_roster, item.job_id, monkeypatch, "households.services.roster.roster_apply",
                OSError(errno.ENOSPC, "No space left on device"))
    (item,) = reload(item)
    assert item.status == RosterImport.Status.INVALID and item.summary[INTERRUPTED] == "applying" and item.file
    with scopes_disabled():
        assert not Household.objects.filter(code="BRAV01-901").exists()

    retry(client, county, item.job_id, django_capture_on_commit_callbacks)
    (item,) = reload(item)
    assert item.status == RosterImport.Status.APPLIED and not item.file  # written; the file goes once done
    assert Job.objects.get(pk=item.job_id).status == Job.Status.DONE
    with scopes_disabled():
        assert Household.objects.filter(code="BRAV01-901").exists()


def test_a_write_whose_worker_was_killed_every_time_runs_again(
        client, county, settings, django_capture_on_commit_callbacks):
    """The worker was lost JOB_MAX_ATTEMPTS times (the sweep gave up): the import still waits in its stage, with its
    file; "send again" writes it."""
    item = upload(county, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    validate_roster(item.job_id)
    scope = scope_for_user(county.tina)
    with django_capture_on_commit_callbacks(execute=False), activate(scope):
        item = roster_import_confirm(scope=scope, actor=county.tina, item=RosterImport.objects.get(pk=item.pk))
    lost = timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS + 60)
    Job.objects.filter(pk=item.job_id).update(status=Job.Status.RUNNING, heartbeat_at=lost, started_at=lost,
                                              attempts=settings.JOB_MAX_ATTEMPTS, sent_at=lost)
    jobs.job_resend_stale()
    job = Job.objects.get(pk=item.job_id)
    (item,) = reload(item)
    assert job.status == Job.Status.FAILED and not job.refused and "worker lost" in job.error
    assert item.status == RosterImport.Status.APPLYING and item.file
    assert page_row(client, county, job.pk).has_button

    retry(client, county, job.pk, django_capture_on_commit_callbacks)
    (item,) = reload(item)
    assert item.status == RosterImport.Status.APPLIED
    with scopes_disabled():
        assert Household.objects.filter(code="BRAV01-901").exists()


def test_a_refused_input_shows_why_has_no_button_and_is_never_sent_again(
        client, county, monkeypatch, django_capture_on_commit_callbacks):
    item = upload(county, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    run_failing(validate_roster, item.job_id, monkeypatch, "households.services.roster.roster_validate",
                UploadRefused("这不是 Excel 文件"))
    job = Job.objects.get(pk=item.job_id)
    (item,) = reload(item)
    assert job.status == Job.Status.FAILED and job.refused
    assert item.status == RosterImport.Status.INVALID and INTERRUPTED not in item.summary
    assert item.errors[0]["message"] == "这不是 Excel 文件" and not item.file  # personal data: the file goes
    row = page_row(client, county, job.pk)
    assert row.no_retry == str(jobs.REFUSED_JOB) and not row.has_button

    response = retry(client, county, job.pk, django_capture_on_commit_callbacks)
    assert str(jobs.REFUSED_JOB) in response.content.decode()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job_audits() == 0
    scope = scope_for_user(county.ada)
    with activate(scope), pytest.raises(Refusal) as refused:
        failed_job_retry(scope=scope, actor=county.ada, job_id=job.pk)
    assert refused.value.code == "job_refused"


def test_a_file_refused_for_its_rows_is_not_sent_again_even_when_its_job_failed_later(
        client, county, django_capture_on_commit_callbacks):
    """Bad rows: the check refuses the file (its job is done, the file discarded); were that job later marked failed
    (its worker lost after the check), sending it again would change nothing: the user must upload again."""
    bad = [roster_row("BRA", "BRAV01", "BRAV01-902", "王二", "123", village_name="东岭村")]
    item = upload(county, bad, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    validate_roster(item.job_id)
    (item,) = reload(item)
    assert item.status == RosterImport.Status.INVALID and item.errors and not item.file
    Job.objects.filter(pk=item.job_id).update(status=Job.Status.FAILED, error="worker lost 3 times; given up")
    row = page_row(client, county, item.job_id)
    assert "内容有误被拒绝" in row.no_retry and not row.has_button  # the page speaks Chinese

    response = retry(client, county, item.job_id, django_capture_on_commit_callbacks)
    assert "内容有误被拒绝" in response.content.decode()
    assert Job.objects.get(pk=item.job_id).status == Job.Status.FAILED and job_audits() == 0  # rolled back
    (item,) = reload(item)
    assert item.status == RosterImport.Status.INVALID


def test_an_interrupted_import_whose_file_is_gone_is_not_sent_again(
        client, county, monkeypatch, django_capture_on_commit_callbacks):
    item = upload(county, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    run_failing(validate_roster, item.job_id, monkeypatch, "households.services.roster.roster_validate",
                OperationalError("server closed the connection"))
    (item,) = reload(item)
    item.file.storage.delete(item.file.name)  # the row still names it: the page cannot tell, the service can
    scope = scope_for_user(county.ada)
    with activate(scope), pytest.raises(Refusal) as refused:
        failed_job_retry(scope=scope, actor=county.ada, job_id=item.job_id)
    assert refused.value.code == "job_import_refused"
    assert Job.objects.get(pk=item.job_id).status == Job.Status.FAILED


def test_an_import_already_applied_is_not_sent_again(client, county, django_capture_on_commit_callbacks):
    item = upload(county, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    validate_roster(item.job_id)
    Job.objects.filter(pk=item.job_id).update(status=Job.Status.FAILED, error="worker lost 3 times; given up")
    row = page_row(client, county, item.job_id)  # checked, waiting for the user's confirmation: nothing to run
    assert "该导入已经结束" in row.no_retry and not row.has_button


def test_a_refused_file_job_has_no_button_and_an_infrastructure_one_has(client, county):
    with scopes_disabled():
        refused = Job.objects.create(task_name="surveys.render_blank_questionnaires", status=Job.Status.FAILED,
                                     kwargs={"file_id": 0}, created_by=county.pat, error="Refusal('no')", refused=True)
        broken = Job.objects.create(task_name="surveys.render_blank_questionnaires", status=Job.Status.FAILED,
                                    kwargs={"file_id": 0}, created_by=county.pat, error="OperationalError()")
        for job in (refused, broken):
            GeneratedFile.objects.create(head_office=county.head_office, kind="probe", title="t", file_name="t.pdf",
                                         content_type="application/pdf", status=GeneratedFile.Status.FAILED, job=job,
                                         created_by=county.pat, finished_at=timezone.now())
    assert not page_row(client, county, refused.pk).has_button
    assert page_row(client, county, broken.pk).has_button
    assert not jobs.job_retry(refused.pk)  # the conditional UPDATE refuses it too
    assert jobs.job_retry(broken.pk)
