"""P1–P3: publishing a village's pre-credit board, and the machinery every notice kind shares (P6).

Publishing is one transaction: the board's rows are read once (selectors.board_rows: granted, with
consent, masked), frozen into the notice's snapshot with one item per household, and the rendering
job is recorded and sent after commit (R8). A board is published once per campaign and village; what
the panel reconsiders later changes the items, never the archived board.
"""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from appraisal.access import panel_or_404
from appraisal.models import Panel
from households.services import MAKER_ROLES
from sunshine_credit.jobs import job_enqueue
from sunshine_credit.lib.money import yuan
from sunshine_credit.scoping import Scope

from .models import Notice, NoticeItem, NoticeKind
from .rules import batch_words, notice_period
from .selectors import board_rows
from .snapshot import board_snapshot, grouped
from .tasks import publish_campaign as publish_campaign_task
from .tasks import render_notice as render_notice_task

# Stable names, stored in Job rows: each lives once, on its task.
RENDER_TASK = render_notice_task.name
PUBLISH_CAMPAIGN_TASK = publish_campaign_task.name


class PublishRefused(Exception):
    pass


def public_url(token: str) -> str:
    """The address the board's QR code opens: the public objection form of this board."""
    return settings.PUBLIC_BASE_URL + reverse("public:objection_form", kwargs={"token": token})


def new_token() -> str:
    return secrets.token_urlsafe(18)[:24]


def notice_render_enqueue(notice: Notice, *, actor) -> None:
    """Record the rendering job of a notice and send it after commit."""
    notice.job = job_enqueue(task_name=RENDER_TASK, kwargs={"notice_id": notice.pk}, actor=actor)
    notice.save(update_fields=["job"])


def precredit_snapshot(*, panel: Panel, rows, starts_on: datetime.date, ends_on: datetime.date, token: str) -> dict:
    """The pre-credit board of P1 in the board's language (the village reads Chinese); `rows` come masked (or
    not) per the branch's setting from board_rows."""
    campaign, village, branch = panel.campaign, panel.village, panel.village.branch
    with translation.override(settings.LANGUAGE_CODE):
        cells = [(row.group, [n, row.name, yuan(row.amount)], row.amount) for n, row in enumerate(rows, start=1)]
        return board_snapshot(
            kind=NoticeKind.PRECREDIT, language=settings.LANGUAGE_CODE,
            title=_("%(campaign)s pre-credit notice") % {"campaign": campaign.name},
            subtitle=batch_words(campaign.ordinal), village=village.name, branch=branch,
            intro=_("After appraisal by the village's Sunshine Credit panel, the households below are proposed for "
                    "credit in the amounts shown. Anyone may object during the notice period, by name or "
                    "anonymously: at the branch counter, by telephone, or through the form the QR code opens."),
            starts_on=starts_on, ends_on=ends_on, public_url=public_url(token),
            columns=[{"label": _("No."), "num": True}, {"label": _("Head of household"), "num": False},
                     {"label": _("Proposed line (yuan)"), "num": True}],
            groups=grouped(cells, no_group=_("No villagers' group")), total=sum((r.amount for r in rows), 0),
            signatures=[_("Panel leader"), *[_("Panel member")] * max(panel.members.count() - 1, 0),
                        _("Account manager")])


def publish_precredit(*, scope: Scope, actor, panel_id: int, starts_on: datetime.date | None = None) -> Notice:
    """Publish the signed-off panel's board (a maker of the village; Http404 outside the scope)."""
    if scope.role not in MAKER_ROLES:
        raise PermissionDenied(_("Only the account manager in charge publishes the board."))
    panel = panel_or_404(scope, panel_id, for_edit=True)
    starts_on = starts_on or timezone.localdate()
    starts_on, ends_on = notice_period(starts_on, panel.campaign.notice_days)
    with transaction.atomic():
        panel = Panel.objects.select_for_update().select_related("campaign", "village__branch").get(pk=panel.pk)
        if panel.status != Panel.Status.SIGNED:
            raise PublishRefused(_("The board is published once every member of the panel has signed off."))
        if Notice.objects.filter(kind=NoticeKind.PRECREDIT, campaign_id=panel.campaign_id,
                                 village_id=panel.village_id).exists():
            raise PublishRefused(_("This village's board has already been published."))
        branch = panel.village.branch
        rows = board_rows(campaign_id=panel.campaign_id, village_id=panel.village_id,
                          full_names=branch.publish_full_names)
        if not rows:
            raise PublishRefused(_("No household of this village is proposed for credit with consent to publicity."))
        token = new_token()
        snapshot = precredit_snapshot(panel=panel, rows=rows, starts_on=starts_on, ends_on=ends_on, token=token)
        try:
            with transaction.atomic():
                notice = Notice.objects.create(
                    head_office_id=panel.campaign.head_office_id, village=panel.village, kind=NoticeKind.PRECREDIT,
                    campaign=panel.campaign, panel=panel, title=snapshot["title"], starts_on=starts_on,
                    ends_on=ends_on, full_names=branch.publish_full_names, snapshot=snapshot, public_token=token,
                    published_by=actor)
        except IntegrityError:
            raise PublishRefused(_("This village's board has already been published.")) from None
        NoticeItem.objects.bulk_create(
            NoticeItem(notice=notice, line_no=n, household_id=row.household_id, decision_id=row.decision_id,
                       group_name=row.group, name=row.name, amount=row.amount)
            for n, row in enumerate(rows, start=1))
        notice_render_enqueue(notice, actor=actor)
    return notice


def publish_campaign(*, scope: Scope, actor, campaign_id: int, starts_on: datetime.date | None = None) -> dict:
    """Publish every signed-off board of the campaign in the villages the user enters data for that has none
    yet: one notice and one rendering job per village (the jobs spread over the workers)."""
    if scope.role not in MAKER_ROLES:
        raise PermissionDenied(_("Only the account manager in charge publishes the board."))
    panel_ids = list(Panel.objects.filter(campaign_id=campaign_id, status=Panel.Status.SIGNED,
                                          village_id__in=scope.editable_village_ids,
                                          campaign__head_office_id=scope.head_office_id)
                     .exclude(Exists(Notice.objects.filter(kind=NoticeKind.PRECREDIT, campaign_id=campaign_id,
                                                           village_id=OuterRef("village_id"))))
                     .order_by("village__code").values_list("pk", flat=True))
    published, refused = [], []
    for pk in panel_ids:
        try:
            published.append(publish_precredit(scope=scope, actor=actor, panel_id=pk, starts_on=starts_on))
        except PublishRefused as exc:
            refused.append((pk, str(exc)))
    return {"published": published, "refused": refused}


def campaign_publish_request(*, scope: Scope, actor, campaign_id: int):
    """Publish the campaign's boards in the background (a county's hundreds of boards take longer than a
    request may): the job publishes each board in the actor's scope, and each board's printing job follows."""
    if scope.role not in MAKER_ROLES:
        raise PermissionDenied(_("Only the account manager in charge publishes the board."))
    with transaction.atomic():
        return job_enqueue(task_name=PUBLISH_CAMPAIGN_TASK, kwargs={"campaign_id": campaign_id, "user_id": actor.pk},
                           actor=actor)


def notice_retry(*, notice: Notice, actor) -> None:
    """A failed printing is tried again: the same snapshot, a new job."""
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        if notice.file or notice.status != Notice.Status.FAILED:
            return
        notice.status = Notice.Status.RENDERING
        notice.save(update_fields=["status"])
        notice_render_enqueue(notice, actor=actor)
