"""R4: application logs never carry a whole ID or mobile number."""

import logging

from sunshine_credit.lib.masking import mask_text
from sunshine_credit.logmask import MaskPersonalData


def test_ids_and_phones_are_masked_in_log_text():
    text = "member 11010519491231002X (old 110105491231002) phone 13812345678 took 0.022963126923666s"
    masked = mask_text(text)
    assert "110105********002X" in masked and "110105*****1002" in masked and "138****5678" in masked
    assert "11010519491231002X" not in masked and "13812345678" not in masked
    assert "0.022963126923666s" in masked  # a duration is not an ID


def test_filter_rewrites_the_record():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "saved %s", ("440524188001010014",), None)
    assert MaskPersonalData().filter(record) is True
    assert record.getMessage() == "saved 440524********0014"


# --- access logs (issue 13.5): a crafted URL may carry an ID or a phone number ----------------------------

CRAFTED = "/households/11010519491231002X/?phone=13812345678"


def test_runserver_access_log_is_masked():
    """runserver logs each request line through the `django.server` logger (LOGGING in settings)."""
    import io
    from types import SimpleNamespace

    from django.core.servers.basehttp import WSGIRequestHandler

    [handler] = [h for h in logging.getLogger("django.server").handlers  # pytest adds its own capturing ones
                 if any(isinstance(f, MaskPersonalData) for f in h.filters)]
    out = io.StringIO()
    saved = handler.setStream(out)
    try:
        fake = SimpleNamespace(request=None, log_date_time_string=lambda: "06/Dec/2026 10:00:00")
        WSGIRequestHandler.log_message(fake, '"%s" %s %s', f"GET {CRAFTED} HTTP/1.1", "404", "179")
    finally:
        handler.setStream(saved)
    line = out.getvalue()
    assert "/households/110105********002X/?phone=138****5678" in line and "404" in line
    assert "11010519491231002X" not in line and "13812345678" not in line


def test_gunicorn_access_log_is_masked():
    """gunicorn.conf.py's logger class masks the request line of the access log (and the error log)."""
    import datetime
    import runpy
    from pathlib import Path
    from types import SimpleNamespace

    from gunicorn.config import Config

    conf = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("logger_class", conf["logger_class"])
    log = cfg.logger_class(cfg)
    records = []
    capture = logging.Handler()
    capture.emit = records.append
    log.access_log.addHandler(capture)
    try:
        path, query = CRAFTED.split("?")
        environ = {"REQUEST_METHOD": "GET", "RAW_URI": CRAFTED, "PATH_INFO": path, "QUERY_STRING": query,
                   "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1"}
        log.access(SimpleNamespace(status="404 Not Found", sent=179, headers=[]), SimpleNamespace(headers=[]),
                   environ, datetime.timedelta(milliseconds=12))
    finally:
        for logger in (log.access_log, log.error_log):  # gunicorn's loggers are global: leave them as found
            logger.handlers.clear()
            logger.filters.clear()
    [line] = [r.getMessage() for r in records]
    assert "GET /households/110105********002X/?phone=138****5678 HTTP/1.1" in line
    assert "11010519491231002X" not in line and "13812345678" not in line
