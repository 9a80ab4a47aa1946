"""The post-loan daily job (C1–C7): its seven steps in order, as of the given day; the Celery task on beat after
the overdue sweep; `manage.py postloan_daily [--date D] --json` (SPEC §11), idempotent: three runs on one day give
one result; a missing step is an error, never skipped."""

import sys

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone
from django_scopes import scopes_disabled

import post_loan.services as services_package
from post_loan.models import RiskGrade, RiskSnapshot
from post_loan.services import daily
from sunshine_credit.celery import app
from tests.commands import run_json
from tests.post_loan.classification_world import TODAY, overdue

STEPS = [("visits", "schedule_visits"), ("reminders", "send_due_messages"), ("collection", "open_cases"),
         ("letters", "issue_due_letters"), ("collection", "follow_instalments"), ("classification", "classify_all"),
         ("blacklist", "lift_expired")]


def test_the_seven_steps_run_in_order_as_of_the_day(monkeypatch, db):
    calls = []
    for module, name in STEPS:
        target = sys.modules.get(f"post_loan.services.{module}") or __import__(f"post_loan.services.{module}",
                                                                              fromlist=[name])
        monkeypatch.setattr(target, name, lambda *, today, name=name: calls.append((name, today)) or 0)
    result = daily.postloan_daily(today=TODAY)
    assert calls == [(name, TODAY) for _module, name in STEPS]
    assert list(result) == ["date", *daily.STEPS] and result["date"] == "2027-09-01"


def test_a_missing_step_is_an_error(monkeypatch, db):
    monkeypatch.delattr(services_package, "blacklist", raising=False)
    monkeypatch.setitem(sys.modules, "post_loan.services.blacklist", None)
    with pytest.raises(ImportError):
        daily.postloan_daily(today=TODAY)


def test_the_task_is_on_beat_after_the_overdue_sweep():
    entry = settings.CELERY_BEAT_SCHEDULE["postloan-daily"]
    sweep = settings.CELERY_BEAT_SCHEDULE["overdue-sweep"]["schedule"]
    assert entry["task"] == "post_loan.daily" and "post_loan.daily" in app.tasks
    assert isinstance(entry["schedule"], crontab)
    first = lambda schedule: (min(schedule.hour), min(schedule.minute))  # noqa: E731
    assert first(entry["schedule"]) > first(sweep)


def rows():
    with scopes_disabled():
        return (list(RiskGrade.objects.order_by("pk").values_list("drawdown_id", "grade", "overdue_days", "as_of"))
                + list(RiskSnapshot.objects.order_by("pk").values_list("village_id", "on", "figures")))


def test_the_command_runs_the_day_and_three_runs_give_one_result(county):
    overdue(county, 91)
    overdue(county, 3, village=county.v_b)
    code, first = run_json("postloan_daily", "--date", TODAY.isoformat())
    assert code == 0 and first["ok"] and first["date"] == TODAY.isoformat()
    assert first["classification"]["loans"] == 2 and first["classification"]["grades"]["3"] == 1
    after_one = rows()
    for _ in range(2):
        code, again = run_json("postloan_daily", "--date", TODAY.isoformat())
        assert code == 0 and again["classification"]["written"] == 0
    assert rows() == after_one


def test_the_command_refuses_a_bad_date(db):
    code, result = run_json("postloan_daily", "--date", "2027-13-01")
    assert code == 2 and not result["ok"]


def test_the_task_runs_the_job_for_today(county, monkeypatch):
    seen = {}
    monkeypatch.setattr(daily, "_steps", lambda: [("classification", lambda *, today: seen.setdefault("d", today))])
    from post_loan.tasks import daily as task

    task.delay()
    assert seen["d"] == timezone.localdate()
