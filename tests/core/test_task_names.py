"""Issue 14: every task is found by autodiscovery (an app's tasks module) and has a stable name "<app label>.<verb
phrase>" that is not its module path, so a job queued before a module moves still runs; old names are migrated."""

import ast
import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import timezone

from households.models import RosterImport
from households.services.roster import roster_import_upload
from sunshine_credit.celery import app
from sunshine_credit.jobs import job_send
from sunshine_credit.models import Job
from sunshine_credit.scoping import activate, scope_for_profile
from tests.factories import StaffFactory, VillageFactory, make_id_number
from tests.households.roster_files import roster_bytes, roster_row

ROOT = Path(__file__).resolve().parents[2]
MIGRATION = importlib.import_module("sunshine_credit.migrations.0007_job_stable_task_names")
# Every name a task had before issue 14: Job rows may hold them (the migration maps each).
OLD_NAMES = [
    "sunshine_credit.tasks.requeue_unsent_jobs",
    "households.tasks.validate_roster",
    "households.tasks.apply_roster",
    "surveys.tasks_imports.validate_surveys",
    "surveys.tasks_imports.apply_surveys",
    "surveys.tasks.render_blank_questionnaires",
    "surveys.tasks.compute_limits",
    "appraisal.tasks.render_appraisal_sheet",
    "appraisal.tasks_booklets.validate_booklet",
    "appraisal.tasks_booklets.apply_booklet",
    "publicity.tasks.render_notice",
    "publicity.tasks.publish_campaign",
    "credit_use.tasks.lines_take_effect",
    "credit_use.tasks.export_precredit",
    "credit_use.tasks.large_loan_registers",
    "credit_use.tasks_overdue.overdue_sweep",
]


def project_tasks() -> dict:
    app.autodiscover_tasks(force=True)  # what a worker imports at start
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def project_apps() -> list:
    return [config for config in apps.get_app_configs() if Path(config.path).is_relative_to(ROOT)]


def resolves_as_module_path(name: str) -> bool:
    """True when the name reaches an object by import: the module `name`, or attributes of an importable prefix."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr, None)
            if obj is None:
                return False
        return True
    return False


def declared_tasks() -> list[tuple[str, str, str | None]]:
    """(file, function, name= literal or None) of every task decorator in the project's source."""
    found = []
    for config in project_apps():
        for path in sorted(Path(config.path).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for deco in node.decorator_list:
                    func = deco.func if isinstance(deco, ast.Call) else deco
                    if getattr(func, "id", getattr(func, "attr", None)) not in ("shared_task", "task"):
                        continue
                    name = next((kw.value.value for kw in getattr(deco, "keywords", [])
                                 if kw.arg == "name" and isinstance(kw.value, ast.Constant)), None)
                    found.append((str(path.relative_to(ROOT)), node.name, name))
    return found


def test_the_moved_tasks_are_found_by_autodiscovery_alone():
    assert not hasattr(settings, "CELERY_IMPORTS") and not app.conf.imports
    assert {"surveys.validate_surveys", "surveys.apply_surveys", "appraisal.validate_booklet",
            "appraisal.apply_booklet", "credit_use.overdue_sweep"} <= set(project_tasks())


def test_every_task_lives_in_a_tasks_module_with_an_explicit_unique_name():
    declared = declared_tasks()
    assert declared
    for path, function, name in declared:
        assert re.fullmatch(r"[a-z_]+/tasks(\.py|/[a-z_]+\.py)", path), f"{function} in {path}: not a tasks module"
        assert name, f"{path}:{function} has no name= (a literal string)"
    names = [name for _path, _function, name in declared]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert set(names) == set(project_tasks())  # every declared task is registered by autodiscovery, and only they


@pytest.mark.parametrize("name", sorted(project_tasks()))
def test_a_task_name_is_an_app_label_and_a_verb_phrase_never_a_module_path(name):
    label, _, phrase = name.partition(".")
    assert re.fullmatch(r"[a-z][a-z_]*", phrase), name
    config = apps.get_app_config(label)  # LookupError: not an installed app's label
    task = project_tasks()[name]
    assert task.__module__ == f"{config.name}.tasks" or task.__module__.startswith(f"{config.name}.tasks.")
    assert not resolves_as_module_path(name), f"{name} is a module path: moving the module would change it"


def test_the_beat_schedule_names_registered_tasks():
    registered = project_tasks()
    for key, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in registered, key


def test_the_migration_maps_every_old_name_to_a_registered_task():
    registered = project_tasks()
    assert sorted(MIGRATION.RENAMED) == sorted(OLD_NAMES)
    # every task of the time has its old name listed; tasks added since never had a module-path name
    added_since = {"post_loan.daily", "post_loan.render_letters", "supervision.complaint_contacts_erase",
                   "supervision.snapshot_figures", "supervision.progress_reports",
                   "supervision.render_progress_report", "sunshine_credit.heartbeat", "supervision.refresh_figures",
                   "sunshine_credit.sweep_orphan_files"}
    assert set(MIGRATION.RENAMED.values()) == set(registered) - added_since
    for old, new in MIGRATION.RENAMED.items():
        assert new in registered and old not in registered, old


def test_a_process_that_never_imported_the_tasks_finds_each_by_name():
    """The web process (or a command) sends jobs whose task module it has not imported: job_send looks the
    task up by name through autodiscovery, never by treating the name as a module path."""
    code = (
        "import sys, django; django.setup()\n"
        "from sunshine_credit.jobs import task_by_name\n"
        "names = sys.argv[1:]; fresh = [n for n in names if n.split('.')[0] + '.tasks' not in sys.modules]\n"
        "assert fresh, 'every tasks module was imported already: nothing to prove'\n"
        "assert all(task_by_name(n).name == n for n in names)\n"
    )
    result = subprocess.run([sys.executable, "-c", code, *sorted(project_tasks())], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "DJANGO_SETTINGS_MODULE": "sunshine_credit.settings"})
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.django_db
def test_a_job_queued_under_its_old_name_runs_by_its_new_name_after_the_migration(
        django_capture_on_commit_callbacks):
    """A roster check queued (and sent) before the upgrade: the migration renames it and marks it unsent; sent by
    its stored name, it runs (eagerly: tests/conftest.py)."""
    village = VillageFactory()
    staff = StaffFactory(branch=village.branch, villages=[village])
    rows = [roster_row(village.branch.code, village.code, f"{village.code}-001", "王一", make_id_number(),
                       village_name=village.name)]
    scope = scope_for_profile(staff)
    with django_capture_on_commit_callbacks(execute=False), activate(scope):
        item = roster_import_upload(scope=scope, actor=staff.user, name="花名册.xlsx", data=roster_bytes(rows))
    item.refresh_from_db()
    Job.objects.filter(pk=item.job_id).update(task_name="households.tasks.validate_roster", sent_at=timezone.now())

    MIGRATION.forwards(apps, None)
    job = Job.objects.get(pk=item.job_id)
    assert (job.task_name, job.sent_at, job.status) == ("households.validate_roster", None, Job.Status.PENDING)

    assert job_send(job_id=job.pk)
    job.refresh_from_db()
    item.refresh_from_db()
    assert job.status == Job.Status.DONE and item.status == RosterImport.Status.VALID

    MIGRATION.backwards(apps, None)
    assert Job.objects.get(pk=job.pk).task_name == "households.tasks.validate_roster"
