"""The organisation tree import, import_org (SPEC §11): 上级编码, 编码, 名称, 类型 (总行/支行/村/社区), 审批权限(元).
All or nothing; idempotent.
And the holiday calendar's rows (U7): 日期, 类型 (节假日/调休上班), 名称; the service writes them (services)."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from .lib.columns import CellError, RowErrors, padded, read_header
from .lib.money import AmountError, parse_amount
from .models import Branch, HeadOffice, Village

HEADER = ["上级编码", "编码", "名称", "类型", "审批权限(元)"]
KINDS = {"总行": "head_office", "联社": "head_office", "支行": "branch", "信用社": "branch", "村": Village.Kind.VILLAGE,
         "社区": Village.Kind.COMMUNITY}


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def org_validate(rows: list[list]) -> tuple[list[dict], list[dict]]:
    """Returns (units, errors); units are dicts in file order, parents before children."""
    errors, units = [], []
    if not rows or [_text(c) for c in rows[0][:5]] != HEADER:
        return [], [{"row": 1, "column": "", "message": _("Row 1 must be the header: %(cols)s.")
                     % {"cols": "、".join(HEADER)}}]
    known = {o.code: "head_office" for o in HeadOffice.objects.all()}
    known.update({b.code: "branch" for b in Branch.objects.all()})
    known.update({v.code: "village" for v in Village.objects.all()})
    seen, file_kinds = {}, {}
    for number, raw in enumerate(rows[1:], start=2):
        raw = list(raw) + [""] * (5 - len(raw))
        parent, code, name, kind_text = (_text(c) for c in raw[:4])
        if not any((parent, code, name, kind_text)):
            continue
        kind = KINDS.get(kind_text)
        problems = []
        if not code:
            problems.append(("编码", _("This cell is required.")))
        if not name:
            problems.append(("名称", _("This cell is required.")))
        if kind is None:
            problems.append(("类型", _("Unknown type %(value)s; use 总行, 支行, 村 or 社区.") % {"value": kind_text}))
        elif code in seen:
            problems.append(("编码", _("Code %(code)s already appears in row %(row)d.") % {"code": code, "row": seen[code]}))
        else:
            unit_class = kind if kind in ("head_office", "branch") else "village"
            expected = {"head_office": None, "branch": "head_office", "village": "branch"}[unit_class]
            parent_kind = file_kinds.get(parent) or known.get(parent)
            if expected is None and parent:
                problems.append(("上级编码", _("A head office has no parent.")))
            elif expected is not None and parent_kind != expected:
                problems.append(("上级编码", _("Parent %(code)s is not a known %(kind)s.")
                                 % {"code": parent or "—",
                                    "kind": _("head office") if expected == "head_office" else _("branch")}))
        authority = None
        if kind == "branch":
            try:
                authority = parse_amount(raw[4]) or Decimal(0)  # blank: no authority
            except AmountError as exc:
                problems.append(("审批权限(元)", str(exc)))
        for column, message in problems:
            errors.append({"row": number, "column": column, "message": message})
        if not problems:
            seen[code] = number
            unit_class = kind if kind in ("head_office", "branch") else "village"
            file_kinds[code] = unit_class
            units.append({"row": number, "parent": parent, "code": code, "name": name, "kind": unit_class,
                          "village_kind": kind if kind in (Village.Kind.VILLAGE, Village.Kind.COMMUNITY) else None,
                          "authority": authority})
    return units, errors


@transaction.atomic
def org_apply(units: list[dict]) -> dict:
    counts = {"head_offices": 0, "branches": 0, "villages": 0}
    for unit in units:
        if unit["kind"] == "head_office":
            HeadOffice.objects.update_or_create(code=unit["code"], defaults={"name": unit["name"]})
            counts["head_offices"] += 1
        elif unit["kind"] == "branch":
            Branch.objects.update_or_create(code=unit["code"], defaults={
                "name": unit["name"], "approval_authority": unit["authority"],
                "head_office": HeadOffice.objects.get(code=unit["parent"])})
            counts["branches"] += 1
        else:
            Village.objects.update_or_create(code=unit["code"], defaults={
                "name": unit["name"], "kind": unit["village_kind"], "branch": Branch.objects.get(code=unit["parent"])})
            counts["villages"] += 1
    return counts


# --- the holiday calendar (U7): 日期, 类型 (节假日/调休上班), 名称 ----------------------------------------------

CALENDAR_COLUMNS = {"date": "日期", "kind": "类型", "name": "名称"}
CALENDAR_KINDS = {"节假日": "holiday", "假日": "holiday", "放假": "holiday", "调休上班": "workday", "上班": "workday",
                  "补班": "workday"}
_EXCEL_EPOCH = datetime.date(1899, 12, 30)


def _calendar_date(raw) -> datetime.date:
    """A date cell: a real date, an Excel serial number, or text 2027-02-06, 2027/2/6, 2027年2月6日."""
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and 1 <= raw < 2958466:
        return _EXCEL_EPOCH + datetime.timedelta(days=int(raw))
    text = _text(raw).replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
    try:
        return datetime.date(*(int(part) for part in text.split("-")))
    except (TypeError, ValueError):
        raise CellError(_("%(value)s is not a date; write it as 2027-02-06.") % {"value": _text(raw) or "—"}) from None


def calendar_validate(rows: list[list]) -> tuple[list[dict], RowErrors]:
    """Read the sheet: ({"date", "kind", "name"} dicts in file order, errors by row and column). A date may
    appear once in the file; blank rows are skipped."""
    errors = RowErrors()
    index = read_header(rows, CALENDAR_COLUMNS, errors)
    if index is None:
        return [], errors
    days, seen = [], {}
    width = max(index.values()) + 1
    for number, raw in enumerate(rows[1:], start=2):
        raw = padded(raw, width)
        cells = {key: raw[position] for key, position in index.items()}
        if not any(_text(value) for value in cells.values()):
            continue
        day = kind = None
        try:
            day = _calendar_date(cells["date"])
        except CellError as exc:
            errors.add(number, CALENDAR_COLUMNS["date"], str(exc))
        else:
            if day in seen:
                errors.add(number, CALENDAR_COLUMNS["date"], _("Date %(date)s already appears in row %(row)d.")
                           % {"date": day.isoformat(), "row": seen[day]})
            seen.setdefault(day, number)
        kind = CALENDAR_KINDS.get(_text(cells["kind"]))
        if kind is None:
            errors.add(number, CALENDAR_COLUMNS["kind"], _("Unknown type %(value)s; use 节假日 or 调休上班.")
                       % {"value": _text(cells["kind"]) or "—"})
        name = _text(cells["name"])
        if len(name) > 50:
            errors.add(number, CALENDAR_COLUMNS["name"], _("At most 50 characters."))
        if day is not None and kind is not None:
            days.append({"date": day, "kind": kind, "name": name[:50]})
    return days, errors
