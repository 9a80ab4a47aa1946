"""R6 for scanned papers (a signed delivery receipt, a signed record): what an upload must be before it is stored.

A scan is taken only when its bytes are a PDF, a JPEG or a PNG — whatever its name or the browser's content type
say — no larger than settings.POST_LOAN_SCAN_MAX_BYTES (default 10 MB), and, for an image, one Pillow reads whole
(`verify`) with at most POST_LOAN_SCAN_MAX_PIXELS pixels (a decompression bomb is refused before it is decoded).
It is stored under a name the server makes (`scan_file_name`), never the uploaded one. Refusals are ScanRefused
with a message for the form; nothing is written.
"""

import io
import secrets

from django.conf import settings
from django.utils.translation import gettext as _

from sunshine_credit.errors import Refusal

SIGNATURES = ((b"%PDF-", "pdf"), (b"\xff\xd8\xff", "jpg"), (b"\x89PNG\r\n\x1a\n", "png"))
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000


class ScanRefused(Refusal):
    """The upload is not a scan we keep; str() says why, for the form."""


def scan_kind(data: bytes) -> str:
    """"pdf", "jpg" or "png" from the file's first bytes; ScanRefused otherwise or when too large or unreadable."""
    limit = getattr(settings, "POST_LOAN_SCAN_MAX_BYTES", MAX_BYTES)
    if not data:
        raise ScanRefused(_("The file is empty."))
    if len(data) > limit:
        raise ScanRefused(_("The scan is too large: at most %(mb)d MB.") % {"mb": limit // (1024 * 1024)})
    kind = next((name for magic, name in SIGNATURES if data.startswith(magic)), None)
    if kind is None:
        raise ScanRefused(_("Upload the scan as a PDF, JPEG or PNG file."))
    if kind != "pdf":
        _check_image(data)
    elif b"%%EOF" not in data[-2048:]:
        raise ScanRefused(_("The PDF file is incomplete or damaged."))
    return kind


def _check_image(data: bytes) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > getattr(settings, "POST_LOAN_SCAN_MAX_PIXELS", MAX_PIXELS):
                raise ScanRefused(_("The image is too large."))
            image.verify()
    except ScanRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ScanRefused(_("The image cannot be read: upload the scan again.")) from None


def scan_file_name(prefix: str, kind: str) -> str:
    return f"{prefix}-{secrets.token_hex(8)}.{kind}"
