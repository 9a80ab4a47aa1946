"""Issue 18.6: one JSON object a log line (LOG_FORMAT=json), each carrying its request id, masked (R4).

- The request id: RequestIdMiddleware takes nginx's `X-Request-ID` when it is a short id ([A-Za-z0-9-], at
  most 64 characters) or makes one (uuid4 hex), answers it in the response's `X-Request-ID` (gunicorn's access
  log reads it there) and keeps it in a context variable for the request's log lines. A job sent from the request
  carries it in its message headers (sunshine_credit/celery.py), and its worker's log lines carry it and the
  job's id.
- The format: `LOG_FORMAT` = json | text; json by default when DEBUG is off, plain text for `make run`.
- R4: JsonFormatter masks the ID and mobile numbers in every value of the line (message, extra fields, the
  traceback), on top of MaskPersonalData (logmask.py), which masks the message of every record.
"""

import contextvars
import datetime
import json
import logging
import os
import re
import uuid

from .lib.masking import mask_text

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
job_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("job_id", default=None)

REQUEST_ID_RE = re.compile(r"[A-Za-z0-9-]{1,64}")
LOG_FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def request_id_from(header: str | None) -> str:
    """The id nginx sent when it is a short id of letters, digits and dashes; else a new one."""
    header = (header or "").strip()
    return header if REQUEST_ID_RE.fullmatch(header) else uuid.uuid4().hex


def log_format(environ=None, *, debug: bool) -> str:
    """LOG_FORMAT from the environment: json when unset and DEBUG is off, else text. ValueError otherwise."""
    value = (environ if environ is not None else os.environ).get("LOG_FORMAT", "").strip().lower()
    value = value or ("text" if debug else "json")
    if value not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be json or text, not {value!r}")
    return value


class RequestIdFilter(logging.Filter):
    """Puts the request's (or the running job's) id on every record: `record.request_id`, `record.job_id`."""

    def filter(self, record):
        if not getattr(record, "request_id", ""):
            record.request_id = request_id_var.get() or "-"
        if getattr(record, "job_id", None) is None:
            record.job_id = job_id_var.get()
        return True


# The attributes every LogRecord has: anything else on a record is an `extra` field and goes into the line.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


def masked(value):
    """R4: `value` with every ID and mobile number inside it masked; numbers stay numbers unless they are one."""
    if isinstance(value, dict):
        return {str(key): masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [masked(item) for item in value]
    if value is None or isinstance(value, bool):
        return value
    text = str(value)
    hidden = mask_text(text)
    if isinstance(value, int | float) and hidden == text:
        return value
    return hidden


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id, job_id, the record's
    extra fields and, for an exception, its traceback; every value masked (R4)."""

    def format(self, record):
        request_id = getattr(record, "request_id", "")
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": (request_id if request_id not in ("", "-") else request_id_var.get()) or None,
            "job_id": getattr(record, "job_id", None) or job_id_var.get(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(masked(entry), ensure_ascii=False)


class RequestIdMiddleware:
    """First of MIDDLEWARE: every response carries the request's id in `X-Request-ID`, and every log line
    written while it is handled (Django's own "Not Found" warnings too, logged after the middleware returns)
    carries it, until the response is closed (request_finished)."""

    def __init__(self, get_response):
        from django.core.signals import request_finished

        self.get_response = get_response
        request_finished.connect(_forget_request_id, dispatch_uid="sunshine_credit.logs.forget_request_id")

    def __call__(self, request):
        request.request_id = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        # What the audit keeps as the entry's correlation id (AUDITLOG_CID_HEADER) is then this id too.
        request.META["HTTP_X_REQUEST_ID"] = request.request_id
        request_id_var.set(request.request_id)
        response = self.get_response(request)
        response.headers["X-Request-ID"] = request.request_id
        return response


def _forget_request_id(**kwargs):
    request_id_var.set("")

