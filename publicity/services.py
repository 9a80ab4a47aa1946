"""Publicity's writes (SPEC §6): the pre-credit board (P1–P3), objections and the panel's reconsideration
(P4), and the other notices on the same machinery (P6).

Boards. The snapshot (`Notice.snapshot`) is the archived data of a board, plain JSON built once when it is
published: the PDF is rendered from it alone, so rendering it again gives the same content, and nothing read
later (a renamed village, a changed phone number) can change a published board. One shape serves every kind:

    {"kind", "language", "title", "subtitle", "village", "branch", "starts_on", "ends_on", "days",
     "contact": {"address", "phone", "supervision_phone"}, "public_url", "intro",
     "columns": [{"label", "num"}], "groups": [{"name", "rows": [[cell, ...]], "count", "total"}],
     "count", "total", "signatures": [label, ...]}

Publishing is one transaction: the board's rows are read once (selectors.board_rows: granted, with consent,
masked), frozen into the notice's snapshot with one item per household, and the rendering job is recorded and
sent after commit (R8). A board is published once per campaign and village; what the panel reconsiders later
changes the items, never the archived board. A notice that already has its file is never rendered again (the
archive is unchanged), so a redelivered job, or two workers picking up the same job, leave one file. The QR
code is drawn by segno as inline SVG (print templates fetch nothing, sunshine_credit.lib.pdf), and the rows are
laid out three households to a table row, so that a village of 200 households fits on a few A4 landscape pages.

Objections (异议). One is lodged at the counter (staff who read the village) or on the public form the board's
QR code opens (no login), only while the notice runs. It freezes its line: a frozen line does not become a
credit line when the notice ends (P5) until the panel reconsiders it (复议) — upheld (the published amount
stands), changed (a lower amount: an objection can only lower a line, never raise it) or rejected (no credit
this batch), always with reasons. Reconsidering closes every open objection of the line. Both writes lock the
item row (select_for_update), so an objection and a reconsideration of one line queue up, and save through the
ORM so that django-auditlog records them (R4; the objector's phone is masked there and never logged). The pure
rules are in rules.py and touch no database.

Other notices (P6): a board of rows with a snapshot, a rendering job and an archived PDF with its SHA-256 —
the credit-revocation notice (U9), the monthly large-loan disclosure register (大额贷款贷后公开簿) and the loan
pre-disbursement notice (贷款公示). The credit-use work calls `notice_publish` with its rows; what the rows hold
is the caller's (never ID or phone numbers, P2).
"""

import datetime
import hashlib
import logging
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope as django_scope
from django_scopes import scopes_disabled

from appraisal.models import Panel
from appraisal.selectors import panel_or_404
from sunshine_credit.errors import Refusal, Stale
from sunshine_credit.jobs import job_enqueue
from sunshine_credit.lib.money import yuan
from sunshine_credit.lib.pdf import html_to_document, render_html
from sunshine_credit.models import Role, Village
from sunshine_credit.scoping import MAKER_ROLES, Scope, activate

from .models import ItemStatus, Notice, NoticeItem, NoticeKind, Objection, Outcome
from .rules import (
    OBJECTABLE,
    ObjectionRefused,
    batch_words,
    board_code_display,
    check_reconsideration,
    check_running,
    clean_content,
    clean_objector_name,
    large_loan_register_due,
    new_board_code,
    new_reference,
    normalise_objector_phone,
    notice_period,
    predisbursement_days,
)
from .selectors import board_rows, public_notice_or_404
from .tasks import publish_campaign as publish_campaign_task
from .tasks import render_notice as render_notice_task

logger = logging.getLogger(__name__)

# Stable names, stored in Job rows: each lives once, on its task.
RENDER_TASK = render_notice_task.name
PUBLISH_CAMPAIGN_TASK = publish_campaign_task.name
TEMPLATE = "publicity/pdf/board.html"
PER_ROW = 3  # households side by side on one printed row


class PublishRefused(Refusal):
    """The board (or notice) cannot be published; str() is shown to the user. Nothing was written."""


# --- the snapshot (P1/P3) -----------------------------------------------------------------------------------


def grouped(rows: Iterable[tuple[str, list, Decimal | None]], no_group: str) -> list[dict]:
    """Rows of (group name, cells, amount) already ordered by group → [{"name", "rows", "count", "total"}]."""
    groups: list[dict] = []
    for group, cells, amount in rows:
        name = group or no_group
        if not groups or groups[-1]["name"] != name:
            groups.append({"name": name, "rows": [], "count": 0, "total": Decimal(0)})
        groups[-1]["rows"].append(cells)
        groups[-1]["count"] += 1
        groups[-1]["total"] += amount or 0
    return [{**g, "total": yuan(g["total"])} for g in groups]


def board_snapshot(*, kind: str, language: str, title: str, subtitle: str, village: str, branch, intro: str,
                   starts_on: datetime.date, ends_on: datetime.date, public_url: str, columns: list[dict],
                   groups: list[dict], total: Decimal, signatures: list[str], code: str = "") -> dict:
    """The JSON of one board. `branch` gives the name and where to object (address, phone, supervision) and, by
    its head office, the bank's name for the title; `code` is the board's code printed under the QR code."""
    return {
        "kind": kind, "language": language, "title": title, "subtitle": subtitle, "village": village,
        "bank": branch.head_office.name, "code": board_code_display(code) if code else "",
        "short_url": settings.PUBLIC_BASE_URL + reverse("public:board_code") if code else "",
        "branch": branch.name, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(),
        "days": (ends_on - starts_on).days + 1,
        "contact": {"address": branch.address, "phone": branch.phone, "supervision_phone": branch.supervision_phone},
        "public_url": public_url, "intro": intro, "columns": columns, "groups": groups,
        "count": sum(g["count"] for g in groups), "total": yuan(total), "signatures": signatures,
    }


def public_url(token: str) -> str:
    """The address the board's QR code opens: the public objection form of this board."""
    return settings.PUBLIC_BASE_URL + reverse("public:objection_form", kwargs={"token": token})


def new_token() -> str:
    """The board's public token, also printed as its code for those who cannot scan (rules.new_board_code)."""
    return new_board_code()


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
            starts_on=starts_on, ends_on=ends_on, public_url=public_url(token), code=token,
            columns=[{"label": _("No."), "num": True}, {"label": _("Head of household"), "num": False},
                     {"label": _("Proposed line (yuan)"), "num": True}],
            groups=grouped(cells, no_group=_("No villagers' group")), total=sum((r.amount for r in rows), 0),
            signatures=[_("Panel leader"), *[_("Panel member")] * max(panel.members.count() - 1, 0),
                        _("Account manager")])


# --- publishing (P1/P2) -------------------------------------------------------------------------------------


def notice_render_enqueue(notice: Notice, *, actor) -> None:
    """Record the rendering job of a notice and send it after commit."""
    notice.job = job_enqueue(task_name=RENDER_TASK, kwargs={"notice_id": notice.pk}, actor=actor)
    notice.save(update_fields=["job"])


def _precredit_create(*, panel: Panel, rows, actor, starts_on: datetime.date, ends_on: datetime.date) -> Notice:
    """The notice with its snapshot, one item per row, and its rendering job. Raises PublishRefused when the
    village's board was published meanwhile (the unique constraint decides)."""
    branch = panel.village.branch
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


def publish_precredit(*, scope: Scope, actor, panel_id: int, starts_on: datetime.date | None = None) -> Notice:
    """Publish the signed-off panel's board (a maker of the village). Raises PermissionDenied for other roles,
    Http404 outside the scope, PublishRefused."""
    scope.require_maker(_("Only the account manager in charge publishes the board."))
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
        rows = board_rows(campaign_id=panel.campaign_id, village_id=panel.village_id,
                          full_names=panel.village.branch.publish_full_names)
        if not rows:
            raise PublishRefused(_("No household of this village is proposed for credit with consent to publicity."))
        return _precredit_create(panel=panel, rows=rows, actor=actor, starts_on=starts_on, ends_on=ends_on)


def publish_campaign(*, scope: Scope, actor, campaign_id: int, starts_on: datetime.date | None = None) -> dict:
    """Publish every signed-off board of the campaign in the villages the user enters data for that has none
    yet: one notice and one rendering job per village (the jobs spread over the workers)."""
    scope.require_maker(_("Only the account manager in charge publishes the board."))
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
    scope.require_maker(_("Only the account manager in charge publishes the board."))
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


# --- printing and archiving (P3) ----------------------------------------------------------------------------


def qr_svg(url: str) -> str:
    import segno

    return segno.make(url, error="m", micro=False).svg_inline(scale=2.4, border=0)


def printed_lines(rows: list[list], columns: list[dict], size: int) -> list[list[dict]]:
    """Rows `size` to a printed line, as cells {"v", "num", "sep"}; the last line padded with empty cells."""
    lines = []
    for start in range(0, len(rows), size):
        chunk = rows[start:start + size]
        chunk += [[""] * len(columns)] * (size - len(chunk))
        lines.append([{"v": value, "num": col["num"], "sep": j == 0 and i > 0}
                      for i, row in enumerate(chunk) for j, (value, col) in enumerate(zip(row, columns, strict=True))])
    return lines


def css_string(text: str) -> str:
    """Text for a CSS string in the page's margin boxes ("..."): backslashes and quotes escaped."""
    text = " ".join(str(text).split()).replace("\\", "\\\\").replace('"', '\\"')
    return text.replace("<", "\\3C ")  # never closes the <style> element


def board_html(snapshot: dict) -> str:
    """The board's print HTML, in the language it was published in."""
    columns = snapshot["columns"]
    groups = [{**g, "lines": printed_lines(g["rows"], columns, PER_ROW)} for g in snapshot["groups"]]
    header = [{"label": col["label"], "sep": j == 0 and i > 0} for i in range(PER_ROW) for j, col in enumerate(columns)]
    context = {"s": snapshot, "groups": groups, "header": header, "width": len(header),
               "footer": css_string(f"{snapshot['title']} · {snapshot['village']}"),
               "qr": qr_svg(snapshot["public_url"]) if snapshot.get("public_url") else ""}
    with translation.override(snapshot.get("language") or "zh-hans"):
        return render_html(TEMPLATE, context)


def board_pdf(snapshot: dict) -> tuple[bytes, int]:
    """(PDF bytes, number of pages)."""
    document = html_to_document(board_html(snapshot))
    return document.write_pdf(), len(document.pages)


def notice_file_name(notice: Notice) -> str:
    return f"notice-{notice.kind}-{notice.village_id}-{notice.pk}.pdf"


def notice_render(notice_id: int) -> bool:
    """Render and archive the notice's PDF; False when it was already archived (nothing changes)."""
    with scopes_disabled():
        notice = Notice.objects.get(pk=notice_id)
        if notice.file:
            return False
        content, pages = board_pdf(notice.snapshot)
        written = None
        try:
            with transaction.atomic():
                notice = Notice.objects.select_for_update().get(pk=notice_id)
                if notice.file:
                    return False
                notice.file.save(notice_file_name(notice), ContentFile(content), save=False)
                written = notice.file.name
                notice.sha256 = hashlib.sha256(content).hexdigest()
                notice.size, notice.pages = len(content), pages
                notice.status, notice.rendered_at = Notice.Status.PUBLISHED, timezone.now()
                notice.save(update_fields=["file", "sha256", "size", "pages", "status", "rendered_at"])
        except BaseException:
            # Issue 18.3: the row was rolled back, so no file of ours may stay (a failed write left none).
            if written:
                notice.file.storage.delete(written)
            raise
    return True


def notice_render_failed(notice_id: int) -> None:
    with scopes_disabled():
        Notice.objects.filter(pk=notice_id, file="").update(status=Notice.Status.FAILED)


# --- objections and reconsideration (P4) -------------------------------------------------------------------


# Who records an objection a villager brings to the counter: makers, the branch president and tellers.
COUNTER_ROLES = frozenset({*MAKER_ROLES, Role.PRESIDENT, Role.TELLER})


def _create_objection(**fields) -> Objection:
    """A collision of two random references is unlikely but possible: the unique column decides, and we retry."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Objection.objects.create(reference=new_reference(), **fields)
        except IntegrityError:
            continue
    raise ObjectionRefused(_("The objection could not be recorded. Please try again."))


def _lodge(notice: Notice, *, line_no: int, channel: str, content: str, objector_name: str, objector_phone: str,
           actor=None) -> Objection:
    check_running(kind=notice.kind, status=notice.status, starts_on=notice.starts_on, ends_on=notice.ends_on,
                  today=timezone.localdate())
    content, name = clean_content(content), clean_objector_name(objector_name)
    phone = normalise_objector_phone(objector_phone)
    item = NoticeItem.objects.select_for_update().filter(notice=notice, line_no=line_no).first()
    if item is None:
        raise ObjectionRefused(_("There is no line %(no)s on this board.") % {"no": line_no})
    if item.status not in OBJECTABLE:
        raise ObjectionRefused(_("Line %(no)s was settled on reconsideration: it takes no more objections.")
                               % {"no": line_no})
    # Frozen until the panel reconsiders; the version moves so that a reconsideration form shown before this
    # objection arrived is stale (R3): the panel decides knowing every objection.
    item.status = ItemStatus.FROZEN
    item.version += 1
    item.save(update_fields=["status", "version"])
    objection = _create_objection(notice=notice, item=item, channel=channel, objector_name=name,
                                  objector_phone=phone, content=content, lodged_by=actor)
    logger.info("objection %s lodged (%s) on notice %s line %s", objection.reference, channel, notice.pk, line_no)
    return objection


@transaction.atomic
def objection_lodge(*, scope: Scope, actor, notice_id: int, line_no: int, content: str, objector_name: str = "",
                    objector_phone: str = "") -> Objection:
    """P4 at the counter: staff record an objection a villager brings. Raises Http404 outside the actor's readable
    villages (R1), PermissionDenied for roles that do not serve the counter, ObjectionRefused."""
    with activate(scope):
        notice = Notice.objects.filter(pk=notice_id, village_id__in=scope.village_ids).first()
        if notice is None:
            raise Http404
        if scope.role not in COUNTER_ROLES:
            raise PermissionDenied(_("Objections are recorded by loan officers, tellers and the branch president."))
        return _lodge(notice, line_no=line_no, channel=Objection.Channel.COUNTER, content=content,
                      objector_name=objector_name, objector_phone=objector_phone, actor=actor)


@transaction.atomic
def objection_lodge_public(*, token: str, line_no: int, content: str, objector_name: str = "",
                           objector_phone: str = "") -> Objection:
    """P4 on the public form (no login). Raises Http404 for an unknown token, ObjectionRefused."""
    notice = public_notice_or_404(token)
    # Only the board's own village is in scope for the write, whatever the visitor's (empty) scope is.
    with django_scope(village=[notice.village_id]):
        return _lodge(notice, line_no=line_no, channel=Objection.Channel.PUBLIC, content=content,
                      objector_name=objector_name, objector_phone=objector_phone)


@transaction.atomic
def item_reconsider(*, scope: Scope, actor, item_id: int, version: int, outcome: str, reason: str,
                    amount: Decimal | None = None) -> NoticeItem:
    """P4: record the panel's reconsideration (复议) of a frozen line, if nobody changed it since `version` (R3).
    Raises PermissionDenied for read-only roles, Http404 outside the actor's editable villages, Stale,
    ObjectionRefused."""
    scope.require_maker(_("The panel's reconsideration is recorded by loan officers and administrators."))
    with activate(scope):
        item = (NoticeItem.objects.select_for_update(of=("self",)).select_related("notice")
                .filter(pk=item_id, notice__village_id__in=scope.editable_village_ids).first())
        if item is None:
            raise Http404
        if item.version != version:
            raise Stale(_("This line was changed by someone else meanwhile (a new objection, or a "
                          "reconsideration). Reload the page."))
        if item.status != ItemStatus.FROZEN:
            raise ObjectionRefused(_("Only a line frozen by an objection is reconsidered."))
        # Against the amount that stands now: a line lowered by an earlier reconsideration is never raised back.
        final_amount = check_reconsideration(outcome=outcome, reason=reason, amount=amount,
                                             published=item.effective_amount)
        if outcome == Outcome.UPHELD:
            final_amount = item.final_amount  # the standing amount stays (the published one, or as lowered)
        item.status = ItemStatus.REJECTED if outcome == Outcome.REJECTED else ItemStatus.LISTED
        item.outcome, item.final_amount, item.outcome_reason = outcome, final_amount, reason.strip()
        item.reconsidered_by, item.reconsidered_at = actor, timezone.now()
        item.version += 1
        item.save(update_fields=["status", "outcome", "final_amount", "outcome_reason", "reconsidered_by",
                                 "reconsidered_at", "version"])
        for objection in Objection.objects.select_for_update().filter(item=item, status=Objection.Status.OPEN):
            objection.status = Objection.Status.CLOSED
            objection.save(update_fields=["status"])
    logger.info("notice item %s reconsidered: %s", item.pk, outcome)
    return item


# --- the other notices (P6) --------------------------------------------------------------------------------


def notice_publish(*, actor, kind: str, village: Village, title: str, columns: list[dict],
                   rows: list[tuple[str, list, Decimal | None]], starts_on: datetime.date, days: int,
                   period: str = "", intro: str = "", subtitle: str = "", signatures: list[str] | None = None) -> Notice:
    """Publish a board of `rows` — (villagers' group, printed cells, amount or None), in board order — for the
    village; the rendering job is sent after commit. `columns` are [{"label", "num"}] matching the cells."""
    if kind == NoticeKind.PRECREDIT:
        raise ValueError("the pre-credit board is published by publish_precredit")
    if kind == NoticeKind.PREDISBURSEMENT:
        days = predisbursement_days(days)
    if kind == NoticeKind.LARGE_LOANS:
        large_loan_register_due(period)  # validates "YYYY-MM"
    starts_on, ends_on = notice_period(starts_on, days)
    branch = village.branch
    with translation.override(settings.LANGUAGE_CODE):
        snapshot = board_snapshot(
            kind=kind, language=settings.LANGUAGE_CODE, title=title, subtitle=subtitle, village=village.name,
            branch=branch, intro=intro, starts_on=starts_on, ends_on=ends_on, public_url="", columns=columns,
            groups=grouped(rows, no_group=_("No villagers' group")),
            total=sum((amount or 0 for _g, _c, amount in rows), Decimal(0)),
            signatures=signatures if signatures is not None else [_("Account manager"), _("Branch president")])
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                head_office_id=branch.head_office_id, village=village, kind=kind, period=period, title=title,
                starts_on=starts_on, ends_on=ends_on, snapshot=snapshot, public_token=new_token(), published_by=actor)
            notice_render_enqueue(notice, actor=actor)
    except IntegrityError:
        raise PublishRefused(_("This notice has already been published.")) from None
    return notice


def large_loan_register_publish(*, actor, village: Village, period: str, rows, posted_on: datetime.date,
                                columns: list[dict] | None = None) -> Notice:
    """The village's large-loan disclosure register of the month `period` (due by the 5th of the next month;
    a late one is still posted), once the month is over."""
    due = large_loan_register_due(period)
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Large-loan disclosure register %(period)s") % {"period": period}
        columns = columns or [{"label": _("No."), "num": True}, {"label": _("Borrower"), "num": False},
                              {"label": _("Amount (yuan)"), "num": True}]
    if posted_on < due.replace(day=1):
        raise PublishRefused(_("The register of %(period)s is posted once the month is over.") % {"period": period})
    return notice_publish(actor=actor, kind=NoticeKind.LARGE_LOANS, village=village, title=title, columns=columns,
                          rows=rows, starts_on=posted_on, days=30, period=period)
