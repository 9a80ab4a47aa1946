"""A published pre-credit board to test objections, reconsideration and lines on.

`make_notice_world(county)` builds on `make_panel_world(county)` (tests/appraisal/factories.py: households A-0001…
of 东岭村 v_a in the county's campaign, their panel): the panel is signed off, the households are granted (with
consent) and a notice is published over them with one item per household — written straight to the tables, so
that tests of what happens after publishing do not depend on the rendering job. Adds `county.notice` and
`county.items` (line i + 1 is `county.households[i]`, 50,000 + i×1,000 元, masked name 农*{i + 1}).
"""

import datetime
import secrets
from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled

from appraisal.models import Decision, Panel
from publicity.models import Notice, NoticeItem, NoticeKind
from tests.appraisal.factories import make_panel_world


def make_notice_world(county=None, *, households: int = 4, starts_on: datetime.date | None = None, days: int = 3,
                      escalations: dict[int, str] | None = None):
    """The board above on `county` (a new county when none is given); returns the county. `escalations` maps a
    household's index to its decision's escalation ('pending', 'approved', ...)."""
    county = make_panel_world(county, households=households, status=Panel.Status.SIGNED)
    starts_on = starts_on or timezone.localdate()
    escalations = escalations or {}
    with scopes_disabled():
        county.notice = Notice.objects.create(
            head_office=county.head_office, village=county.v_a, kind=NoticeKind.PRECREDIT, campaign=county.campaign,
            panel=county.panel, title=f"{county.campaign.name} 拟第一批授信公示", starts_on=starts_on,
            ends_on=starts_on + datetime.timedelta(days=days - 1), public_token=secrets.token_urlsafe(16),
            status=Notice.Status.PUBLISHED, published_by=county.tina)
        county.items = []
        for i, home in enumerate(county.households):
            home.publicity_consent = True
            home.save()
            decision = Decision.objects.create(
                campaign=county.campaign, panel=county.panel, household=home, computed_status="granted",
                status="granted", amount=Decimal(50000 + i * 1000), escalation=escalations.get(i, ""))
            county.items.append(NoticeItem.objects.create(
                notice=county.notice, line_no=i + 1, household=home, decision=decision,
                group_name=home.group.name if home.group else "", name=f"农*{i + 1}", amount=decision.amount))
    return county
