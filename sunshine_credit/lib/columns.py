"""Reading an uploaded sheet column by column (the SPEC §11 imports): what every import shares.

An import reads row 1 as the header, then every row cell by cell with one small reader per column. A reader
returns the cell's value or raises `CellError`; the import reports it by sheet row, column title and reason,
and goes on, so that the report lists every error of the file before anything is written.

The generic readers live here (text, required, amounts); the domain ones (ID numbers, 是/否) live in
`households.imports`, which the survey import shares.
"""

from decimal import Decimal

from django.utils.translation import gettext as _

from sunshine_credit.errors import Refusal

from .money import AmountError, parse_amount


class CellError(Refusal, ValueError):
    """One cell was refused; str() is the translated reason that its row and column report. `field`, when
    given, names the column (the import's key for it)."""

    @property
    def field(self) -> str | None:
        return self.errors[0][0] if self.errors else None


class RowErrors(list):
    """The import's report: {"row", "column", "message"} dicts, sorted by row before they are stored."""

    def add(self, row: int, column: str, message: str) -> None:
        self.append({"row": row, "column": column, "message": message})


def cell_text(value) -> str:
    """A cell as text: blank for None, a whole number without its ".0" (a code typed into a number cell)."""
    if value is None:
        return ""
    if type(value) is str:  # the common case first: 600,000 rows
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def padded(row, width: int) -> list:
    """A row as long as the header (a sheet leaves trailing blank cells out)."""
    return list(row) + [""] * (width - len(row)) if len(row) < width else row


def read_header(rows: list[list], columns: dict[str, str], errors: RowErrors) -> dict[str, int] | None:
    """The position of each column (key → title in `columns`) in row 1, or None when the sheet is empty or a
    column is missing (reported as row 1's error)."""
    if not rows:
        errors.add(1, "", _("The sheet is empty."))
        return None
    names = [cell_text(h) for h in rows[0]]
    index, missing = {}, []
    for key, title in columns.items():
        if title in names:
            index[key] = names.index(title)
        else:
            missing.append(title)
    if missing:
        errors.add(1, "", _("Row 1 must be the template's header; missing columns: %(cols)s.")
                   % {"cols": "、".join(missing)})
        return None
    return index


def required_cell(text: str) -> str:
    """A cell that may not be blank (already read as text)."""
    if not text:
        raise CellError(_("This cell is required."))
    return text


def in_column(key: str, read, raw):
    """`read(raw)`, with a refusal naming the column (`key`) it came from (CellError.field)."""
    try:
        return read(raw)
    except CellError as exc:
        raise CellError(str(exc), field=key) from None


def amount_cell(raw) -> Decimal | None:
    """An amount: the one parser of every door (元, 万, w, separators); None when blank."""
    try:
        return parse_amount(raw)
    except AmountError as exc:
        raise CellError(str(exc)) from None


class Cached:
    """A column reader that reads each distinct cell value once: a county file repeats the same few codes,
    amounts and ID numbers 600,000 times. A refused value is remembered too and refused again with the same
    reason (a fresh CellError each time).

    Values are told apart by type as well (1, 1.0 and True are equal keys of a dict, but 是/否 reads True and 1
    and refuses 1.0), so a cell reads the same whatever came before it in the file."""

    __slots__ = ("read", "refused", "values")

    def __init__(self, read):
        self.read = read
        self.values: dict = {}
        self.refused: dict = {}

    def __call__(self, raw):
        key = raw if type(raw) is str else (type(raw), raw)  # text, the common case, needs no tuple
        try:
            return self.values[key]
        except KeyError:
            pass
        except TypeError:  # unhashable: never from calamine, but be safe
            return self.read(raw)
        reason = self.refused.get(key)
        if reason is not None:
            raise CellError(reason)
        try:
            value = self.values[key] = self.read(raw)
        except CellError as exc:
            self.refused[key] = str(exc)
            raise
        return value
