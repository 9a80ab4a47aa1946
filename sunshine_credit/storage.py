"""Issue 18.3: the files volume full (or any write error) leaves no half-written file behind.

Django's FileSystemStorage writes straight into the final path and, when a write fails part-way (ENOSPC: the
volume is full; EIO), leaves the truncated file there. This storage removes it before the error goes on, so a
row never points at half a file and the next attempt starts clean. Everything else is Django's.
"""

import contextlib
import errno
import os

from django.core.files.storage import FileSystemStorage as DjangoFileSystemStorage


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


class FileSystemStorage(DjangoFileSystemStorage):
    def _save(self, name, content):
        full_path = self.path(name)
        existed = os.path.lexists(full_path)
        try:
            return super()._save(name, content)
        except BaseException:
            if not existed:  # ours, half written: remove it (never a file that was there before)
                with contextlib.suppress(OSError):
                    os.remove(full_path)
            raise
