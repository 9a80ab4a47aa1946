"""Thin job interfaces of the publicity app: load by id, call one service (R8)."""

from celery import shared_task


@shared_task(name="publicity.tasks.render_notice", acks_late=True, time_limit=1800)
def render_notice(job_id: int) -> None:
    from sunshine_credit.jobs import job_finish, job_start

    from .services_render import notice_render, notice_render_failed

    job = job_start(job_id)
    if job is None:
        return  # already done: a redelivery
    try:
        notice_render(job.kwargs["notice_id"])
    except Exception as exc:
        job_finish(job_id, error=repr(exc))
        notice_render_failed(job.kwargs["notice_id"])
        raise
    job_finish(job_id)
