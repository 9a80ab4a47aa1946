"""P3: the rendering job's work — render a published notice once and archive the file with its SHA-256.

A notice that already has its file is never rendered again (the archive is unchanged), so a
redelivered job, or two workers picking up the same job, leave one file.
"""

import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from .models import Notice
from .render import board_pdf


def notice_file_name(notice: Notice) -> str:
    return f"notice-{notice.kind}-{notice.village_id}-{notice.pk}.pdf"


def notice_render(notice_id: int) -> bool:
    """Render and archive the notice's PDF; False when it was already archived (nothing changes)."""
    with scopes_disabled():
        notice = Notice.objects.get(pk=notice_id)
        if notice.file:
            return False
        content, pages = board_pdf(notice.snapshot)
        with transaction.atomic():
            notice = Notice.objects.select_for_update().get(pk=notice_id)
            if notice.file:
                return False
            notice.file.save(notice_file_name(notice), ContentFile(content), save=False)
            notice.sha256 = hashlib.sha256(content).hexdigest()
            notice.size, notice.pages = len(content), pages
            notice.status, notice.rendered_at = Notice.Status.PUBLISHED, timezone.now()
            notice.save(update_fields=["file", "sha256", "size", "pages", "status", "rendered_at"])
    return True


def notice_render_failed(notice_id: int) -> None:
    with scopes_disabled():
        Notice.objects.filter(pk=notice_id, file="").update(status=Notice.Status.FAILED)
