"""Task names were module paths ("surveys.tasks_imports.validate_surveys"); they are now stable labels
"<app label>.<verb phrase>" set on each task (issue 14). Jobs stored before the upgrade get the new name, so they
still run.

A waiting job that was already sent went to the broker under its old name, which no worker knows any more: it is
marked unsent, and the requeue sweep (requeue_unsent_jobs) sends it again under the new name. If the old message
is delivered after all, a worker refuses it as unregistered, and job_start lets only one delivery run the job.

The mapping is frozen here (a migration never imports app code); tests/core/test_task_names.py checks that every
new name is a registered task.
"""

from django.db import migrations

RENAMED = {
    "sunshine_credit.tasks.requeue_unsent_jobs": "sunshine_credit.requeue_unsent_jobs",
    "households.tasks.validate_roster": "households.validate_roster",
    "households.tasks.apply_roster": "households.apply_roster",
    "surveys.tasks_imports.validate_surveys": "surveys.validate_surveys",
    "surveys.tasks_imports.apply_surveys": "surveys.apply_surveys",
    "surveys.tasks.render_blank_questionnaires": "surveys.render_blank_questionnaires",
    "surveys.tasks.compute_limits": "surveys.compute_limits",
    "appraisal.tasks.render_appraisal_sheet": "appraisal.render_appraisal_sheet",
    "appraisal.tasks_booklets.validate_booklet": "appraisal.validate_booklet",
    "appraisal.tasks_booklets.apply_booklet": "appraisal.apply_booklet",
    "publicity.tasks.render_notice": "publicity.render_notice",
    "publicity.tasks.publish_campaign": "publicity.publish_campaign",
    "credit_use.tasks.lines_take_effect": "credit_use.lines_take_effect",
    "credit_use.tasks.export_precredit": "credit_use.export_precredit",
    "credit_use.tasks.large_loan_registers": "credit_use.large_loan_registers",
    "credit_use.tasks_overdue.overdue_sweep": "credit_use.overdue_sweep",
}


def _rename(apps, mapping: dict[str, str]) -> None:
    Job = apps.get_model("sunshine_credit", "Job")
    for old, new in mapping.items():
        jobs = Job.objects.filter(task_name=old)
        jobs.filter(status="pending").update(sent_at=None)  # its message names a task no worker has: send again
        jobs.update(task_name=new)


def forwards(apps, schema_editor):
    _rename(apps, RENAMED)


def backwards(apps, schema_editor):
    _rename(apps, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):

    dependencies = [
        ("sunshine_credit", "0006_job_heartbeat"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
