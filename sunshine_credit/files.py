"""Files made by background jobs (STYLE §4): the request records a GeneratedFile and its job, the
task renders and stores it, the user downloads it from its status page.

Running a task twice overwrites the same file (PX `CachedFile`), so a redelivered job is harmless.
"""

import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation

from .jobs import job_enqueue
from .models import GeneratedFile
from .scoping import Scope


@transaction.atomic
def generated_file_request(*, scope: Scope, actor, kind: str, task_name: str, title: str, file_name: str,
                           content_type: str, village=None, params: dict | None = None) -> GeneratedFile:
    """Record the file and send its job after commit (R8). The task receives {"file_id": ...}."""
    item = GeneratedFile.objects.create(
        head_office_id=scope.head_office_id, village=village, kind=kind, title=title, params=params or {},
        language=translation.get_language() or "zh-hans", file_name=file_name, content_type=content_type,
        created_by=actor)
    item.job = job_enqueue(task_name=task_name, kwargs={"file_id": item.pk}, actor=actor)
    item.save(update_fields=["job"])
    return item


def generated_file_store(*, item: GeneratedFile, content: bytes) -> None:
    """Save the rendered bytes (replacing an earlier attempt's) and mark the file ready."""
    if item.file:
        item.file.delete(save=False)
    item.file.save(item.file_name, ContentFile(content), save=False)
    item.sha256 = hashlib.sha256(content).hexdigest()
    item.size = len(content)
    item.status = GeneratedFile.Status.DONE
    item.finished_at = timezone.now()
    item.save(update_fields=["file", "sha256", "size", "status", "finished_at"])


def generated_file_fail(*, item: GeneratedFile) -> None:
    GeneratedFile.objects.filter(pk=item.pk).update(status=GeneratedFile.Status.FAILED, finished_at=timezone.now())


def generated_file_get(*, scope: Scope, user, pk: int) -> GeneratedFile:
    """The asker's own file, while its village is still in their scope; Http404 otherwise (R1)."""
    item = (GeneratedFile.objects.filter(pk=pk, created_by=user, head_office_id=scope.head_office_id)
            .select_related("job").first())
    if item is None or (item.village_id is not None and item.village_id not in scope.village_ids):
        raise Http404
    return item


def run_file_job(job_id: int, render) -> None:
    """Thin job interface: load the file by id, re-enter the asker's scope and language, call
    `render(item=..., scope=..., progress=...)` for the bytes, store them (a redelivery overwrites)."""
    from django_scopes import scopes_disabled

    from .jobs import job_finish, job_progress, job_start
    from .scoping import activate, scope_for_user

    job = job_start(job_id)
    if job is None:
        return  # already done: a redelivery
    try:
        with scopes_disabled():
            item = GeneratedFile.objects.select_related("created_by").get(pk=job.kwargs["file_id"])
        scope = scope_for_user(item.created_by)
        with activate(scope), translation.override(item.language):
            content = render(item=item, scope=scope, progress=lambda percent: job_progress(job_id, min(percent, 99)))
            generated_file_store(item=item, content=content)
    except Exception as exc:
        job_finish(job_id, error=repr(exc))
        generated_file_fail(item=GeneratedFile(pk=job.kwargs["file_id"]))
        raise
    job_finish(job_id)
