"""The staff workbook of `import_staff` (SPEC §11; sheet 1, header row 1): 用户名, 姓名, 角色, 支行编码, 包片村编码, 手机.

All or nothing: every row is read and checked first, and any refused cell refuses the whole file with each error
by row and column; nothing is written. A row is refused when the user name is missing, malformed, twice in the
file or taken already (an import makes new logins only: a person's role or villages change on their page, the
role by maker-checker); when the name is missing; when the role is not one of the bank's words (客户经理, 支行行长,
柜员, 管理员, 督查员, 审计员; 评议员 logins are made with the reviewer on the appraisal pages); when a branch role has no
branch, or a head-office role names one; when a branch or village code is not the head office's, or a village is
not of the row's branch, or villages are given for anyone but a loan officer; when the phone is neither a mobile
nor a landline. 包片村编码 lists village codes separated by commas, 、 or spaces.
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from sunshine_credit.errors import RuleViolation
from sunshine_credit.lib.columns import RowErrors, cell_text, padded, read_header
from sunshine_credit.models import Branch, Village

from .rules import check_assignment, check_phone, check_username, role_from_word
from .selectors import username_taken

COLUMNS = {"username": "用户名", "name": "姓名", "role": "角色", "branch": "支行编码", "villages": "包片村编码",
           "phone": "手机"}
# The example rows of the empty template.
EXAMPLE = [["zhangsan", "张三", "客户经理", "BR01", "BR01V01,BR01V02", "13800000000"],
           ["lisi", "李四", "柜员", "BR01", "", ""]]
SEPARATORS = re.compile(r"[\s,，、;；]+")


@dataclass
class StaffPlan:
    entries: list[dict] = field(default_factory=list)   # {"row", "username", "name", "role", "branch", ...}
    errors: RowErrors = field(default_factory=RowErrors)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.entries)


def _read_row(number: int, cells: dict, *, branches: dict, villages: dict, errors: RowErrors) -> dict | None:
    """One row's values, or None after reporting each refused cell."""
    bad = len(errors)
    values = {"row": number}
    try:
        values["username"] = check_username(cell_text(cells["username"]))
    except RuleViolation as exc:
        errors.add(number, COLUMNS["username"], str(exc))
    values["name"] = cell_text(cells["name"])
    if not values["name"]:
        errors.add(number, COLUMNS["name"], _("This cell is required."))
    elif len(values["name"]) > 150:
        errors.add(number, COLUMNS["name"], _("At most %(n)d characters.") % {"n": 150})
    role = None
    try:
        role = role_from_word(cell_text(cells["role"]))
    except RuleViolation as exc:
        errors.add(number, COLUMNS["role"], str(exc))
    code = cell_text(cells["branch"])
    branch = branches.get(code) if code else None
    if code and branch is None:
        errors.add(number, COLUMNS["branch"], _("No branch with the code %(code)s in your head office.")
                   % {"code": code})
    codes = [c for c in SEPARATORS.split(cell_text(cells["villages"])) if c]
    unknown = [c for c in codes if c not in villages]
    if unknown:
        errors.add(number, COLUMNS["villages"], _("No village with the code %(code)s in your head office.")
                   % {"code": "、".join(unknown)})
    try:
        values["phone"] = check_phone(cell_text(cells["phone"]))
    except RuleViolation as exc:
        errors.add(number, COLUMNS["phone"], str(exc))
    if role is not None and not (code and branch is None) and not unknown:
        try:
            check_assignment(role, branch.pk if branch else None, [villages[c].branch_id for c in codes])
        except RuleViolation as exc:
            column = {"role": "role", "branch": "branch", "villages": "villages"}.get(exc.field, "role")
            errors.add(number, COLUMNS[column], str(exc))
    if len(errors) > bad:
        return None
    values.update(role=role, branch=branch, villages=[villages[c] for c in dict.fromkeys(codes)])
    return values


def staff_validate(rows: list[list], *, head_office_id: int) -> StaffPlan:
    """Read and check every row (see the module). Blank rows are skipped."""
    plan = StaffPlan()
    index = read_header(rows, COLUMNS, plan.errors)
    if index is None:
        return plan
    branches = {b.code: b for b in Branch.objects.filter(head_office_id=head_office_id)}
    villages = {v.code: v for v in Village.objects.filter(branch__head_office_id=head_office_id)}
    width, seen = max(index.values()) + 1, {}
    for number, raw in enumerate(rows[1:], start=2):
        raw = padded(raw, width)
        cells = {key: raw[position] for key, position in index.items()}
        if not any(cell_text(value) for value in cells.values()):
            continue
        values = _read_row(number, cells, branches=branches, villages=villages, errors=plan.errors)
        if values is None:
            continue
        first = seen.setdefault(values["username"].lower(), number)
        if first != number:
            plan.errors.add(number, COLUMNS["username"], _("This user name already appears in row %(row)d.")
                            % {"row": first})
        elif username_taken(values["username"]):
            plan.errors.add(number, COLUMNS["username"], _("The user name %(name)s is taken; an import only makes "
                                                           "new logins.") % {"name": values["username"]})
        else:
            plan.entries.append(values)
    if not plan.entries and not plan.errors:
        plan.errors.add(2, "", _("The sheet has no staff."))
    plan.errors.sort(key=lambda error: error["row"])
    return plan

