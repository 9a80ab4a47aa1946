"""U9: the daily overdue sweep as a thin job interface (STYLE §4); the schedule is in settings
(CELERY_BEAT_SCHEDULE "overdue-sweep")."""

from celery import shared_task


@shared_task(name="credit_use.tasks_overdue.overdue_sweep", time_limit=3000)
def overdue_sweep() -> dict:
    """Idempotent: a redelivery or an overlapping run opens no second case (one per drawdown and cause)."""
    from .services_overdue import overdue_sweep as run

    return run()
