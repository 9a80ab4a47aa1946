"""Issue 18: the production stack's files agree with each other and with the settings: the systemd units run the
Procfile's commands, beat runs once with its schedule file in var/, and nginx's body limit lets the largest upload
through (and no more than a little over it)."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
UNITS = {"web": "sunshine-web.service", "worker": "sunshine-worker.service", "beat": "sunshine-beat.service"}


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line and not line.startswith("#"))


def exec_start(unit: str) -> str:
    text = (ROOT / "deploy" / "systemd" / unit).read_text()
    (command,) = re.findall(r"^ExecStart=(.+)$", text, re.MULTILINE)
    return command


def test_the_systemd_units_run_the_procfiles_commands():
    processes = procfile()
    assert set(processes) == set(UNITS)
    for name, unit in UNITS.items():
        command = exec_start(unit).replace("/opt/sunshine-credit/.venv/bin/", "")
        # systemd has no shell default: the unit sets CELERY_CONCURRENCY=2 itself, the Procfile writes ${…:-2}.
        assert command == processes[name].replace("${CELERY_CONCURRENCY:-2}", "${CELERY_CONCURRENCY}"), name
    assert "--schedule=var/celerybeat-schedule" in processes["beat"]
    target = (ROOT / "deploy" / "systemd" / "sunshine-credit.target").read_text()
    assert all(unit in target for unit in UNITS.values())


def test_nginx_lets_the_largest_upload_through_and_sets_the_headers_the_application_reads():
    conf = (ROOT / "deploy" / "nginx" / "sunshine-credit.conf").read_text()
    (limit,) = re.findall(r"^\s*client_max_body_size (\d+)m;", conf, re.MULTILINE)
    largest = max(settings.UPLOAD_MAX_BYTES, settings.POST_LOAN_SCAN_MAX_BYTES, settings.VISIT_SIGNATURE_MAX_BYTES)
    assert largest < int(limit) * 1024 * 1024 <= largest + 2 * 1024 * 1024
    for header in ("X-Real-IP $remote_addr", "X-Forwarded-For $remote_addr", "X-Forwarded-Proto $scheme",
                   "X-Request-ID $request_id"):
        assert f"proxy_set_header {header};" in conf
    assert "$proxy_add_x_forwarded_for" not in conf  # appending keeps the client's own X-Forwarded-For
