"""R6: uploads that are not a plain, bounded .xlsx are refused with a message for the user, before any parser."""

import io
import json
import re
import zipfile

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext
from django_scopes import scopes_disabled
from openpyxl import Workbook

from households.models import Household, RosterImport
from sunshine_credit.lib.excel import UploadRefused, check_xlsx, open_upload

NOT_XLSX = "This is not an Excel .xlsx workbook. Save it as .xlsx and upload it again."
DAMAGED = "The workbook is damaged and cannot be opened."
BOMB = "The workbook expands to more data than allowed (a compressed bomb?)."
ENTITIES = "The workbook contains XML entity declarations, which are not allowed."


def zh(msgid: str) -> str:
    """The message as the user sees it: the product's msgid in the default interface language."""
    with translation.override("zh-hans"):
        return gettext(msgid)


def workbook(rows=3, *, width=4) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append([f"列{c}" for c in range(width)])
    for r in range(rows):
        sheet.append([f"r{r}c{c}" for c in range(width)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rezip(data: bytes, *, replace: dict[str, bytes] | None = None, drop: set[str] = frozenset(),
          add: dict[str, bytes] | None = None) -> bytes:
    """The same workbook with parts replaced, dropped or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            dst.writestr(info.filename, (replace or {}).get(info.filename, src.read(info.filename)))
        for name, content in (add or {}).items():
            dst.writestr(name, content, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def refusal(data: bytes) -> str:
    with pytest.raises(UploadRefused) as caught:
        open_upload(data)
    message = str(caught.value)
    # A sentence for a loan officer: no exception names, module paths or reprs.
    assert message and message[-1] in ".。"
    assert not re.search(r"Error|Exception|Traceback|zipfile|calamine|\bb'", message), message
    return message


def test_a_valid_workbook_passes():
    data = workbook(rows=5)
    check_xlsx(data)
    sheet = open_upload(data)
    assert len(sheet.rows) == 6
    assert sheet.rows[1][0] == "r0c0"
    assert sheet.size == len(data) and len(sheet.sha256) == 64


@pytest.mark.parametrize("data", [b"", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "姓名,身份证号码\n".encode(),
                                  b"PK\x03\x04 truncated"])
def test_not_an_xlsx_is_refused(data):
    message = refusal(data)
    # What starts like a zip but is not one is reported as a damaged workbook; the rest are not .xlsx.
    expected = DAMAGED if data.startswith(b"PK\x03\x04") else NOT_XLSX
    assert message == zh(expected)


def test_a_zip_without_a_workbook_is_refused():
    message = refusal(rezip(workbook(), drop={"xl/workbook.xml"}))
    assert ".xlsx" in message
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert ".xlsx" in refusal(out.getvalue())


def test_a_file_over_the_size_limit_is_refused(settings):
    data = workbook()
    settings.UPLOAD_MAX_BYTES = len(data) - 1
    message = refusal(data)
    assert "MB" in message


def test_default_size_limit_is_20_mb(settings):
    assert settings.UPLOAD_MAX_BYTES == 20 * 1024 * 1024


def test_a_zip_bomb_is_refused_by_its_expansion_ratio():
    bomb = rezip(workbook(), add={"xl/media/padding.bin": b"\0" * (8 * 1024 * 1024)})
    assert len(bomb) < 100 * 1024   # 8 MB of zeros pack into a few KB
    message = refusal(bomb)
    assert message == zh(BOMB) and "压缩炸弹" in message


def test_a_workbook_expanding_beyond_the_size_cap_is_refused(settings):
    settings.UPLOAD_MAX_UNCOMPRESSED_BYTES = 10_000
    settings.UPLOAD_MAX_RATIO = 10_000
    assert refusal(workbook(rows=400, width=10)) == zh(BOMB)


@pytest.mark.parametrize("declaration", [
    b'<!DOCTYPE x [<!ENTITY lol "lol">]>',
    b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    b"<!doctype x>",
])
def test_xml_entities_are_refused(declaration):
    data = workbook()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    if sheet.startswith(b"<?xml"):
        prologue, rest = sheet.split(b"?>", 1)
        sheet = prologue + b"?>" + declaration + rest
    else:
        sheet = declaration + sheet
    poisoned = rezip(data, replace={"xl/worksheets/sheet1.xml": sheet})
    message = refusal(poisoned)
    assert message == zh(ENTITIES)
    assert "XML实体" in message


def test_too_many_rows_are_refused(settings):
    settings.UPLOAD_MAX_ROWS = 3
    open_upload(workbook(rows=3))
    message = refusal(workbook(rows=4))
    assert "4" in message and "3" in message   # the rows found and the limit


@pytest.mark.django_db
def test_a_refused_roster_writes_nothing(tmp_path, county):
    bomb = tmp_path / "花名册.xlsx"
    bomb.write_bytes(rezip(workbook(), add={"xl/media/padding.bin": b"\0" * (8 * 1024 * 1024)}))
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("import_roster", str(bomb), "--json", "--user", county.tina.username, stdout=out)
    assert exit_.value.code == 1
    result = json.loads(out.getvalue())
    assert result["ok"] is False and zh(BOMB) in result["message"]
    with scopes_disabled():
        assert not Household.objects.exists() and not RosterImport.objects.exists()
