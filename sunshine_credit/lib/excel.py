"""Spreadsheets in and out.

In: `open_upload` refuses anything that is not a plain, bounded .xlsx (R6) before any parser sees
it, then python-calamine reads the first sheet (about 10x faster than openpyxl's read-only mode).
Out: `write_xlsx` streams rows with openpyxl's write-only mode; user text never starts a cell with
a formula character (R7) and ID numbers stay text.
"""

import hashlib
import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from python_calamine import CalamineWorkbook

from ..errors import Refusal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
REQUIRED_PARTS = {"[Content_Types].xml", "xl/workbook.xml"}


class UploadRefused(Refusal):
    """The file was refused before reading; str() is the Chinese message for the user."""


@dataclass(frozen=True)
class Sheet:
    rows: list[list]   # the first sheet, header included, cells as python values ('' for blank)
    sha256: str
    size: int


def check_xlsx(data: bytes) -> None:
    """R6: a real .xlsx, within the size, expansion and row limits, with no XML entities."""
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise UploadRefused(_("The file is %(size).1f MB; the limit is %(limit).1f MB.")
                            % {"size": len(data) / 2**20, "limit": settings.UPLOAD_MAX_BYTES / 2**20})
    if not data.startswith(b"PK\x03\x04"):
        raise UploadRefused(_("This is not an Excel .xlsx workbook. Save it as .xlsx and upload it again."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise UploadRefused(_("The workbook is damaged and cannot be opened.")) from None
    names = {i.filename for i in infos}
    if not REQUIRED_PARTS <= names:
        raise UploadRefused(_("This is not an Excel .xlsx workbook. Save it as .xlsx and upload it again."))
    total = sum(i.file_size for i in infos)
    if total > settings.UPLOAD_MAX_UNCOMPRESSED_BYTES or total > max(len(data), 1) * settings.UPLOAD_MAX_RATIO:
        raise UploadRefused(_("The workbook expands to more data than allowed (a compressed bomb?)."))
    for info in infos:
        if not info.filename.endswith((".xml", ".rels")):
            continue
        with archive.open(info) as part:
            # The declarations sit in the prologue; read a bounded head of every XML part.
            head = part.read(4096).upper()
        if b"<!ENTITY" in head or b"<!DOCTYPE" in head:
            raise UploadRefused(_("The workbook contains XML entity declarations, which are not allowed."))


def open_upload(data: bytes) -> Sheet:
    """Check and read the first sheet. Raises UploadRefused with a message for the user."""
    check_xlsx(data)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        # total_height is the index of the last row (0-based), so it counts the rows below the header.
        if sheet.total_height > settings.UPLOAD_MAX_ROWS:
            raise UploadRefused(_("The sheet has %(rows)d rows; the limit is %(limit)d.")
                                % {"rows": sheet.total_height, "limit": settings.UPLOAD_MAX_ROWS})
        rows = sheet.to_python(skip_empty_area=False)
    except UploadRefused:
        raise
    except Exception:
        raise UploadRefused(_("The workbook is damaged and cannot be read.")) from None
    while rows and all(c in ("", None) for c in rows[-1]):
        rows.pop()
    return Sheet(rows=rows, sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def safe_text(value):
    """R7: user text never starts a cell with a formula character."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_xlsx(out, title: str, header: list[str], rows, *, text_columns: frozenset[int] = frozenset()) -> None:
    """Stream `rows` (an iterable of lists) under `header` into `out` (a path or file object)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    bold = Font(bold=True)
    header_cells = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        values = []
        for index, value in enumerate(row):
            value = safe_text(value)
            if index in text_columns and value not in (None, ""):
                cell = WriteOnlyCell(sheet, value=str(value))
                cell.number_format = "@"
                values.append(cell)
            else:
                values.append(value)
        sheet.append(values)
    workbook.save(out)
