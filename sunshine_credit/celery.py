import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sunshine_credit.settings")

app = Celery("sunshine_credit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# --- issue 18.6: logging, the request id and the heartbeat in worker and beat ----------------------------------

@signals.setup_logging.connect
def _logging_from_settings(**kwargs):
    """Worker and beat log through settings.LOGGING (masked, R4; JSON with LOG_FORMAT=json), never through the
    handlers Celery would put on the root logger instead (they would not mask)."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@signals.before_task_publish.connect
def _send_the_request_id(headers=None, **kwargs):
    """A job sent while a request is handled carries the request's id to its worker."""
    from .logs import request_id_var

    if headers is not None and request_id_var.get():
        headers.setdefault("request_id", request_id_var.get())


@signals.after_task_publish.connect
def _record_beat_sent(sender=None, **kwargs):
    """Beat's own heartbeat: when the schedule last sent `sunshine_credit.heartbeat` (sunshine_credit.health)."""
    from .health import HEARTBEAT_TASK, record_beat_sent

    if sender == HEARTBEAT_TASK:
        record_beat_sent()


_log_context: dict[str, tuple] = {}


@signals.task_prerun.connect
def _enter_log_context(task_id=None, task=None, kwargs=None, **extra):
    """A task's log lines carry the id of the request that sent it and of the job it runs."""
    from .logs import job_id_var, request_id_var

    request_id = getattr(task.request, "request_id", None) or request_id_var.get()
    job_id = (kwargs or {}).get("job_id")
    _log_context[task_id] = (request_id_var.set(request_id or ""), job_id_var.set(job_id))


@signals.task_postrun.connect
def _leave_log_context(task_id=None, **extra):
    from .logs import job_id_var, request_id_var

    tokens = _log_context.pop(task_id, None)
    if tokens is not None:
        try:
            request_id_var.reset(tokens[0])
            job_id_var.reset(tokens[1])
        except ValueError:  # set in another context (a pool thread): nothing of ours to restore here
            pass
