"""Boards whose notice period has ended, and the lines they give, on the shared county (tests/county.py)."""

import datetime

from django_scopes import scopes_disabled

from credit_use.services.lines import lines_take_effect
from publicity.models import NoticeItem
from tests.county import County
from tests.publicity.factories import make_notice_world

STARTS = datetime.date(2026, 12, 1)
ENDS = datetime.date(2026, 12, 3)       # a 3-day notice: 1, 2 and 3 December
DAY_AFTER = datetime.date(2026, 12, 4)  # the first day the lines run


def make_ended_world(county=None, **kwargs) -> County:
    """make_notice_world's board of 东岭村 (4 households, 50,000 + i×1,000 元) over 1–3 December 2026, on `county`
    (a new county when none is given); returns the county (`county.notice`, `county.items`, `county.households`)."""
    return make_notice_world(county, starts_on=STARTS, days=3, **kwargs)


def make_lines_world(county=None, **kwargs) -> County:
    """The ended board after the job ran on 4 December: one line per item; the job's counts in `county.counts`."""
    county = make_ended_world(county, **kwargs)
    county.counts = lines_take_effect(today=DAY_AFTER)
    return county


def set_item(item: NoticeItem, **fields) -> NoticeItem:
    with scopes_disabled():
        NoticeItem.objects.filter(pk=item.pk).update(**fields)
        return NoticeItem.objects.get(pk=item.pk)
