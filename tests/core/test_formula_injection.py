"""R7 / SPEC §11: user text never starts an exported cell with `=`, `+`, `-` or `@` (formula injection).

Every spreadsheet export writes its cells through `sunshine_credit.lib.excel.safe_text` (`write_xlsx`, the pre-credit
template, the appraisal booklets); the exports' own tests run real user text through it.
"""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from sunshine_credit.lib.excel import safe_text, write_xlsx

# Each of the four characters a spreadsheet reads as the start of a formula, as a user could type it.
FORMULAS = ["=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)"]


@pytest.mark.parametrize("text", FORMULAS)
def test_safe_text_escapes_every_formula_start(text):
    assert safe_text(text) == "'" + text


@pytest.mark.parametrize("value", ["王一明", "东岭村1组1号", "2+3", "a=b", "", None, 0, -5, Decimal("-1000.50")])
def test_safe_text_leaves_other_values_alone(value):
    # Numbers stay numbers, even negative ones: only text can smuggle a formula.
    assert safe_text(value) == value


@pytest.mark.parametrize("text", FORMULAS)
def test_written_cells_are_escaped_text(text):
    out = io.BytesIO()
    write_xlsx(out, "R7", ["姓名", "身份证号码", "金额"], [[text, text, -1000]], text_columns=frozenset({1}))
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    name, number, amount = next(sheet.iter_rows(min_row=2, max_row=2))
    assert name.value == "'" + text and name.data_type == "s"
    assert number.value == "'" + text and number.data_type == "s"    # a text column too
    assert amount.value == -1000 and amount.data_type == "n"          # a number is not escaped
