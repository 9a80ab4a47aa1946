"""Issue 18: the files no row names, left behind by a worker killed between writing a file and committing its row.

A generated file (GeneratedFile, `generated/`) or a notice board (publicity, `notices/`) is written to the volume
first and its row committed after. A worker killed in between (out of memory, the host restarted) leaves the file
with no row: nobody can open it, and it holds personal data. The sweep (Celery beat "sweep-orphan-files", or
`manage.py sweep_orphan_files`) removes the files under those directories that no row of any model names and that
are older than ORPHAN_FILE_MIN_AGE_SECONDS, so a file being written now, whose row is not committed yet, is never
touched. A file a row names is never removed, whatever its age. Idempotent: a second run finds nothing to remove.
"""

import logging
import os
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models

log = logging.getLogger(__name__)

# The directories under MEDIA_ROOT swept: the upload_to of GeneratedFile.file and of publicity's Notice.file.
SWEPT_DIRS = ("generated", "notices")


def _old_files(root: Path, cutoff: float) -> list[str]:
    """The regular files under the swept directories last written before `cutoff` (an epoch time), as names
    relative to `root` (how a FileField stores them). Symbolic links are neither followed nor removed."""
    found = []
    for top in SWEPT_DIRS:
        for directory, _dirs, files in os.walk(root / top, followlinks=False):
            for file_name in files:
                path = Path(directory) / file_name
                try:
                    stat = path.lstat()
                except FileNotFoundError:  # removed meanwhile
                    continue
                if path.is_file() and not path.is_symlink() and stat.st_mtime < cutoff:
                    found.append(path.relative_to(root).as_posix())
    return found


def _may_name_swept_files(field: models.FileField) -> bool:
    """False only for a field whose upload_to is a fixed directory outside the swept ones (its rows cannot name
    our files); a callable or empty upload_to may name anything, so its rows are read too."""
    upload_to = field.upload_to
    if callable(upload_to) or not upload_to:
        return True
    return str(upload_to).split("/", 1)[0] in SWEPT_DIRS


def referenced_names() -> set[str]:
    """Every name under the swept directories that a row of any model keeps in a FileField."""
    names = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.FileField) or not _may_name_swept_files(field):
                continue
            for top in SWEPT_DIRS:
                rows = (model._base_manager.filter(**{f"{field.attname}__startswith": f"{top}/"})
                        .values_list(field.attname, flat=True).order_by())
                names.update(rows.iterator(chunk_size=5000))
    return names


def orphan_files_sweep(*, now: float | None = None, dry_run: bool = False) -> dict:
    """Remove the swept directories' files that no row names and that were last written more than
    ORPHAN_FILE_MIN_AGE_SECONDS before `now` (epoch seconds; the clock by default). Returns the counts and the
    names removed (or, with dry_run, that would be)."""
    root = Path(default_storage.location)
    cutoff = (time.time() if now is None else now) - settings.ORPHAN_FILE_MIN_AGE_SECONDS
    # The files are listed before the rows are read: a row committed meanwhile names a file too young to be listed.
    old = _old_files(root, cutoff)
    referenced = referenced_names() if old else set()
    orphans = sorted(name for name in old if name not in referenced)
    removed = []
    for name in orphans:
        if not dry_run:
            try:
                (root / name).unlink()
            except FileNotFoundError:  # another sweep took it
                continue
            log.warning("removed the orphan file %s (no row names it)", name)
        removed.append(name)
    return {"old_files": len(old), "referenced": len(old) - len(orphans), "removed": len(removed), "names": removed,
            "dry_run": dry_run}
