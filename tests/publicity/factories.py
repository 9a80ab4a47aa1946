"""A published pre-credit board to test objections, reconsideration and lines on.

`make_notice_world` builds on `make_panel_world`: the panel is signed off, the households of village
v_a are granted (with consent) and a notice is published over them with one item per household —
written straight to the tables, so that tests of what happens after publishing do not depend on
the rendering job.
"""

import datetime
import secrets
from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled

from appraisal.models import Decision, Panel
from publicity.models import Notice, NoticeItem, NoticeKind
from tests.appraisal.factories import make_panel_world


def make_notice_world(*, households: int = 4, starts_on: datetime.date | None = None, days: int = 3,
                      escalations: dict[int, str] | None = None) -> dict:
    """`escalations` maps a household's index to its decision's escalation ('pending', 'approved', ...)."""
    world = make_panel_world(households=households, status=Panel.Status.SIGNED)
    starts_on = starts_on or timezone.localdate()
    escalations = escalations or {}
    with scopes_disabled():
        notice = Notice.objects.create(
            head_office=world["v_a"].branch.head_office, village=world["v_a"], kind=NoticeKind.PRECREDIT,
            campaign=world["campaign"], panel=world["panel"], title=f"{world['campaign'].name} 拟第一批授信公示",
            starts_on=starts_on, ends_on=starts_on + datetime.timedelta(days=days - 1),
            public_token=secrets.token_urlsafe(16), status=Notice.Status.PUBLISHED, published_by=world["tina"])
        items = []
        for i, home in enumerate(world["households"]):
            home.publicity_consent = True
            home.save()
            decision = Decision.objects.create(
                campaign=world["campaign"], panel=world["panel"], household=home, computed_status="granted",
                status="granted", amount=Decimal(50000 + i * 1000), escalation=escalations.get(i, ""))
            items.append(NoticeItem.objects.create(
                notice=notice, line_no=i + 1, household=home, decision=decision,
                group_name=home.group.name if home.group else "", name=f"农*{i + 1}", amount=decision.amount))
    return {**world, "notice": notice, "items": items}
