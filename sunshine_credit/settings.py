"""Settings for Sunshine Credit.

One file, read from the environment, with an embedded default for everything, so that
`make run` works on a fresh machine without PostgreSQL, Redis or a broker (see .env.example).
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from sunshine_credit.logs import TEXT_FORMAT, log_format

BASE_DIR = Path(__file__).resolve().parent.parent
INSECURE_SECRET_KEY = "dev-only-insecure-secret-key-change-me"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value == "":
        return default
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")
    return value in ("true", "1", "yes")


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, "") or default)


def weak_secret_key(key: str) -> bool:
    """R10: a key published in this repository (the default, .env.example's `change-me-…` placeholder), or
    one Django's deploy check calls weak (security.W009: under 50 characters or under 5 distinct ones)."""
    return (key == INSECURE_SECRET_KEY or key.lower().startswith(("change-me", "django-insecure-"))
            or len(key) < 50 or len(set(key)) < 5)


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", INSECURE_SECRET_KEY)
if not DEBUG and weak_secret_key(SECRET_KEY):
    # R10: production never runs on a key anyone can read here, nor on one a copied .env.example left in.
    raise ImproperlyConfigured("SECRET_KEY must be set to 50+ random characters when DEBUG is off "
                               "(not the default or the .env.example placeholder).")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "auditlog",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "sunshine_credit",
    "households",
    "surveys",
    "appraisal",
    "credit_use",
    "guarantee_groups",
    "publicity",
    "post_loan",
    "supervision",
]

MIDDLEWARE = [
    # Issue 18.6: the request id of every log line and response; /healthz answered before anything else.
    "sunshine_credit.logs.RequestIdMiddleware",
    "sunshine_credit.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sunshine_credit.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "sunshine_credit.middleware.AuditlogMiddleware",  # the client address of lib/client_ip.py
    "sunshine_credit.middleware.NoStoreMiddleware",
    # R9: idle and absolute session limits, the second factor, a one-time password changed first (staff.login).
    "sunshine_credit.staff.login.LoginGateMiddleware",
    "sunshine_credit.scoping.ScopeMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sunshine_credit.urls"
WSGI_APPLICATION = "sunshine_credit.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# Issue 18.3: production keeps a connection for a minute (a new PostgreSQL connection per request costs more than
# many a page's queries under load); DB_CONN_MAX_AGE=0 opens one per request. A kept connection is checked before
# each request reuses it (CONN_HEALTH_CHECKS): after a database restart the next request reconnects instead of
# failing on the dead connection, so the app recovers without a restart of its own.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0 if DEBUG else 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Issue 18: on a small server a page's query split over parallel workers only takes cores from the other
    # requests (measured: +17 % throughput under load with it off), and JIT compiling a query costs more than the
    # query (measured: 12 ms of the dashboards' 110 ms credit-line figure). The web keeps it off; the Celery worker's county
    # computations may use it (deploy/systemd/sunshine-worker.service: DB_PARALLEL_WORKERS=2).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c max_parallel_workers_per_gather={env_int('DB_PARALLEL_WORKERS', 0)} -c jit=off")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves a branch of real users (five reviewers saving at once), so it is set up for
    # concurrent writers: WAL lets readers go on while one writes; IMMEDIATE takes the write lock when a
    # transaction begins, so a writer waits its turn for up to `timeout` seconds instead of failing at once with
    # "database is locked" (a DEFERRED transaction that read first cannot wait: SQLite refuses its upgrade to a
    # write lock at once, the busy timeout notwithstanding); synchronous=NORMAL is safe under WAL and makes each
    # commit cheaper, so the lock is held for less time. Tested by tests/core/test_sqlite_concurrency.py.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("REDIS_URL"):
    # R8: a request never waits long on Redis; its only user in a request (the public form's rate limit)
    # fails open when Redis does not answer within these seconds.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": os.environ["REDIS_URL"],
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "sunshine_credit.staff.backends.StaffBackend",  # ModelBackend, the profile read with the user
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "sunshine_credit.lib.passwords.MinimumLengthValidator",  # Django's, its message in our catalog
     "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10)}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# R9: the roles that must pass a second factor (TOTP, django-otp) after their password, before any other page:
# comma-separated role codes; empty turns it off (the demo of `make run` and the tests do, see README).
OTP_REQUIRED_ROLES = frozenset(r.strip() for r in os.environ.get("OTP_REQUIRED_ROLES", "admin,supervisor").split(",")
                               if r.strip())
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "阳光信贷")
# R9: a session ends after this many minutes without a request (idle), and in any case this many hours after the
# login (absolute; SESSION_COOKIE_AGE below). Checked by sunshine_credit.staff.login.LoginGateMiddleware.
IDLE_TIMEOUT_MINUTES = env_int("IDLE_TIMEOUT_MINUTES", 30)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# R9: lock out by username, never by IP alone: a whole branch shares one address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Bootstrap and ECharts (the V1 dashboards) come from the npm registry (package.json, `npm ci` run by the
# Makefile), never copied into the repository: sunshine_credit.staticfinders serves the files of their dist/ that the
# templates load as static/vendor/<package>/….
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "sunshine_credit.staticfinders.VendorFinder",
]
STORAGES = {
    # Issue 18.3: Django's, except that a write that fails part-way (the volume full) leaves no half file behind.
    "default": {"BACKEND": "sunshine_credit.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
                    if not DEBUG else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploaded rosters and generated files hold personal data: never under STATIC or a public URL.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "files"))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: with no REDIS_URL the jobs run inline (eagerly), the same code path as production.
CELERY_BROKER_URL = os.environ.get("REDIS_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# visibility_timeout: a message taken by a worker that dies is handed out again by Redis after this many
# seconds. It must exceed the longest task time limit (3600 s: the imports, compute_limits, publish_campaign),
# or Redis hands a job that is still running to a second worker. A dead worker's job is re-sent much sooner by
# requeue_unsent_jobs (its heartbeat goes stale, JOB_STALE_SECONDS); this is only the broker's backstop.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "socket_timeout": 2, "socket_connect_timeout": 2,
                                   "visibility_timeout": 2 * 3600}
CELERY_TIMEZONE = TIME_ZONE
# R8: a running job's worker touches Job.heartbeat_at every JOB_HEARTBEAT_SECONDS. With no heartbeat for
# JOB_STALE_SECONDS the worker is taken for dead (killed, out of memory, host restarted) and requeue_unsent_jobs
# sends the job again, at most JOB_MAX_ATTEMPTS runs in all (a job that kills its worker every time, or hits
# its hard time limit, is marked failed instead of looping). Stale must be several heartbeats long: a busy
# database may delay one.
JOB_HEARTBEAT_SECONDS = 30
JOB_STALE_SECONDS = max(env_int("JOB_STALE_SECONDS", 300), 3 * JOB_HEARTBEAT_SECONDS)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3)
# Issue 18: the orphan-file sweep removes only files older than this (a file being written now, its row not yet
# committed, is never touched); at least ten minutes whatever the environment says.
ORPHAN_FILE_MIN_AGE_SECONDS = max(env_int("ORPHAN_FILE_MIN_AGE_SECONDS", 3600), 600)
# Tasks are found by autodiscovery (each app's tasks.py, sunshine_credit/celery.py), never listed here. Each has an
# explicit, stable name "<app label>.<verb phrase>" (not its module path): Job rows and this schedule store it.
CELERY_BEAT_SCHEDULE = {
    # R8: jobs whose sending failed (broker down) are sent again once the broker is back, and running jobs
    # whose worker died (stale heartbeat) are sent again.
    "requeue-unsent-jobs": {"task": "sunshine_credit.requeue_unsent_jobs", "schedule": 60.0},
    # Issue 18.6: /healthz's worker and beat checks (sunshine_credit.health). A heartbeat no worker took within two
    # minutes expires: a stopped worker does not come back to a queue of them.
    "heartbeat": {"task": "sunshine_credit.heartbeat", "schedule": 60.0, "options": {"expires": 120}},
    # P5: boards whose notice period has ended turn their items into credit lines (idempotent; hourly).
    "lines-take-effect": {"task": "credit_use.lines_take_effect", "schedule": 3600.0},
    # U9: overdue drawdowns and interest unpaid a month past its date revoke credit (idempotent; daily).
    "overdue-sweep": {"task": "credit_use.overdue_sweep", "schedule": crontab(hour=1, minute=30)},
    # P6: each village's large-loan register of the month before, on the 1st (due by the 5th; idempotent).
    "large-loan-registers": {"task": "credit_use.large_loan_registers",
                             "schedule": crontab(day_of_month=1, hour=2, minute=0)},
    # C1–C7: the post-loan daily job (visits, reminders, notices, collection, classification, erase dates), after
    # the overdue sweep of 01:30 (it reuses what the sweep marked; idempotent per day).
    "postloan-daily": {"task": "post_loan.daily", "schedule": crontab(hour=2, minute=15)},
    # V4: complainants' names and phones erased past COMPLAINT_CONTACT_RETENTION_DAYS (idempotent; daily).
    "complaint-contacts-erase": {"task": "supervision.complaint_contacts_erase", "schedule": crontab(hour=3, minute=10)},
    # V1: each village's figures of the day, kept for the monthly trends and the ten-day reports (idempotent per day:
    # a rerun overwrites the day's rows). Late in the day, so that a period's last day is counted whole.
    "refresh-figures": {"task": "supervision.refresh_figures", "schedule": 240.0, "options": {"expires": 230}},
    # ... and at midnight, so the new day's figures are kept at once (the runs of the last OVERVIEW_CACHE_SECONDS
    # before midnight keep the next day's too: the first readers of the day never compute them).
    "refresh-figures-midnight": {"task": "supervision.refresh_figures", "schedule": crontab(hour=0, minute=0),
                                 "options": {"expires": 230}},
    # Issue 18: generated files and notice boards no row names (a worker killed between the file and its row),
    # once older than ORPHAN_FILE_MIN_AGE_SECONDS (sunshine_credit.orphans; idempotent; hourly).
    "sweep-orphan-files": {"task": "sunshine_credit.sweep_orphan_files", "schedule": crontab(minute=20)},
    "snapshot-figures": {"task": "supervision.snapshot_figures", "schedule": crontab(hour=23, minute=50)},
    # V1 (seed 000: 按旬次日上报): each branch's ten-day progress report, the morning after a period ends (1–10,
    # 11–20, 21–end of month); one per branch, campaign and period, so a second run makes none.
    "progress-reports": {"task": "supervision.progress_reports",
                         "schedule": crontab(day_of_month="1,11,21", hour=6, minute=30)},
}

# C6 (SPEC §9): the overdue-day floors of the five-category classification, from the 2023 《商业银行金融资产风险分类
# 办法》 (国家金融监督管理总局、中国人民银行令 2023年第1号), art. 9-12: overdue at all → at least 关注 (2);
# more than 90 days → at least 次级 (3); more than 270 → at least 可疑 (4); more than 360 → 损失 (5).
# (days overdue strictly greater than the key → at least the grade); post_loan.rules.classification reads it.
RISK_GRADE_FLOORS = {0: 2, 90: 3, 270: 4, 360: 5}
# C5: the repayment rate's second figure counts principal repaid within this many calendar months after maturity.
REPAYMENT_GRACE_MONTHS = env_int("REPAYMENT_GRACE_MONTHS", 3)
# C2: who sends the text messages (a dotted path to a post_loan.messaging backend class); the bank's SMS gateway
# is plugged in here without code changes. The default records every message in the database only.
POST_LOAN_MESSAGE_BACKEND = os.environ.get("POST_LOAN_MESSAGE_BACKEND", "post_loan.messaging.DatabaseBackend")
# C1/R6: a signature drawn on the phone (a PNG) is refused above this size (scans: POST_LOAN_SCAN_MAX_BYTES).
VISIT_SIGNATURE_MAX_BYTES = env_int("VISIT_SIGNATURE_MAX_BYTES", 512 * 1024)
# C2: the officer's phone list holds the loans due within this many days (inclusive: due today … in 30 days).
REMINDER_CALL_DAYS = env_int("REMINDER_CALL_DAYS", 30)
# C4: a blacklist entry is erased this many years after the debt is settled (the credit-reporting regulation
# keeps adverse information five years from the end of the adverse act: 《征信业管理条例》 art. 16).
BLACKLIST_ERASE_YEARS = env_int("BLACKLIST_ERASE_YEARS", 5)
# C3: an instalment of an approved plan unpaid this many days after its date breaks the plan (post_loan.services.collection).
POST_LOAN_INSTALMENT_GRACE_DAYS = env_int("POST_LOAN_INSTALMENT_GRACE_DAYS", 30)
# R6 for scanned papers (a signed delivery receipt): PDF, JPEG or PNG up to this size (post_loan.rules.scans).
POST_LOAN_SCAN_MAX_BYTES = env_int("POST_LOAN_SCAN_MAX_BYTES", 10 * 1024 * 1024)

# L7: how many database connections compute a campaign's pre-credit limits at once (PostgreSQL only).
LIMITS_COMPUTE_WORKERS = env_int("LIMITS_COMPUTE_WORKERS", 2)

# R6: upload limits.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
UPLOAD_MAX_UNCOMPRESSED_BYTES = env_int("UPLOAD_MAX_UNCOMPRESSED_BYTES", 400 * 1024 * 1024)
UPLOAD_MAX_RATIO = env_int("UPLOAD_MAX_RATIO", 100)
UPLOAD_MAX_ROWS = env_int("UPLOAD_MAX_ROWS", 1_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# R4/R5: audit entries never keep a whole ID or phone number.
AUDITLOG_MASK_CALLABLE = "sunshine_credit.audit.mask_value"
AUDITLOG_DISABLE_REMOTE_ADDR = False
# An audit entry keeps the request id nginx sets (`proxy_set_header X-Request-ID $request_id;`, logged by nginx and
# gunicorn): the entry can be traced to the access logs.
AUDITLOG_CID_HEADER = "X-Request-ID"
# The audit reads the old row through the unscoped base manager: it must see it whatever the scope.
AUDITLOG_USE_BASE_MANAGER = True

# P6/U: drawdowns above this amount (yuan) are posted in the village before disbursement (贷款公示, 3–5 days).
PREDISBURSEMENT_NOTICE_THRESHOLD = env_int("PREDISBURSEMENT_NOTICE_THRESHOLD", 100_000)
PREDISBURSEMENT_NOTICE_DAYS = env_int("PREDISBURSEMENT_NOTICE_DAYS", 3)
# U7: the approval authority of a drawdown follows from its amount (never chosen by the officer): up to the
# branch's own approval_authority the branch; above it up to this amount (yuan) the county head office (县联社);
# above that up to CITY_APPROVAL_AUTHORITY the city (市办事处); above that a cross-city syndicated loan.
COUNTY_APPROVAL_AUTHORITY = env_int("COUNTY_APPROVAL_AUTHORITY", 1_000_000)
CITY_APPROVAL_AUTHORITY = env_int("CITY_APPROVAL_AUTHORITY", 5_000_000)
# P6: drawdowns above this amount (yuan) are listed in the village's monthly large-loan register (公开簿).
LARGE_LOAN_DISCLOSURE_THRESHOLD = env_int("LARGE_LOAN_DISCLOSURE_THRESHOLD", 100_000)

# P5: a credit line runs this many years from the day it takes effect (授信期限), unless changed.
CREDIT_LINE_YEARS = env_int("CREDIT_LINE_YEARS", 2)
# P3/P4: the address the board's QR code opens (the public objection form lives under /public/).
DEV_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", DEV_PUBLIC_BASE_URL).rstrip("/")
if not DEBUG and PUBLIC_BASE_URL == DEV_PUBLIC_BASE_URL:
    # Archived boards keep the address in their QR code for good: a production board must never print this one.
    raise ImproperlyConfigured("PUBLIC_BASE_URL must be set when DEBUG is off (the notice boards' QR codes).")
# P4: the public form's rate limit per client address: at most N objections (and 4×N look-ups) per window.
PUBLIC_OBJECTIONS_PER_WINDOW = env_int("PUBLIC_OBJECTIONS_PER_WINDOW", 5)
PUBLIC_RATE_WINDOW_SECONDS = env_int("PUBLIC_RATE_WINDOW_SECONDS", 3600)
# P4/PIPL art. 17, 19: an objector's name and phone are kept until the objection is closed (reconsidered) and then
# this many days: a year covers a complaint about how the objection was handled (V4) and the next two
# semi-annual democratic reviews (V2), which may ask the objector; after that they serve no purpose.
OBJECTION_CONTACT_RETENTION_DAYS = env_int("OBJECTION_CONTACT_RETENTION_DAYS", 365)
# V4: complaints and "有问题" evaluation cards are handled by head-office audit within this many calendar days of
# receipt; later ones are flagged overdue. The complainant's name and phone are kept until the complaint is handled
# and then this many days (PIPL art. 19), like an objector's.
COMPLAINT_HANDLING_DAYS = env_int("COMPLAINT_HANDLING_DAYS", 15)
COMPLAINT_CONTACT_RETENTION_DAYS = env_int("COMPLAINT_CONTACT_RETENTION_DAYS", 365)
# Behind nginx every request comes from 127.0.0.1: name the header nginx sets from the client's connection
# (`proxy_set_header X-Real-IP $remote_addr;` → "HTTP_X_REAL_IP"), or the whole county shares one budget.
PUBLIC_CLIENT_IP_HEADER = os.environ.get("PUBLIC_CLIENT_IP_HEADER", "")
# ...believed only from these addresses (the proxy's; gunicorn listens on loopback), else anyone could send
# X-Real-IP and pick the address they are counted, locked out and audited under (sunshine_credit/lib/client_ip.py).
TRUSTED_PROXY_IPS = [a.strip() for a in os.environ.get("TRUSTED_PROXY_IPS", "127.0.0.1,::1").split(",") if a.strip()]
# The login lockout (R9, by username) records the address too: the same one.
AXES_CLIENT_IP_CALLABLE = "sunshine_credit.lib.client_ip.login_record_address"

# Issue 18: long lists count at most this many rows (sunshine_credit.lib.pagination.CappedPaginator): "more than
# 1,000" instead of an exact COUNT over a county on every page view.
LIST_COUNT_CAP = env_int("LIST_COUNT_CAP", 1000)
# Issue 18: the household list of a scope with more villages than this (a head office) starts from choosing a branch
# or a village (or a search) rather than listing the county.
LIST_CHOOSE_AREA_ABOVE = env_int("LIST_CHOOSE_AREA_ABOVE", 40)

# H7: the coverage target shown on dashboards.
ARCHIVE_COVERAGE_TARGET = 0.95
# V1: a head office's village figures are kept this many seconds (Redis in production) and refreshed ahead of the
# readers by beat (supervision.refresh_figures): a county's figures take seconds of database time, a page answers
# from memory. 0 computes them for every page.
OVERVIEW_CACHE_SECONDS = env_int("OVERVIEW_CACHE_SECONDS", 300)
# U7: a head office's time-limit breach counts (the task lists and home pages of every reader) are kept this many
# seconds; the breach list itself is always computed. 0 counts them for every page.
BREACH_COUNT_CACHE_SECONDS = env_int("BREACH_COUNT_CACHE_SECONDS", 60)
# V1 (seed 000 四 工作目标: 预授信面不得低于70%): households with a credit line in effect ÷ archived households.
PRECREDIT_COVERAGE_TARGET = 0.70

# R10: production hardening, on whenever DEBUG is off.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_HTTPONLY = True
# Issue 15: a JSON request (the entry grids) learns in JSON that its token is stale, the grid then fetches a new one.
CSRF_FAILURE_VIEW = "sunshine_credit.jsonviews.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Issue 18.6: LOG_FORMAT=json writes one JSON object a line (time, level, logger, message, request_id, job_id, extra
# fields; every value masked, R4), the default when DEBUG is off; text (`make run`) a plain line with the request id.
# Celery's worker and beat log through this too (sunshine_credit/celery.py), gunicorn's logs through gunicorn.conf.py.
try:
    LOG_FORMAT = log_format(debug=DEBUG)
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from None
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal": {"()": "sunshine_credit.logmask.MaskPersonalData"},
                "request_id": {"()": "sunshine_credit.logs.RequestIdFilter"}},
    "formatters": {"django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}",
                                     "style": "{"},
                   "json": {"()": "sunshine_credit.logs.JsonFormatter"},
                   "text": {"format": TEXT_FORMAT}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id", "mask_personal"],
                             "formatter": LOG_FORMAT},
                 # runserver's access log, as Django formats it, masked: a crafted URL may carry an ID (R4).
                 "django.server": {"class": "logging.StreamHandler", "formatter": "django.server",
                                   "filters": ["mask_personal"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers (its DEBUG console, mail_admins) do not mask: its records go to ours instead.
        "django": {"handlers": [], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
        # WeasyPrint logs every layout step at INFO: 13 lines a board, each through the masking filter.
        "weasyprint": {"level": "WARNING"},
    },
}

# We lock out by username on purpose (R9): a whole branch shares one IP address. models.W040: the drawdown list's
# index carries its status as a covering column on PostgreSQL (issue 18); SQLite keeps the index without it.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "models.W040"]
AXES_VERBOSE = False
FORMAT_MODULE_PATH = ["sunshine_credit.formats"]
