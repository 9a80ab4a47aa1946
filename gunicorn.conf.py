"""gunicorn settings for production (`make prod`, or `gunicorn sunshine_credit.wsgi` from the project root).

gunicorn listens on loopback only; nginx in front terminates TLS, serves nothing else and passes
X-Forwarded-Proto (settings trust it when DEBUG is off). Override with GUNICORN_* variables.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))   # long work goes to Celery, never to a request
graceful_timeout = 30
max_requests = 2000          # recycle workers now and then, against slow leaks
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"              # URLs never carry ID or phone numbers (R5), so the access log may keep them
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
