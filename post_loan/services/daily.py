"""C1–C7: the post-loan daily job (`postloan_daily`), on Celery beat ("postloan-daily", 02:15, after U9's overdue
sweep of 01:30) and as `manage.py postloan_daily [--date D]`.

It calls the seven steps below, in this order, each idempotent (three runs on one day give one result) and each
answering counts; the job answers {step: its counts}. Order matters: the schedule and reminders first; cases are
opened before the letters that go with them and before their instalments are followed; the classification sees
the day's cases and plans (a plan does not reset the floor); lifting expired blacklist entries comes last.

The job acts for nobody: it runs under scopes_disabled() and every step works over the whole database. The
steps' modules are imported here, when the job runs, so that this module imports even while a step is being
written; a missing step is an error (ImportError), never skipped.
"""

import datetime
import logging

from django.utils import timezone
from django_scopes import scopes_disabled

logger = logging.getLogger(__name__)

STEPS = ("visits", "reminders", "cases", "letters", "instalments", "classification", "blacklist")


def _steps():
    """(name, function) of the seven steps, in order."""
    from . import blacklist, classification, collection, letters, reminders, visits

    return (("visits", visits.schedule_visits), ("reminders", reminders.send_due_messages),
            ("cases", collection.open_cases), ("letters", letters.issue_due_letters),
            ("instalments", collection.follow_instalments), ("classification", classification.classify_all),
            ("blacklist", blacklist.lift_expired))


def postloan_daily(*, today: datetime.date | None = None) -> dict:
    """Run the seven steps as of `today` (default: the bank's today). Returns {"date": ISO date, step: counts}."""
    today = today or timezone.localdate()
    result = {"date": today.isoformat()}
    with scopes_disabled():
        for name, step in _steps():
            result[name] = step(today=today)
    logger.info("post-loan daily job %s: %s", today, result)
    return result
