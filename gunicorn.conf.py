"""gunicorn settings for production (`make prod`, or `gunicorn sunshine_credit.wsgi` from the project root).

gunicorn listens on loopback only; nginx in front terminates TLS, serves nothing else and passes
X-Forwarded-Proto (settings trust it when DEBUG is off). Override with GUNICORN_* variables.
"""

import multiprocessing
import os

from gunicorn.glogging import Logger

from sunshine_credit.logmask import MaskPersonalData  # gunicorn puts the project root on sys.path first


class MaskingLogger(Logger):
    """R4: the access log writes the request line as the client sent it, and a crafted URL may carry an ID
    or a phone number (R5 keeps them out of our own URLs only): both of gunicorn's logs mask them."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            if not any(isinstance(f, MaskPersonalData) for f in log.filters):  # setup runs again on reload
                log.addFilter(MaskPersonalData())


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
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
