"""P5 through its interfaces: the Celery task on beat's schedule, and `manage.py lines_take_effect` (SPEC §11)."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone
from django_scopes import scopes_disabled

from credit_use.models import CreditLine
from credit_use.tasks import lines_take_effect as lines_take_effect_task
from tests.commands import run_json
from tests.credit_use.factories import DAY_AFTER, ENDS, make_ended_world
from tests.publicity.factories import make_notice_world

pytestmark = pytest.mark.django_db


def test_beat_runs_the_task_by_its_registered_name():
    assert settings.CELERY_BEAT_SCHEDULE["lines-take-effect"]["task"] == lines_take_effect_task.name


def test_the_task_makes_the_lines_of_boards_that_ended_before_today(county):
    make_notice_world(county, starts_on=timezone.localdate() - datetime.timedelta(days=10))
    counts = lines_take_effect_task.delay().get()
    assert (counts["notices"], counts["created"]) == (1, 4)
    with scopes_disabled():
        assert CreditLine.objects.count() == 4
    assert lines_take_effect_task.delay().get()["created"] == 0  # a redelivery changes nothing


def test_command_runs_as_of_a_day_and_prints_one_json_object(county):
    make_ended_world(county)
    code, result = run_json("lines_take_effect", "--today", ENDS.isoformat())
    assert code == 0 and result["ok"] and result["created"] == 0
    code, result = run_json("lines_take_effect", "--today", DAY_AFTER.isoformat())
    assert code == 0 and result == {"ok": True, "notices": 1, "created": 4, "refused": 0, "waiting": 0, "frozen": 0,
                                    "skipped": 0, "failed": 0}


def test_command_usage_error_on_a_bad_date():
    code, result = run_json("lines_take_effect", "--today", "2026-13-01")
    assert code == 2 and not result["ok"] and "--today" in result["error"]
