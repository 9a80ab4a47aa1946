"""The batch interface (SPEC §11) as tests call it: one helper for every `--json` command, and the sample
workbooks found relative to the repository (CI lays ../shared beside the clone)."""

import json
from io import StringIO
from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples"


def run_json(*args) -> tuple[int, dict]:
    """Run `manage.py <args> --json`; (exit status, the one JSON object it printed). Status 0 is success, 1 an
    input refused (nothing written), 2 a usage error — the command exits with SystemExit for the last two."""
    out = StringIO()
    try:
        call_command(*args, "--json", stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, json.loads(out.getvalue())
