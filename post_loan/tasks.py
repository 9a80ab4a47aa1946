"""post_loan's Celery tasks: thin, idempotent, each with an explicit stable name (`post_loan.<verb>`)."""

from celery import shared_task


@shared_task(name="post_loan.render_letters", acks_late=True, time_limit=1800)
def render_letters(job_id: int) -> None:
    """C2/C3: a village's batch of letters of one kind and day, each followed by its delivery receipt (GeneratedFile
    job), in the asker's scope."""
    from sunshine_credit.services import run_file_job

    from .services.letters import letters_render

    run_file_job(job_id, letters_render)


@shared_task(name="post_loan.daily", time_limit=3000)
def daily() -> dict:
    """C1–C7, on Celery beat ("postloan-daily", 02:15 after the overdue sweep). Idempotent: a redelivery or a second
    run on the same day changes nothing (each step is)."""
    from .services.daily import postloan_daily

    return postloan_daily()
