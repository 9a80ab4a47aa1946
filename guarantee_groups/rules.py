"""SPEC §7 G1–G4: when a joint-guarantee group (联保小组) may stand.

Pure functions: plain values in, values out; no ORM, no request (STYLE §2). A member is
`(household_id, village_id, line_amount)`, where `line_amount` is the household's effective credit
line in yuan, or None when it holds none (no line, revoked, expired, not yet in effect).
"""

from decimal import Decimal

from django.utils.translation import gettext as _

from sunshine_credit import errors
from sunshine_credit.lib.money import yuan

MIN_MEMBERS = 3  # G1: 三（含）个以上

G1, G2, G3 = "G1", "G2", "G3"

MemberValues = tuple[int, int, Decimal | None]


class RuleViolation(errors.RuleViolation):
    """A group rule refused the input: .code and str() are the first broken rule's ("G2" and its message);
    .problems lists every broken rule as (code, message), the first one included (so do .errors, for a form)."""

    def __init__(self, code: str, message: str, problems: list[tuple[str, str]] | None = None):
        super().__init__(code, message)
        self.problems = problems or [(code, message)]
        self.errors = [(None, text) for _code, text in self.problems]


def group_rule_problems(members: list[MemberValues], *, village_id: int, leader_id: int | None,
                        labels: dict[int, str] | None = None) -> list[tuple[str, str]]:
    """Every broken rule as (code, translated message), in rule order; [] when the group may stand.
    `labels` names the households in the messages (their codes); without it they are named by id."""
    labels = labels or {}
    problems: list[tuple[str, str]] = []
    if len(members) < MIN_MEMBERS:
        problems.append((G1, _("G1: a group needs at least %(n)d households; it has %(count)d.")
                         % {"n": MIN_MEMBERS, "count": len(members)}))
    for household_id, member_village_id, _line in members:
        if member_village_id != village_id:
            problems.append((G1, _("G1: household %(code)s is not of the group's village.")
                             % {"code": labels.get(household_id, household_id)}))
    for household_id, _village, line in members:
        if line is None:
            problems.append((G1, _("G1: household %(code)s holds no credit line in effect.")
                             % {"code": labels.get(household_id, household_id)}))
    lines = [m[2] for m in members if m[2] is not None]
    if lines:
        largest = max(lines)
        others = sum(lines, Decimal(0)) - largest
        if largest > others:
            problems.append((G2, _("G2: the largest member's line (%(largest)s yuan) exceeds the sum of the "
                                   "other members' lines (%(others)s yuan).")
                             % {"largest": yuan(largest), "others": yuan(others)}))
    if leader_id is None or leader_id not in {m[0] for m in members}:
        problems.append((G3, _("G3: the leader must be one of the group's members.")))
    return problems


def group_rule_breaks(members: list[MemberValues], *, village_id: int, leader_id: int | None) -> list[str]:
    """The codes of the broken rules, each once, in rule order (["G1", "G2"]); [] when the group may stand."""
    codes: list[str] = []
    for code, _message in group_rule_problems(members, village_id=village_id, leader_id=leader_id):
        if code not in codes:
            codes.append(code)
    return codes


def check_group(members: list[MemberValues], *, village_id: int, leader_id: int | None,
                labels: dict[int, str] | None = None) -> None:
    """Raises RuleViolation for the first broken rule (its code and message, and .problems: all of them);
    None when the group may stand."""
    problems = group_rule_problems(members, village_id=village_id, leader_id=leader_id, labels=labels)
    if problems:
        code, message = problems[0]
        raise RuleViolation(code, message, problems)
