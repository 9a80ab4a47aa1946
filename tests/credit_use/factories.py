"""Boards whose notice period has ended, and the lines they give."""

import datetime

from django_scopes import scopes_disabled

from credit_use.services.lines import lines_take_effect
from publicity.models import NoticeItem
from tests.publicity.factories import make_notice_world

STARTS = datetime.date(2026, 12, 1)
ENDS = datetime.date(2026, 12, 3)       # a 3-day notice: 1, 2 and 3 December
DAY_AFTER = datetime.date(2026, 12, 4)  # the first day the lines run


def make_ended_world(**kwargs) -> dict:
    """make_notice_world's board of v_a (4 households, 50,000 + i×1,000 元) over 1–3 December 2026."""
    return make_notice_world(starts_on=STARTS, days=3, **kwargs)


def make_lines_world(**kwargs) -> dict:
    """The ended board after the job ran on 4 December: one line per item."""
    world = make_ended_world(**kwargs)
    world["counts"] = lines_take_effect(today=DAY_AFTER)
    return world


def set_item(item: NoticeItem, **fields) -> NoticeItem:
    with scopes_disabled():
        NoticeItem.objects.filter(pk=item.pk).update(**fields)
        return NoticeItem.objects.get(pk=item.pk)
