"""The appraisal app's files: the paper appraisal booklet (评议册, A3) to print, and the audit referral list of
a campaign (A6 (2)) as .xlsx. R7: user text never starts a formula.
"""

from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from households.models import LoanClass
from sunshine_credit.lib.excel import safe_text, write_xlsx
from sunshine_credit.lib.masking import mask_phone
from sunshine_credit.scoping import Scope
from surveys.rules import WITHHOLD_REASONS

from .models import Panel, PanelMember
from .selectors import audit_referrals, booklet_households, booklet_seats

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- the appraisal booklet (A3) -----------------------------------------------------------------------------
# A3: the appraisal booklet (评议册, seed 000 第三篇) as a workbook: one sheet per seated reviewer, to print.
#
# Back to back: the booklet is ALWAYS blank in the entry columns. This module never reads `Appraisal`
# rows (see appraisal.models), so no reviewer's entry can reach a printed sheet. A2: a reviewer's own
# household is left out of their sheet. R5: phones are masked; R7: user text never starts a formula.
#
# Layout of every sheet (the import reads it back, appraisal.imports):
#   row 1  title: campaign, village, panel, 评议员N：name
#   row 2  the fixed cells 评议小组编号 | panel id | 评议员席位 | seat | 评议员编号 | reviewer id (numbers), which
#          identify the seat (the reviewer id catches a booklet printed before the panel's members changed)
#   row 3  how to fill it in
#   row 4  the column headers (COLUMNS), then one row per household

# Fixed file words (like the §11 templates): the import finds its columns and the seat by them.
PANEL_LABEL, SEAT_LABEL, REVIEWER_LABEL = "评议小组编号", "评议员席位", "评议员编号"
CODE, GROUP, HEAD, ADDRESS, PHONE = "户号代码", "村民小组", "户主姓名", "家庭住址", "联系电话"
AMOUNT, REASONS, RATING = "授信额度(元)", "待授信原因代码", "评级"
# A4: gaps the reviewer fills in (seed 000 第三篇: 评议人 … 尽量把相关数据补充齐全); the officer confirms them.
NEW_ADDRESS, NEW_PHONE = "补充家庭住址", "补充联系电话"
COLUMNS = [CODE, GROUP, HEAD, ADDRESS, PHONE, AMOUNT, REASONS, RATING, NEW_ADDRESS, NEW_PHONE]
WIDTHS = [16, 10, 10, 30, 14, 14, 14, 8, 24, 14]
TEXT_COLUMNS = {CODE, GROUP, HEAD, ADDRESS, PHONE, REASONS, RATING, NEW_ADDRESS, NEW_PHONE}
HEADER_ROW = 4
EXPORT_STATUSES = (Panel.Status.FORMING, Panel.Status.OPEN)


def instruction() -> str:
    codes = "；".join(f"{code} {text}" for code, text in WITHHOLD_REASONS.items())
    return _("Fill in alone (back to back). Amount in yuan (30000) or ten-thousands of yuan (3万) with a rating; "
             "or, instead of an amount, withhold reason codes separated by commas: %(codes)s. Rating: AAA, AA, A "
             "or B (or 1 to 4).") % {"codes": codes}


def _title(panel: Panel, seat: PanelMember) -> str:
    return "  ".join([panel.campaign.name, panel.village.name, panel.unit_name,
                      _("Reviewer %(seat)d: %(name)s") % {"seat": seat.seat, "name": seat.reviewer.name}])


def _print_setup(sheet) -> None:
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"1:{HEADER_ROW}"
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    # A7: the signature block of the paper booklet, on every printed page (no cell the import would read).
    sheet.oddFooter.left.text = _("Reviewer's signature: ____________    Date: ____________")
    sheet.oddFooter.right.text = "&P / &N"


def _write_sheet(workbook: Workbook, panel: Panel, seat: PanelMember) -> int:
    sheet = workbook.create_sheet(title=f"评议员{seat.seat}")
    width = len(COLUMNS)
    sheet.append([safe_text(_title(panel, seat))])
    sheet.append([PANEL_LABEL, panel.pk, SEAT_LABEL, seat.seat, REVIEWER_LABEL, seat.reviewer_id])
    sheet.append([instruction()])
    sheet.append(COLUMNS)
    last = get_column_letter(width)
    for row in (1, 3):
        sheet.merge_cells(f"A{row}:{last}{row}")
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A3"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[3].height = 45
    for index in range(1, len(COLUMNS) + 1):
        sheet.cell(row=HEADER_ROW, column=index).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS[index - 1]
    count = 0
    for code, group, head, address, phone in booklet_households(panel, seat).iterator(chunk_size=2000):
        count += 1
        # The entry columns stay empty: back to back (A3), never anybody's entries.
        sheet.append([safe_text(code), safe_text(group or ""), safe_text(head or ""), safe_text(address),
                      mask_phone(phone), None, None, None, None, None])
    for index, title in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cells = sheet[f"{letter}{HEADER_ROW + 1}:{letter}{HEADER_ROW + max(count, 1)}"]
        for (cell,) in cells:
            cell.number_format = "@" if title in TEXT_COLUMNS else "#,##0.00"
    ratings = DataValidation(type="list", formula1='"AAA,AA,A,B"', allow_blank=True, showErrorMessage=False)
    sheet.add_data_validation(ratings)
    rating_letter = get_column_letter(COLUMNS.index(RATING) + 1)
    ratings.add(f"{rating_letter}{HEADER_ROW + 1}:{rating_letter}{HEADER_ROW + max(count, 1)}")
    _print_setup(sheet)
    return count


def booklet_write(*, panel: Panel, out) -> dict:
    """Write the panel's booklet to `out` (a path or file object). Call inside a scope holding the village.
    Returns {"sheets": n, "rows": households over all sheets}."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    seats = booklet_seats(panel)
    rows = sum(_write_sheet(workbook, panel, seat) for seat in seats)
    if not seats:  # a panel still without members: one sheet that says so, not a broken file
        workbook.create_sheet(title="评议册").append([_("This panel has no members yet.")])
    workbook.save(out)
    return {"sheets": len(seats), "rows": rows}


def booklet_file_name(panel: Panel) -> str:
    return f"评议册-{panel.campaign.code}-{panel.village.code}.xlsx"


# --- the audit referrals (A6 (2)) ---------------------------------------------------------------------------
# A6 (2): the audit referral list of a campaign as .xlsx, one row per current loan, within the scope.
#
# R7: `write_xlsx` guards user text against formula injection; amounts are numbers; the ID numbers are the
# masked ones of the evidence (R5), kept as text.

ID_COLUMN = 5


def audit_referral_header() -> list[str]:
    return [_("Branch"), _("Village"), _("Household code"), _("Loan officers"), _("Borrower"), _("ID number"),
            _("Loan number"), _("Amount (yuan)"), _("Balance (yuan)"), _("Classification"),
            _("Current borrowing (yuan)"), _("Computed amount (yuan)")]


def audit_referral_rows(*, scope: Scope, campaign):
    labels = dict(LoanClass.choices)
    for row in audit_referrals(scope=scope, campaign=campaign):
        for loan in row["hit"].evidence:
            yield [row["branch"].name, row["village"].name, row["household"].code, "、".join(row["officers"]),
                   loan["member"], loan["id_masked"], loan["loan_number"], Decimal(loan["amount"]),
                   Decimal(loan["balance"]), str(labels.get(loan["classification"], loan["classification"])),
                   row["total"], row["computed_amount"]]


def audit_referral_write(out, *, scope: Scope, campaign) -> None:
    """Call inside `activate(scope)`."""
    write_xlsx(out, _("Audit referrals %(code)s") % {"code": campaign.code}, audit_referral_header(),
               audit_referral_rows(scope=scope, campaign=campaign), text_columns=frozenset({ID_COLUMN}))


def audit_referral_file_name(campaign) -> str:
    return _("audit-referrals-%(code)s.xlsx") % {"code": campaign.code}
