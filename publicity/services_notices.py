"""P6: the other notices on the same machinery — a board of rows with a snapshot, a rendering job and an
archived PDF with its SHA-256: the credit-revocation notice (U9), the monthly large-loan disclosure register
(大额贷款贷后公开簿) and the loan pre-disbursement notice (贷款公示). The credit-use work calls `notice_publish`
with its rows; what the rows hold is the caller's (never ID or phone numbers, P2).
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from sunshine_credit.models import Village

from .models import Notice, NoticeKind
from .rules import large_loan_register_due, notice_period, predisbursement_days
from .services_publish import PublishRefused, new_token, notice_render_enqueue
from .snapshot import board_snapshot, grouped


def notice_publish(*, actor, kind: str, village: Village, title: str, columns: list[dict],
                   rows: list[tuple[str, list, Decimal | None]], starts_on: datetime.date, days: int,
                   period: str = "", intro: str = "", subtitle: str = "", signatures: list[str] | None = None) -> Notice:
    """Publish a board of `rows` — (villagers' group, printed cells, amount or None), in board order — for the
    village; the rendering job is sent after commit. `columns` are [{"label", "num"}] matching the cells."""
    if kind == NoticeKind.PRECREDIT:
        raise ValueError("the pre-credit board is published by services_publish.publish_precredit")
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
