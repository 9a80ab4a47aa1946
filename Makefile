# Sunshine Credit (阳光信贷)
#   make run    demo server on http://127.0.0.1:8000/ (SQLite, jobs run inline, demo data and logins)
#   make test   the whole test suite (SQLite unless DATABASE_URL/REDIS_URL say otherwise)
# Every target sets up what is missing first (virtualenv, Python and npm packages, Debian packages
# when run as root, compiled translations) and skips what is already there, so repeated runs are fast.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.SUFFIXES:

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=

# Debian packages. WeasyPrint needs Pango and HarfBuzz's subsetter; the PDFs need a CJK font
# (either package below will do); msgfmt comes from gettext; browser tests drive Debian's Chromium.
# Translations: every .po of the project (never those inside .venv or node_modules).
PO_FILES := $(shell find . \( -path ./.venv -o -path ./node_modules -o -path ./.git \) -prune -o -name '*.po' -print 2>/dev/null)
MO_FILES := $(PO_FILES:.po=.mo)

DEBS_RUN  := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 $(if $(PO_FILES),gettext)
DEBS_TEST := chromium poppler-utils
CJK_FONTS := fonts-wqy-microhei fonts-noto-cjk

# The demo server never uses the environment's database or broker, and asks no second factor (R9: the demo logins
# work with their password alone; production asks administrators and supervisors for a TOTP code, see README).
DEV_ENV := env -u DATABASE_URL -u REDIS_URL DEBUG=true OTP_REQUIRED_ROLES=

.PHONY: help run test lint e2e bench drills install deps assets messages sysdeps migrate seed worker beat prod prod-prepare check-deploy loadtest clean

help:
	@echo "make run      set up, migrate, load the demo data and serve on http://$(HOST):$(PORT)/"
	@echo "make test     set up, lint and run the whole test suite (.venv/bin/pytest)"
	@echo "make lint     ruff and the import-linter contract of the app chain (make test runs it first)"
	@echo "make e2e      browser tests only (Playwright + Debian Chromium)"
	@echo "make bench    county-scale benchmarks (bench/run.py)"
	@echo "make drills   fault drills (Redis/PostgreSQL down, a worker killed) on their own PostgreSQL and Redis"
	@echo "make loadtest locust against the production stack on a county database, on 127.0.0.1 (bench/loadtest/)"
	@echo "make install  set up only: Debian packages (as root), .venv, npm packages, translations"
	@echo "make deps     Python packages only"
	@echo "make worker / make beat   Celery worker / scheduler (need REDIS_URL)"
	@echo "make prod     production on one server: deploy checks, collectstatic, migrate, then gunicorn +"
	@echo "              Celery worker + beat under honcho (Procfile; env from .env or ENV_FILE)"

# --- set-up -----------------------------------------------------------------------------------

install: sysdeps deps assets messages

# Install missing Debian packages when we are root; otherwise say what is missing.
sysdeps:
	@command -v dpkg-query >/dev/null || exit 0; \
	installed() { dpkg-query -W -f='$${db:Status-Status}' "$$1" 2>/dev/null | grep -qx installed; }; \
	missing=""; \
	for p in $(DEBS_RUN) $(if $(WITH_BROWSER),$(DEBS_TEST)); do installed $$p || missing="$$missing $$p"; done; \
	font=""; for p in $(CJK_FONTS); do installed $$p && font=yes; done; \
	[ -n "$$font" ] || missing="$$missing $(firstword $(CJK_FONTS))"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || [ -x $(PY) ] || missing="$$missing python3-venv"; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "apt-get install:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
		echo "WARNING: missing Debian packages:$$missing (run 'make install' as root, or apt-get install them)"; \
	fi

test e2e: WITH_BROWSER := 1

$(PY): | sysdeps
	$(PYTHON) -m venv $(VENV)

deps: $(VENV)/.deps-installed
$(VENV)/.deps-installed: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@# psycopg (v3) would take precedence over psycopg2 in Django: keep it out.
	@if $(PY) -m pip show -q psycopg >/dev/null 2>&1; then $(PY) -m pip uninstall -y -q psycopg; fi
	@touch $@

# Bootstrap and ECharts come from the npm registry (package.json, package-lock.json); Django serves them from node_modules/.
assets: node_modules/.installed
node_modules/.installed: package.json $(wildcard package-lock.json)
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js and npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error >/dev/null || npm install --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

messages: $(MO_FILES)
%.mo: %.po | sysdeps
	msgfmt --check-format -o $@ $<

setup: sysdeps deps assets messages
.PHONY: setup

# --- development --------------------------------------------------------------------------------

migrate: setup
	@$(DEV_ENV) $(PY) manage.py migrate --noinput -v0

seed: migrate
	@$(DEV_ENV) $(PY) manage.py seed_demo

run: seed
	@echo "Sunshine Credit on http://$(HOST):$(PORT)/ (SQLite db.sqlite3; jobs run inline). Ctrl-C stops it."
	@$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# Guardrails (STYLE §1): ruff's rule set and the one-way chain of apps (pyproject.toml). CI fails on either.
lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

test: setup lint
	@$(VENV)/bin/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc = 5 ]; then echo "pytest collected no tests: that is a failure" >&2; fi; exit $$rc

e2e: setup
	$(VENV)/bin/pytest -m e2e tests/e2e $(PYTEST_ARGS)

bench: setup
	@# Each benchmark makes (and drops) its own PostgreSQL database; BENCH_ARGS go to each (e.g. --households 20000).
	$(PY) bench/run.py $(BENCH_ARGS)
	$(PY) bench/surveys_import.py $(BENCH_ARGS)
	$(PY) bench/limits.py $(BENCH_ARGS)
	$(PY) bench/appraisal.py $(BENCH_ARGS)
	$(PY) bench/boards.py $(BENCH_ARGS)
	$(PY) bench/post_loan.py $(BENCH_ARGS)
	$(PY) bench/overview.py $(BENCH_ARGS)

# Issue 18: 50 staff of mixed roles for 5 minutes against the production stack (gunicorn.conf.py, a Celery worker,
# beat) on 127.0.0.1, on the county database sc_loadtest (built once, its load-test part reset on each run). Needs
# PostgreSQL and Redis. LOADTEST_USERS, LOADTEST_TIME, LOADTEST_PORT; figures in bench/out/loadtest.json. Then the
# capacity: the same users with no wait between tasks for LOADTEST_CEILING_TIME (2m), bench/out/loadtest-ceiling.json.
loadtest: setup
	$(PY) bench/loadtest/run.py $(LOADTEST_ARGS)
	$(PY) bench/loadtest/run.py --ceiling --time $${LOADTEST_CEILING_TIME:-2m} $(LOADTEST_ARGS)

# Issue 18.3: fault drills on a PostgreSQL (port 5499) and Redis (6399) of their own; one JSON result.
drills: setup
	$(PY) -m bench.drills.run $(DRILLS_ARGS)

# --- background jobs (need REDIS_URL; without it jobs run inline and no worker is needed) -------

worker: setup
	$(VENV)/bin/celery -A sunshine_credit worker -l INFO --concurrency=2

beat: setup
	@mkdir -p var
	$(VENV)/bin/celery -A sunshine_credit beat -l INFO --schedule=var/celerybeat-schedule

# --- production ---------------------------------------------------------------------------------
# The whole stack on one server: deploy checks, static files, migrations, then the Procfile's three processes
# (gunicorn, a Celery worker, Celery beat) under honcho, in the foreground; Ctrl-C (SIGINT/SIGTERM) stops all
# three, and honcho stops them all when one exits. deploy/systemd/ runs the same commands as services.
# Configuration: the environment, and ENV_FILE (.env) if present, read by honcho for every step (its values win).
# Needs SECRET_KEY, PUBLIC_BASE_URL, DATABASE_URL (PostgreSQL), REDIS_URL, ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS
# (.env.example lists them); nginx in front terminates TLS (deploy/nginx/). See README.md "Production".
ENV_FILE ?= .env
PROD_ENV := DEBUG=false PATH="$(CURDIR)/$(VENV)/bin:$$PATH"
HONCHO   := $(VENV)/bin/honcho

check-deploy: setup
	@$(PROD_ENV) $(HONCHO) run -e $(ENV_FILE) python manage.py check --deploy --fail-level WARNING

# collectstatic compresses every file twice (gzip, brotli) for whitenoise and takes minutes: it is run again only
# when a static source changed (our static/, the npm packages, the Python packages' own files).
staticfiles/staticfiles.json: $(shell find static -type f 2>/dev/null) node_modules/.installed $(VENV)/.deps-installed
	@echo "collectstatic (compressing; a few minutes)"
	@$(PROD_ENV) $(HONCHO) run -e $(ENV_FILE) python manage.py collectstatic --noinput -v0
	@touch $@

# A release: checks, static files, migrations (run once per release, from one host; see README "Production").
prod-prepare: check-deploy staticfiles/staticfiles.json
	@mkdir -p var
	@$(PROD_ENV) $(HONCHO) run -e $(ENV_FILE) python manage.py migrate --noinput -v1

prod: prod-prepare
	@$(PROD_ENV) $(HONCHO) start -e $(ENV_FILE) -f Procfile

clean:
	rm -rf staticfiles .pytest_cache test-results
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
