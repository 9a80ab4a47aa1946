"""P1–P3: publishing a village's board — who may, what it lists, the archived snapshot and items, the job."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django_scopes import scopes_disabled

from appraisal.models import Decision, Panel
from publicity.models import ItemStatus, Notice, NoticeItem
from publicity.services import PublishRefused, notice_render, publish_campaign, publish_precredit
from sunshine_credit.models import Job
from sunshine_credit.scoping import activate, scope_for_user
from tests.appraisal.factories import make_panel_world

pytestmark = pytest.mark.django_db


def grant(county, *, consent=(True, True, True, False), amounts=(50000, 61000, 72000, 83000)):
    with scopes_disabled():
        for home, ok, amount in zip(county.households, consent, amounts, strict=True):
            home.publicity_consent = ok
            home.save()
            Decision.objects.create(campaign=county.campaign, panel=county.panel, household=home,
                                    computed_status="granted", status="granted", amount=Decimal(amount), rating=1)


@pytest.fixture
def county(county):
    """东岭村's signed panel (make_panel_world) over four households granted by `grant`."""
    make_panel_world(county, households=4, status=Panel.Status.SIGNED)
    grant(county)
    return county


def publish(county, user="tina", **kwargs):
    scope = scope_for_user(county[user])
    with activate(scope):
        return publish_precredit(scope=scope, actor=county[user], panel_id=county.panel.pk, **kwargs)


def test_publishing_lists_consenting_granted_households_once_as_items(county, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notice = publish(county)
    with scopes_disabled():
        notice.refresh_from_db()
        items = list(NoticeItem.objects.filter(notice=notice).order_by("line_no"))
    # A-0004 has not consented: it is on no board (P2); the others by group (1组: A-0001, A-0003; 2组: A-0002).
    assert [(i.line_no, i.household.code, i.name, i.amount, i.status) for i in items] == [
        (1, "A-0001", "农*1", Decimal("50000.00"), ItemStatus.LISTED),
        (2, "A-0003", "农*3", Decimal("72000.00"), ItemStatus.LISTED),
        (3, "A-0002", "农*2", Decimal("61000.00"), ItemStatus.LISTED)]
    assert [g["name"] for g in notice.snapshot["groups"]] == ["1组", "2组"]
    assert notice.snapshot["groups"][0]["rows"] == [[1, "农*1", "50,000"], [2, "农*3", "72,000"]]
    assert notice.snapshot["count"] == 3 and notice.snapshot["total"] == "183,000"
    assert (notice.ends_on - notice.starts_on).days == county.campaign.notice_days - 1
    assert notice.status == Notice.Status.PUBLISHED and notice.pages >= 1 and len(notice.sha256) == 64


def test_the_board_is_published_once_the_panel_has_signed_off(county):
    with scopes_disabled():
        Panel.objects.filter(pk=county.panel.pk).update(status=Panel.Status.CLOSED)
    with pytest.raises(PublishRefused):
        publish(county)
    with scopes_disabled():
        assert not Notice.objects.exists()


def test_a_village_has_one_board_per_campaign(county):
    publish(county)
    with pytest.raises(PublishRefused):
        publish(county)
    with scopes_disabled():
        assert Notice.objects.count() == 1


def test_only_the_maker_of_the_village_publishes(county):
    with pytest.raises(PermissionDenied):
        publish(county, "pat")  # the president reads the branch but does not publish
    with pytest.raises(Http404):
        publish(county, "bob")  # another branch's officer: outside the scope
    with scopes_disabled():
        assert not Notice.objects.exists()


def test_full_names_when_the_branch_chooses(county):
    with scopes_disabled():
        branch = county.v_a.branch
        branch.publish_full_names = True
        branch.save()
    notice = publish(county)
    with scopes_disabled():
        assert list(NoticeItem.objects.filter(notice=notice).values_list("name", flat=True)) == ["农户1", "农户3",
                                                                                                 "农户2"]
    assert notice.full_names is True


def test_an_empty_board_is_refused():
    county = make_panel_world(households=2, status=Panel.Status.SIGNED)
    grant(county, consent=(False, False), amounts=(1000, 2000))
    with pytest.raises(PublishRefused):
        publish(county)


def test_the_render_job_is_sent_after_commit_and_a_redelivery_keeps_the_archived_file(
        county, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notice = publish(county)
    with scopes_disabled():
        assert Notice.objects.get(pk=notice.pk).status == Notice.Status.RENDERING
        assert Job.objects.get(pk=notice.job_id).status == Job.Status.PENDING
    for callback in callbacks:
        callback()
    with scopes_disabled():
        notice.refresh_from_db()
        first = (notice.file.name, notice.sha256)
        assert Job.objects.get(pk=notice.job_id).status == Job.Status.DONE
    assert notice_render(notice.pk) is False  # already archived: never rendered again
    with scopes_disabled():
        notice.refresh_from_db()
    assert (notice.file.name, notice.sha256) == first


def test_a_failed_printing_marks_the_board_and_can_be_tried_again(county, django_capture_on_commit_callbacks,
                                                                   monkeypatch):
    from publicity import services
    from publicity.services import notice_retry

    monkeypatch.setattr(services, "board_pdf", lambda snapshot: (_ for _ in ()).throw(RuntimeError("x")))
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        notice = publish(county)
    with scopes_disabled():
        notice = Notice.objects.get()
        assert notice.status == Notice.Status.FAILED and not notice.file
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True), scopes_disabled():
        notice_retry(notice=notice, actor=county.tina)
    with scopes_disabled():
        notice.refresh_from_db()
    assert notice.status == Notice.Status.PUBLISHED and notice.file


def test_publishing_a_campaign_publishes_every_signed_board_of_my_villages(django_capture_on_commit_callbacks):
    county = make_panel_world(households=2, status=Panel.Status.SIGNED)
    grant(county, consent=(True, True), amounts=(1000, 2000))
    scope = scope_for_user(county.tina)
    with activate(scope), django_capture_on_commit_callbacks(execute=True):
        result = publish_campaign(scope=scope, actor=county.tina, campaign_id=county.campaign.pk)
        again = publish_campaign(scope=scope, actor=county.tina, campaign_id=county.campaign.pk)
    # v_b's panel is another branch's: not tina's to publish; the second run finds nothing left to publish.
    assert [n.village_id for n in result["published"]] == [county.v_a.pk]
    assert again == {"published": [], "refused": []}
