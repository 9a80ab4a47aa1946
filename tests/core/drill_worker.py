"""A Celery worker for the fault drills (tests/core/test_fault_drills.py), never used in production.

DRILL_SLOW="<module>.<function>:<seconds>" makes that function write DRILL_MARK and sleep before it runs, so a drill
can kill the worker (kill -9) while the job is surely in the middle. The rest of the arguments go to `celery`.
"""

import functools
import importlib
import os
import sys
import time
from pathlib import Path


def _slow_down(spec: str, mark: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sunshine_credit.settings")
    django.setup()
    target, seconds = spec.rsplit(":", 1)
    module_name, name = target.rsplit(".", 1)
    module = importlib.import_module(module_name)
    real = getattr(module, name)

    @functools.wraps(real)
    def slow(*args, **kwargs):
        Path(mark).write_text(str(os.getpid()))
        time.sleep(float(seconds))
        return real(*args, **kwargs)

    setattr(module, name, slow)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))   # the project root, as `celery -A` has it
    if os.environ.get("DRILL_SLOW"):
        _slow_down(os.environ["DRILL_SLOW"], os.environ["DRILL_MARK"])
    from celery.__main__ import main

    sys.argv = ["celery", *sys.argv[1:]]
    sys.exit(main())
