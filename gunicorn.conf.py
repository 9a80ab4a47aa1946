"""gunicorn settings for production (`make prod`, or `gunicorn sunshine_credit.wsgi` from the project root).

gunicorn listens on loopback only; nginx in front terminates TLS, serves nothing else and passes
X-Forwarded-Proto (settings trust it when DEBUG is off). Override with GUNICORN_* variables.
"""

import multiprocessing
import os

from gunicorn.glogging import Logger

from sunshine_credit.logmask import MaskPersonalData  # gunicorn puts the project root on sys.path first
from sunshine_credit.logs import JsonFormatter, log_format

# Issue 18.6: LOG_FORMAT=json (the default unless DEBUG is true, as in settings) writes both logs as JSON lines.
LOG_JSON = log_format(debug=os.environ.get("DEBUG", "").strip().lower() in ("", "true", "1", "yes")) == "json"


class MaskingLogger(Logger):
    """R4: the access log writes the request line as the client sent it, and a crafted URL may carry an ID
    or a phone number (R5 keeps them out of our own URLs only): both of gunicorn's logs mask them."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            if not any(isinstance(f, MaskPersonalData) for f in log.filters):  # setup runs again on reload
                log.addFilter(MaskPersonalData())
            if LOG_JSON:
                for handler in log.handlers:
                    handler.setFormatter(JsonFormatter())

    def access(self, resp, req, environ, request_time):
        """JSON: one line a request with its fields, the request id Django answered in X-Request-ID (nginx's when
        it sent one) among them; every value masked by JsonFormatter (R4)."""
        if not LOG_JSON:
            return super().access(resp, req, environ, request_time)
        if not self.access_log_enabled:
            return None
        atoms = self.atoms(resp, req, environ, request_time)
        fields = {"request_id": atoms.get("{x-request-id}o") or atoms.get("{x-request-id}i"),
                  "client": atoms.get("{x-real-ip}i") or atoms["h"], "method": atoms["m"], "path": environ.get("RAW_URI"),
                  "status": int(atoms["s"]) if str(atoms["s"]).isdigit() else atoms["s"], "bytes": atoms["B"],
                  "duration_ms": atoms["M"], "user_agent": atoms["a"]}
        try:
            self.access_log.info('"%s" %s', atoms["r"], atoms["s"], extra=fields)
        except Exception:
            self.exception("access log")
        return None


logger_class = MaskingLogger

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))   # long work goes to Celery, never to a request
graceful_timeout = 30
max_requests = 2000          # recycle workers now and then, against slow leaks
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"              # masked by MaskingLogger (R4)
# The client's address as nginx saw it (X-Real-IP; %(h)s is nginx's own) and the request id (X-Request-ID: nginx's,
# or the one Django made when nginx sent none, answered in the response), which the audit entries keep too: one
# request is followed from nginx's log to gunicorn's and to the audit. LOG_JSON: MaskingLogger.access's fields.
access_log_format = '%({x-real-ip}i)s %(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" rid=%({x-request-id}o)s'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
