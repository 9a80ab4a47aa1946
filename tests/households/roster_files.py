"""Roster workbooks in the SPEC §11 template, built in memory for tests and the benchmark."""

from households.imports import COLUMNS
from tests.workbooks import workbook_bytes

HEADER = list(COLUMNS.values())


def roster_row(branch, village, code, name, id_number, relation="户主", *, village_name="东岭村", group="1组",
               address="东岭村1组1号", phone="13800001111", land=2.5, consent="是"):
    if relation != "户主":
        phone, land, consent = "", None, None
    return [branch, village, village_name, group, code, name, id_number, relation, address, phone, land, consent]


def roster_bytes(rows, header=HEADER) -> bytes:
    return workbook_bytes(header, rows)
