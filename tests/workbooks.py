"""Workbooks built in memory for tests: a header row, then the data rows."""

import io

from openpyxl import Workbook


def workbook_bytes(header: list, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
