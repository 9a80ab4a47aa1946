"""What a staff login needs, as plain rules (no database): the role's branch and villages, a user name, a phone,
and the role words of the staff workbook (SPEC §11)."""

import re

from django.utils.translation import gettext as _

from sunshine_credit.errors import RuleViolation
from sunshine_credit.lib.public_input import normalise_phone
from sunshine_credit.models import Role

# Roles that belong to a branch (the profile names it); the others are the head office's and name none.
BRANCH_ROLES = frozenset({Role.PRESIDENT, Role.OFFICER, Role.TELLER})
HEAD_OFFICE_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR})
# Roles the staff pages and the workbook give. A panel reviewer's login is made with the reviewer (评议员 pages of
# appraisal), which ties it to the panel's register.
STAFF_ROLES = BRANCH_ROLES | HEAD_OFFICE_ROLES
# The 角色 column of the workbook: the bank's words for each role (SPEC §1), whatever the interface language.
ROLE_WORDS = {
    "客户经理": Role.OFFICER, "信贷员": Role.OFFICER,
    "支行行长": Role.PRESIDENT, "行长": Role.PRESIDENT,
    "柜员": Role.TELLER,
    "管理员": Role.ADMIN, "系统管理员": Role.ADMIN, "总行管理员": Role.ADMIN,
    "督查员": Role.SUPERVISOR, "督查": Role.SUPERVISOR, "总行督查": Role.SUPERVISOR,
    "审计员": Role.AUDITOR, "稽核": Role.AUDITOR, "监察": Role.AUDITOR, "稽核员": Role.AUDITOR,
    "评议员": Role.REVIEWER,
}
USERNAME_RE = re.compile(r"[\w.@+-]{1,150}", re.ASCII)


def role_from_word(word: str) -> str:
    """The role a workbook's 角色 cell names (its Chinese word or its code). RuleViolation otherwise."""
    word = (word or "").strip()
    role = ROLE_WORDS.get(word) or (word if word in Role.values else None)
    if role is None:
        raise RuleViolation("role", _("Unknown role %(value)s; use 客户经理, 支行行长, 柜员, 管理员, 督查员 or 审计员.")
                            % {"value": word or "—"})
    return role


def check_username(username: str) -> str:
    """Letters, digits and . @ + - _ only (Django's rule, ASCII), at most 150: the name typed at the login."""
    username = (username or "").strip()
    if not username:
        raise RuleViolation("username", _("This cell is required."), field="username")
    if not USERNAME_RE.fullmatch(username):
        raise RuleViolation("username", _("A user name has only letters, digits and . @ + - _ (no spaces, at most "
                                          "150)."), field="username")
    return username


def check_phone(raw: str) -> str:
    """A mobile (13812345678) or a landline with its area code, normalised; blank allowed."""
    try:
        return normalise_phone(raw)
    except ValueError:
        raise RuleViolation("phone", _("%(value)s is not a phone number: 11 digits for a mobile, or a landline "
                                       "with its area code.") % {"value": raw}, field="phone") from None


def check_assignment(role: str, branch_id: int | None, village_branch_ids: list[int]) -> None:
    """A role and its place: branch roles name a branch, head-office roles none; only loan officers have 包片
    villages, all of their own branch. `village_branch_ids` is the branch of each village given. Raises
    RuleViolation naming the field."""
    if role == Role.REVIEWER:
        raise RuleViolation("reviewer", _("A panel reviewer's login is made with the reviewer, on the appraisal "
                                          "pages."), field="role")
    if role not in STAFF_ROLES:
        raise RuleViolation("role", _("Choose a role."), field="role")
    if role in BRANCH_ROLES and branch_id is None:
        raise RuleViolation("branch_needed", _("This role works in a branch: name the branch."), field="branch")
    if role in HEAD_OFFICE_ROLES and branch_id is not None:
        raise RuleViolation("no_branch", _("This role is the head office's: leave the branch empty."),
                            field="branch")
    if village_branch_ids and role != Role.OFFICER:
        raise RuleViolation("villages_officer", _("Only loan officers have villages (包片)."), field="villages")
    if any(b != branch_id for b in village_branch_ids):
        raise RuleViolation("villages_branch", _("Every village must belong to the officer's branch."),
                            field="villages")
