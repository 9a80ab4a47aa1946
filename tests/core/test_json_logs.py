"""Issue 18.6: JSON log lines with the request id (LOG_FORMAT=json), in the web process, Celery's tasks and gunicorn's
access log; R4: every ID and mobile number in them masked (message, extra fields, tracebacks)."""

import datetime
import io
import json
import logging
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from celery import signals
from django.urls import reverse

from sunshine_credit.logmask import MaskPersonalData
from sunshine_credit.logs import (
    JsonFormatter,
    RequestIdFilter,
    job_id_var,
    log_format,
    request_id_from,
    request_id_var,
)

ROOT = Path(__file__).resolve().parents[2]
ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"
HEX32 = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def json_lines():
    """A JSON handler as settings.LOGGING makes it with LOG_FORMAT=json, on the root logger; yields a function
    that returns the lines written so far, parsed."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(MaskPersonalData())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def test_a_line_is_one_json_object_with_the_message_and_extra_fields_masked(json_lines):
    log = logging.getLogger("sunshine_credit.test")
    token = request_id_var.set("rid-abc")
    try:
        log.warning("member %s phone %s", ID_NUMBER, PHONE,
                    extra={"household": {"id_number": ID_NUMBER, "phones": [int(PHONE)]}, "count": 3})
    finally:
        request_id_var.reset(token)
    [line] = json_lines()
    assert line["message"] == "member 110105********002X phone 138****5678"
    assert line["household"] == {"id_number": "110105********002X", "phones": ["138****5678"]}
    assert line["count"] == 3  # a number that is no phone stays a number
    assert (line["level"], line["logger"], line["request_id"], line["job_id"]) == \
           ("WARNING", "sunshine_credit.test", "rid-abc", None)
    assert datetime.datetime.fromisoformat(line["time"]).tzinfo is not None


def test_a_traceback_is_masked_too(json_lines):
    try:
        raise ValueError(f"bad row {ID_NUMBER} {PHONE}")
    except ValueError:
        logging.getLogger("x").exception("import failed")
    [line] = json_lines()
    assert "ValueError: bad row 110105********002X 138****5678" in line["exc_info"]
    assert ID_NUMBER not in json.dumps(line) and PHONE not in json.dumps(line)


def test_the_formatter_masks_even_without_the_mask_filter():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "saved %s", (ID_NUMBER,), None)
    record.phone = PHONE
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "saved 110105********002X" and line["phone"] == "138****5678"


@pytest.mark.parametrize("sent, kept", [("abc-123-DEF", True), ("a" * 64, True), ("a" * 65, False),
                                        ("bad id", False), ("x;rm", False), ("", False), (None, False)])
def test_the_request_id_from_nginx_is_kept_only_when_short_and_plain(sent, kept):
    made = request_id_from(sent)
    assert made == sent if kept else HEX32.fullmatch(made)


@pytest.mark.django_db
def test_the_request_id_is_echoed_or_made(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="nginx-0123abcd")
    assert response["X-Request-ID"] == "nginx-0123abcd"
    first, second = client.get("/healthz")["X-Request-ID"], client.get("/healthz")["X-Request-ID"]
    assert HEX32.fullmatch(first) and HEX32.fullmatch(second) and first != second
    assert HEX32.fullmatch(client.get("/healthz", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"])


@pytest.mark.django_db
def test_every_line_of_a_request_carries_its_id(client, county, json_lines, settings):
    """Django's "Not Found" warning is written after the middleware returned: it still has the id; and no line
    written after the request has it."""
    settings.OTP_REQUIRED_ROLES = frozenset()
    client.force_login(county.ada)
    response = client.get(f"/households/{ID_NUMBER}/?phone={PHONE}", HTTP_X_REQUEST_ID="req-42")
    assert response.status_code == 404 and response["X-Request-ID"] == "req-42"
    logging.getLogger("after").warning("between requests")
    lines = json_lines()
    [not_found] = [line for line in lines if line["logger"] == "django.request"]
    assert not_found["request_id"] == "req-42" and not_found["status_code"] == 404
    assert ID_NUMBER not in json.dumps(lines) and PHONE not in json.dumps(lines)
    assert "110105********002X" in not_found["message"]
    assert lines[-1]["message"] == "between requests" and lines[-1]["request_id"] is None


@pytest.mark.django_db
def test_the_audit_keeps_the_request_id(client, county, settings):
    """AUDITLOG_CID_HEADER: the audit entry of a request names the same id as its log lines (made when nginx
    sent none)."""
    from auditlog.models import LogEntry

    settings.OTP_REQUIRED_ROLES = frozenset()
    client.force_login(county.ada)
    response = client.post(reverse("calendar_day_create"), {"date": "2031-10-01", "kind": "holiday", "name": "国庆"})
    assert response.status_code == 302
    entry = LogEntry.objects.order_by("-pk").first()
    assert entry.cid == response["X-Request-ID"]


def test_a_tasks_lines_carry_the_request_id_it_was_sent_with_and_its_job_id(json_lines):
    """The web process puts its request id into the message headers; the worker's task_prerun takes it (and the
    job's id) for the task's lines, and task_postrun restores what was there."""
    headers = {}
    token = request_id_var.set("req-7")
    try:
        signals.before_task_publish.send(sender="households.validate_roster", headers=headers, body=())
    finally:
        request_id_var.reset(token)
    assert headers["request_id"] == "req-7"

    class Task:  # what the worker passes: the task, whose request holds the message's headers
        request = SimpleNamespace(request_id=headers["request_id"])

    task = Task()
    signals.task_prerun.send(sender=task, task_id="t-1", task=task, args=(), kwargs={"job_id": 42})
    logging.getLogger("households.tasks").info("checking row of %s", ID_NUMBER)
    signals.task_postrun.send(sender=task, task_id="t-1", task=task, args=(), kwargs={"job_id": 42})
    logging.getLogger("households.tasks").info("idle")
    running, idle = json_lines()
    assert (running["request_id"], running["job_id"]) == ("req-7", 42)
    assert running["message"] == "checking row of 110105********002X"
    assert (idle["request_id"], idle["job_id"]) == (None, None)
    assert request_id_var.get() == "" and job_id_var.get() is None


def test_a_request_without_an_id_adds_no_header():
    headers = {}
    signals.before_task_publish.send(sender="x", headers=headers, body=())
    assert "request_id" not in headers


@pytest.mark.parametrize("env, debug, expected", [({}, False, "json"), ({}, True, "text"),
                                                  ({"LOG_FORMAT": "text"}, False, "text"),
                                                  ({"LOG_FORMAT": "JSON"}, True, "json")])
def test_log_format_defaults_to_json_in_production(env, debug, expected):
    assert log_format(env, debug=debug) == expected


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError):
        log_format({"LOG_FORMAT": "xml"}, debug=False)


def test_production_settings_log_json_masked():
    """The settings themselves: DEBUG=false logs JSON through the console handler, masked; LOG_FORMAT=text wins."""
    code = ("import django, logging; django.setup(); "
            f"logging.getLogger('sunshine_credit.x').warning('member {ID_NUMBER}', extra={{'phone': '{PHONE}'}})")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sunshine_credit.settings", "DEBUG": "false",
           "SECRET_KEY": "k" * 10 + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH",
           "PUBLIC_BASE_URL": "https://credit.example-bank.cn"}
    env.pop("LOG_FORMAT", None)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    [line] = [json.loads(text) for text in result.stderr.splitlines() if text.startswith("{")]
    assert line["message"] == "member 110105********002X" and line["phone"] == "138****5678"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**env, "LOG_FORMAT": "text"},
                            capture_output=True, text=True, timeout=120)
    assert "WARNING sunshine_credit.x [-] member 110105********002X" in result.stderr


def test_gunicorn_access_log_is_json_with_the_request_id_and_masked(monkeypatch, capsys):
    from gunicorn.config import Config

    monkeypatch.setenv("LOG_FORMAT", "json")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["LOG_JSON"] is True
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("logger_class", conf["logger_class"])
    log = cfg.logger_class(cfg)
    try:
        environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/households/{ID_NUMBER}/?phone={PHONE}",
                   "PATH_INFO": f"/households/{ID_NUMBER}/", "QUERY_STRING": f"phone={PHONE}",
                   "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": "probe"}
        log.access(SimpleNamespace(status="404 Not Found", sent=179, headers=[("X-Request-ID", "rid-9")]),
                   SimpleNamespace(headers=[("X-REAL-IP", "10.1.2.3")]), environ, datetime.timedelta(milliseconds=12))
        log.error("worker of %s failed", PHONE)
    finally:
        for logger in (log.access_log, log.error_log):  # gunicorn's loggers are global: leave them as found
            logger.handlers.clear()
            logger.filters.clear()
    out = capsys.readouterr()
    [access] = [json.loads(text) for text in out.out.splitlines() if text.startswith("{")]
    assert (access["request_id"], access["status"], access["client"], access["method"], access["duration_ms"]) == \
           ("rid-9", 404, "10.1.2.3", "GET", 12)
    assert access["path"] == "/households/110105********002X/?phone=138****5678"
    assert ID_NUMBER not in out.out + out.err and PHONE not in out.out + out.err
    [error] = [json.loads(text) for text in out.err.splitlines() if text.startswith("{")]
    assert error["message"] == "worker of 138****5678 failed" and error["logger"] == "gunicorn.error"


def test_gunicorn_text_access_log_names_the_answered_request_id():
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert "%({x-request-id}o)s" in conf["access_log_format"]
