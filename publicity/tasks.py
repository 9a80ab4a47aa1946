"""Thin job interfaces of the publicity app: load by id, call one service (R8)."""

from celery import shared_task


@shared_task(name="publicity.render_notice", acks_late=True, time_limit=1800)
def render_notice(job_id: int) -> None:
    from sunshine_credit.jobs import job_fail, job_finish, job_start

    from .services import notice_render, notice_render_failed

    job = job_start(job_id)
    if job is None:
        return  # already done: a redelivery
    try:
        notice_render(job.kwargs["notice_id"])
    except Exception as exc:
        job_fail(job_id, exc)
        notice_render_failed(job.kwargs["notice_id"])
        raise
    job_finish(job_id)


@shared_task(name="publicity.publish_campaign", acks_late=True, time_limit=3600)
def publish_campaign(job_id: int) -> None:
    """Publish every signed-off board of the asker's villages; a redelivery publishes only what is left."""
    from django.contrib.auth import get_user_model

    from sunshine_credit.jobs import job_fail, job_finish, job_start
    from sunshine_credit.scoping import activate, scope_for_user

    from .services import publish_campaign as publish

    job = job_start(job_id)
    if job is None:
        return
    try:
        user = get_user_model().objects.get(pk=job.kwargs["user_id"])
        scope = scope_for_user(user)
        with activate(scope):
            publish(scope=scope, actor=user, campaign_id=job.kwargs["campaign_id"])
    except Exception as exc:
        job_fail(job_id, exc)
        raise
    job_finish(job_id)
