"""A3: reading a filled appraisal booklet (评议册) back: every sheet, every row checked before anything is written.

The workbook is the one `appraisal.exports` writes (one sheet per seat, identified by the fixed cells
of row 2). A row with anything in the entry columns becomes that seat's entry for the household
(`services.entry.appraisal_write`, an upsert per seat and household: importing the same file again gives
the same entries); a row left blank is not entered and changes nothing. Errors name the sheet, the row,
the column and the reason, and never repeat what was typed in the entry columns (A3: back to back).
"""

import hashlib
import io
from dataclasses import dataclass, field

from auditlog.context import set_actor
from django.conf import settings
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled
from python_calamine import CalamineWorkbook

from households.models import Household
from sunshine_credit.errors import RuleViolation
from sunshine_credit.import_jobs import import_locked_apply
from sunshine_credit.lib.excel import UploadRefused, check_xlsx
from sunshine_credit.lib.money import AmountError, parse_amount
from sunshine_credit.scoping import Scope
from surveys.forms import EntryError, parse_codes

from . import rules
from .exports import AMOUNT, CODE, NEW_ADDRESS, NEW_PHONE, PANEL_LABEL, RATING, REASONS, REVIEWER_LABEL, SEAT_LABEL
from .forms import MAX_REASON, parse_rating
from .models import Appraisal, GapEdit, Panel
from .selectors import booklet_seats, panel_households
from .services.entry import EntryInput, EntryRefused, appraisal_write, check_entry
from .services.gaps import GapRefused, clean_value, gap_record

GAP_COLUMNS = {NEW_ADDRESS: GapEdit.Field.ADDRESS, NEW_PHONE: GapEdit.Field.PHONE}

MAX_SHEETS = 100
MAX_STORED_ERRORS = 2000
FIELD_COLUMNS = {"amount": AMOUNT, "withhold_reasons": REASONS, "rating": RATING, "__all__": ""}


@dataclass(frozen=True)
class Book:
    sheets: list[tuple[str, list[list]]]   # (sheet name, rows as python values, '' for blank)
    sha256: str
    size: int


@dataclass
class BookletPlan:
    panel_id: int
    rows_total: int = 0
    records: list[tuple[int, int, EntryInput]] = field(default_factory=list)  # (seat id, household id, values)
    gaps: list[tuple[int, int, str, str]] = field(default_factory=list)  # A4: (seat id, household id, field, value)
    errors: list[dict] = field(default_factory=list)
    seats: list[dict] = field(default_factory=list)   # [{seat, name, sheet, rows}]: counts only (A3)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, sheet: str, row: int, column: str, message: str) -> None:
        self.errors.append({"sheet": sheet, "row": row, "column": column, "message": message})


def read_booklet(data: bytes) -> Book:
    """R6 (sunshine_credit.lib.excel.check_xlsx), then every sheet. Raises UploadRefused with the user's message."""
    check_xlsx(data)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if len(workbook.sheet_names) > MAX_SHEETS:
            raise UploadRefused(_("The workbook has %(n)d sheets; a booklet has at most %(limit)d.")
                                % {"n": len(workbook.sheet_names), "limit": MAX_SHEETS})
        sheets, height = [], 0
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            height += sheet.total_height
            if height > settings.UPLOAD_MAX_ROWS:
                raise UploadRefused(_("The sheet has %(rows)d rows; the limit is %(limit)d.")
                                    % {"rows": height, "limit": settings.UPLOAD_MAX_ROWS})
            rows = sheet.to_python(skip_empty_area=False)
            while rows and all(c in ("", None) for c in rows[-1]):
                rows.pop()
            sheets.append((name, rows))
    except UploadRefused:
        raise
    except Exception:  # noqa: BLE001 - any parser failure on a hostile file is a refusal, not a crash
        raise UploadRefused(_("The workbook is damaged and cannot be read.")) from None
    return Book(sheets=sheets, sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def _plain(value):
    """A number cell as the text a person typed: 2.0 → "2"; text stripped; blank → ""."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _identify(rows: list[list]) -> tuple[int | None, int | None, int | None]:
    """(panel id, seat, reviewer id) from the fixed cells 评议小组编号 | id | 评议员席位 | seat | 评议员编号 | id."""
    found = {}
    for row in rows[:4]:
        for index, cell in enumerate(row[:-1]):
            if _plain(cell) in (PANEL_LABEL, SEAT_LABEL, REVIEWER_LABEL) and _plain(row[index + 1]).isdigit():
                found[_plain(cell)] = int(_plain(row[index + 1]))
    return found.get(PANEL_LABEL), found.get(SEAT_LABEL), found.get(REVIEWER_LABEL)


def _header(rows: list[list]) -> tuple[int, dict[str, int]] | None:
    for number, row in enumerate(rows[:10], start=1):
        names = [_plain(c) for c in row]
        if CODE in names and AMOUNT in names:
            return number, {title: names.index(title) for title in (CODE, AMOUNT, REASONS, RATING, *GAP_COLUMNS)
                            if title in names}
    return None


def _read_entry(plan: BookletPlan, sheet: str, number: int, cells: dict) -> EntryInput | None:
    """The typed entry, or None with every bad cell reported. Messages never repeat the typed value (A3)."""
    values, bad = {}, False
    readers = {
        "amount": (parse_amount, None),  # the parser's own message: the same at every door, never the value
        "withhold_reasons": (lambda v: parse_codes(v, maximum=MAX_REASON),
                             _("Unknown withhold reason code: use codes 1 to 9, separated by commas.")),
        "rating": (parse_rating, _("The rating cannot be read: write AAA, AA, A or B (or 1 to 4).")),
    }
    for name, (reader, message) in readers.items():
        try:
            values[name] = reader(cells[name])
        except AmountError as exc:
            plan.error(sheet, number, FIELD_COLUMNS[name], str(exc))
            bad = True
        except EntryError:
            plan.error(sheet, number, FIELD_COLUMNS[name], message)
            bad = True
    if bad:
        return None
    entry = EntryInput(amount=values["amount"], reasons=values["withhold_reasons"], rating=values["rating"])
    try:
        check_entry(entry)
    except EntryRefused as exc:
        for name, message in exc.errors.items():
            plan.error(sheet, number, FIELD_COLUMNS.get(name, ""), message)
        return None
    return entry


class _Households:
    """The panel's households by code; for a code that is not one of them, why (without leaking existence)."""

    def __init__(self, panel: Panel, scope: Scope):
        self.panel, self.scope = panel, scope
        self.ids = dict(panel_households(panel).values_list("code", "id"))
        # (seat, household) entered online: what a booklet row must not overwrite. Read again at apply time.
        self.online = {(m, h): True for m, h in Appraisal.objects.filter(panel=panel, source=Appraisal.Source.WEB)
                       .values_list("member_id", "household_id")}

    def refusal(self, code: str) -> str:
        with scopes_disabled():
            elsewhere = Household.objects.filter(head_office_id=self.panel.campaign.head_office_id, code=code,
                                                 village_id__in=self.scope.village_ids).exists()
        if elsewhere:
            return _("Household %(code)s is not appraised by this panel.") % {"code": code}
        return _("Household %(code)s does not exist or is outside your scope.") % {"code": code}


def _validate_sheet(plan: BookletPlan, name: str, rows: list[list], seat, households: _Households) -> int:
    header = _header(rows)
    if header is None or not {CODE, AMOUNT, REASONS, RATING} <= set(header[1]):
        columns = f"{CODE}、{AMOUNT}、{REASONS}、{RATING}"
        plan.error(name, header[0] if header else 1, "",
                   _("The column headers of the booklet are missing: %(cols)s.") % {"cols": columns})
        return 0
    header_row, index = header
    seen: dict[int, int] = {}
    count = 0
    for number, row in enumerate(rows[header_row:], start=header_row + 1):
        cell = {key: _plain(row[i]) if i < len(row) else "" for key, i in index.items()}
        cells = {"amount": cell[AMOUNT], "withhold_reasons": cell[REASONS], "rating": cell[RATING]}
        gaps = {name: cell[title] for title, name in GAP_COLUMNS.items() if cell.get(title)}
        if not any(cells.values()) and not gaps:
            continue  # not filled in: nothing entered, nothing changed
        plan.rows_total += 1
        code = cell[CODE]
        if not code:
            plan.error(name, number, CODE, _("This cell is required."))
            continue
        household_id = households.ids.get(code)
        if household_id is None:
            plan.error(name, number, CODE, households.refusal(code))
            continue
        try:
            rules.check_not_own_household(reviewer_household_id=seat.reviewer.household_id, household_id=household_id)
        except RuleViolation as exc:
            plan.error(name, number, CODE, str(exc))
            continue
        if household_id in seen:
            plan.error(name, number, CODE, _("Household %(code)s is on this sheet twice (row %(row)d).")
                       % {"code": code, "row": seen[household_id]})
            continue
        seen[household_id] = number
        if any(cells.values()) and households.online.get((seat.pk, household_id)):
            # R3: the reviewer saved this one online (perhaps after the booklet was printed); never overwrite it.
            plan.error(name, number, AMOUNT, _("Reviewer %(seat)d entered household %(code)s online: change it "
                                               "online, or leave this row blank.") % {"seat": seat.seat, "code": code})
            continue
        _read_gaps(plan, name, number, seat.pk, household_id, gaps)
        if not any(cells.values()):
            continue
        entry = _read_entry(plan, name, number, cells)
        if entry is not None:
            plan.records.append((seat.pk, household_id, entry))
            count += 1
    return count


def _read_gaps(plan: BookletPlan, sheet: str, number: int, seat_id: int, household_id: int, gaps: dict) -> None:
    """A4: the household data the reviewer added on paper, checked as the online form checks it."""
    for name, raw in gaps.items():
        try:
            plan.gaps.append((seat_id, household_id, name, clean_value(name, raw)))
        except GapRefused as exc:
            plan.error(sheet, number, {v: k for k, v in GAP_COLUMNS.items()}[name], str(exc))


def booklet_validate(book: Book, *, scope: Scope, panel: Panel) -> BookletPlan:
    """Check every sheet and row; nothing is written. Call inside the scope."""
    plan = BookletPlan(panel_id=panel.pk)
    if not scope.can_edit_village(panel.village_id):
        plan.error("", 1, "", _("This panel is outside your scope."))
        return plan
    if panel.status != Panel.Status.OPEN:
        plan.error("", 1, "", _("The round of this panel is not open: a booklet is imported only while it is open."))
        return plan
    seats = {seat.seat: seat for seat in booklet_seats(panel)}
    households = _Households(panel, scope)
    sheet_of_seat: dict[int, str] = {}
    for name, rows in book.sheets:
        if not any(_plain(c) for row in rows for c in row):
            continue  # an empty sheet (Excel's default Sheet1)
        panel_id, number, reviewer_id = _identify(rows)
        if panel_id is None or number is None:
            plan.error(name, 2, "", _("This is not a sheet of an appraisal booklet: row 2 must hold %(panel)s and "
                                      "%(seat)s as exported.") % {"panel": PANEL_LABEL, "seat": SEAT_LABEL})
        elif panel_id != panel.pk:
            plan.error(name, 2, PANEL_LABEL, _("This sheet is from the booklet of another panel."))
        elif number not in seats:
            plan.error(name, 2, SEAT_LABEL, _("Seat %(seat)d is not on this panel.") % {"seat": number})
        elif reviewer_id is not None and reviewer_id != seats[number].reviewer_id:
            plan.error(name, 2, REVIEWER_LABEL, _("Seat %(seat)d has another reviewer since this booklet was "
                                                  "printed; print the booklet again.") % {"seat": number})
        elif number in sheet_of_seat:
            plan.error(name, 2, SEAT_LABEL, _("Seat %(seat)d is in this file twice (sheets %(first)s and "
                                              "%(sheet)s); one sheet per reviewer.")
                       % {"seat": number, "first": sheet_of_seat[number], "sheet": name})
        else:
            sheet_of_seat[number] = name
            rows_read = _validate_sheet(plan, name, rows, seats[number], households)
            plan.seats.append({"seat": number, "name": seats[number].reviewer.name, "sheet": name, "rows": rows_read})
    plan.seats.sort(key=lambda s: s["seat"])
    if not plan.errors and not plan.records and not plan.gaps:
        plan.error("", 1, "", _("The file holds no filled-in booklet rows."))
    return plan


def booklet_apply(book: Book, *, scope: Scope, panel: Panel, actor) -> tuple[BookletPlan, dict]:
    """Validate again under the import lock and the panel's row lock (which orders this against closing the
    round), then write every entry or none. Returns (plan, summary); summary is {} when refused."""

    def validate():
        Panel.objects.select_for_update().filter(pk=panel.pk).values_list("pk", flat=True).first()
        panel.refresh_from_db(fields=["status"])
        return booklet_validate(book, scope=scope, panel=panel)

    return import_locked_apply(head_office_id=panel.campaign.head_office_id, validate=validate,
                               write=lambda plan: _write(plan, panel=panel, actor=actor))


def _write(plan: BookletPlan, *, panel: Panel, actor) -> dict:
    seats = {seat.pk: seat for seat in booklet_seats(panel)}
    for seat in seats.values():
        seat.panel = panel
    with set_actor(actor):  # R4: the audit of every entry names the officer who imported it
        for seat_id, household_id, values in plan.records:
            # Raises EntryRefused only if a rule changed since validate ran in this transaction: all rolls back.
            appraisal_write(seat=seats[seat_id], household_id=household_id, values=values, actor=actor,
                            version=None, source=Appraisal.Source.BOOKLET)
        for seat_id, household_id, field, value in plan.gaps:
            gap_record(seat=seats[seat_id], household_id=household_id, field=field, value=value)
    return {"entries_written": len(plan.records), "gaps_proposed": len(plan.gaps)}
