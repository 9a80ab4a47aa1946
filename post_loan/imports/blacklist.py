"""C4: the blacklist workbook (sheet 1, header row 1): 姓名, 身份证号, 原因, 来源, 证据.

All or nothing (SPEC §11): every row is read and checked first, and any refused cell — an invalid ID number (H2),
a missing name, reason or source, a text too long, an ID number twice in the file or already on the head
office's active list — refuses the whole file with each error by row and column; nothing is written. A good file
is written under the head office's import lock (sunshine_credit.import_jobs.import_locked_apply, validated again
there) and recorded (R4: SHA-256, who, when, rows written) as a BlacklistImport.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from households.imports import resident_id_cell
from sunshine_credit.lib.columns import CellError, RowErrors, cell_text, padded, read_header
from sunshine_credit.models import BlacklistEntry

COLUMNS = {"name": "姓名", "id_number": "身份证号", "reason": "原因", "source": "来源", "evidence": "证据"}
REQUIRED = ("name", "id_number", "reason", "source")
LIMITS = {"name": 50, "reason": 200, "source": 100, "evidence": 2000}
# The example row of the empty template (a valid check digit; nobody's number).
EXAMPLE = ["张三", "11010519491231002X", "恶意拖欠贷款本息", "人民银行征信系统", "(2026)某法执字第1号"]


@dataclass
class BlacklistPlan:
    entries: list[dict] = field(default_factory=list)   # {"row", "name", "id_number", "reason", ...}
    errors: RowErrors = field(default_factory=RowErrors)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.entries)


def _read_row(number: int, cells: dict, errors: RowErrors) -> dict | None:
    values, bad = {"row": number}, False
    for key, title in COLUMNS.items():
        if key == "id_number":
            try:
                values[key] = resident_id_cell(cells[key], numbers=(int, float)).number
            except CellError as exc:
                errors.add(number, title, str(exc))
                bad = True
            continue
        text = cell_text(cells[key])
        if key in REQUIRED and not text:
            errors.add(number, title, _("This cell is required."))
            bad = True
        elif len(text) > LIMITS[key]:
            errors.add(number, title, _("At most %(n)d characters.") % {"n": LIMITS[key]})
            bad = True
        values[key] = text
    return None if bad else values


def blacklist_validate(rows: list[list], *, head_office_id: int) -> BlacklistPlan:
    """Read and check every row (see the module). Blank rows are skipped."""
    plan = BlacklistPlan()
    index = read_header(rows, COLUMNS, plan.errors)
    if index is None:
        return plan
    width, seen = max(index.values()) + 1, {}
    for number, raw in enumerate(rows[1:], start=2):
        raw = padded(raw, width)
        cells = {key: raw[position] for key, position in index.items()}
        if not any(cell_text(value) for value in cells.values()):
            continue
        values = _read_row(number, cells, plan.errors)
        if values is None:
            continue
        first = seen.setdefault(values["id_number"], number)
        if first != number:
            plan.errors.add(number, COLUMNS["id_number"], _("This ID number already appears in row %(row)d.")
                            % {"row": first})
            continue
        plan.entries.append(values)
    listed = set(BlacklistEntry.objects.filter(head_office_id=head_office_id, active=True,
                                               id_number__in=list(seen)).values_list("id_number", flat=True))
    for values in plan.entries:
        if values["id_number"] in listed:
            plan.errors.add(values["row"], COLUMNS["id_number"], _("This ID number is already on the blacklist."))
    if not plan.entries and not plan.errors:
        plan.errors.add(2, "", _("The sheet has no entries."))
    plan.errors.sort(key=lambda error: error["row"])
    return plan


def blacklist_write(plan: BlacklistPlan, *, head_office_id: int, actor) -> int:
    """One row per entry, each saved on its own so that the audit records it (R4); returns how many."""
    for values in plan.entries:
        BlacklistEntry.objects.create(head_office_id=head_office_id, created_by=actor,
                                      **{key: values[key] for key in COLUMNS})
    return len(plan.entries)
