"""P6: the monthly large-loan disclosure register (大额贷款贷后公开簿) of each village, posted by the 5th of the
next month: the drawdowns disbursed in the month above LARGE_LOAN_DISCLOSURE_THRESHOLD, borrower masked (P2).

A system job (Celery beat on the 1st, or `manage.py publish_large_loan_registers`): one register per village
and month (a unique constraint), so running it again publishes nothing twice.
"""

import datetime
import logging
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from publicity.models import Notice, NoticeKind
from publicity.rules import mask_name
from publicity.services import PublishRefused, large_loan_register_publish
from sunshine_credit.lib.money import yuan

from ..models import Drawdown
from ..selectors.drawdowns import holder_name

logger = logging.getLogger(__name__)


def previous_period(today: datetime.date) -> str:
    """The month before `today` as "YYYY-MM" (the register posted now)."""
    last = today.replace(day=1) - datetime.timedelta(days=1)
    return f"{last:%Y-%m}"


def large_loans_of(period: str) -> dict[int, list[Drawdown]]:
    """village id → the month's disbursed drawdowns above the threshold, by group then loan number."""
    year, month = (int(part) for part in period.split("-"))
    start = datetime.date(year, month, 1)
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    zone = timezone.get_current_timezone()
    drawdowns = (Drawdown.objects.filter(
        status__in=[Drawdown.Status.DISBURSED, Drawdown.Status.REPAID],
        amount__gt=Decimal(settings.LARGE_LOAN_DISCLOSURE_THRESHOLD),
        disbursed_at__gte=datetime.datetime.combine(start, datetime.time.min, zone),
        disbursed_at__lt=datetime.datetime.combine(end, datetime.time.min, zone))
        .select_related("household__group", "village__branch", "created_by").order_by("household__group__name",
                                                                                     "loan_number"))
    by_village: dict[int, list[Drawdown]] = defaultdict(list)
    for drawdown in drawdowns:
        by_village[drawdown.village_id].append(drawdown)
    return by_village


def large_loan_registers(*, today: datetime.date | None = None, period: str | None = None) -> dict:
    """Publish the month's register in every village that lent above the threshold. Returns counts."""
    today = today or timezone.localdate()
    period = period or previous_period(today)
    counts = {"period": period, "villages": 0, "published": 0, "existing": 0}
    with scopes_disabled():
        for village_id, loans in large_loans_of(period).items():
            counts["villages"] += 1
            if Notice.objects.filter(kind=NoticeKind.LARGE_LOANS, village_id=village_id, period=period).exists():
                counts["existing"] += 1
                continue
            village = loans[0].village
            with translation.override(settings.LANGUAGE_CODE):
                rows = [(loan.household.group.name if loan.household.group_id else "",
                         [n, mask_name(holder_name(household=loan.household)), yuan(loan.amount),
                          loan.due_on.isoformat()], loan.amount) for n, loan in enumerate(loans, start=1)]
                columns = [{"label": _("No."), "num": True}, {"label": _("Borrower"), "num": False},
                           {"label": _("Amount (yuan)"), "num": True}, {"label": _("Due on"), "num": False}]
            try:
                large_loan_register_publish(actor=loans[0].created_by, village=village, period=period, rows=rows,
                                            posted_on=today, columns=columns)
            except PublishRefused as exc:  # published meanwhile, or the month is not over
                logger.warning("large-loan register of village %s for %s not published: %s", village_id, period, exc)
                continue
            counts["published"] += 1
    return counts
