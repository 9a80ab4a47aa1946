"""The group's audit entries in words (the detail page's history). Plain values in, translated lines out."""

import json

from auditlog.models import LogEntry
from django.utils.translation import gettext as _


def _new(changes: dict, field: str):
    return changes[field][1] if field in changes else None


def group_change(action: int, changes: dict, leader_codes: dict[str, str]) -> list[str]:
    if action == LogEntry.Action.CREATE:
        return [_("Group formed")]
    what = []
    if _new(changes, "name") is not None:
        what.append(_("Name: %(name)s") % {"name": _new(changes, "name") or "—"})
    if _new(changes, "leader") is not None:
        what.append(_("Leader: %(code)s") % {"code": leader_codes.get(_new(changes, "leader"), "—")})
    if _new(changes, "allows_outside") is not None:
        what.append(_("Members may guarantee outside the group") if _new(changes, "allows_outside") == "True"
                    else _("Members may not guarantee outside the group"))
    if _new(changes, "flagged") == "True":
        what.append(_("Rule check: broken (%(rules)s)") % {"rules": ", ".join(_codes(_new(changes, "flag_reasons")))})
    elif _new(changes, "flagged") == "False":
        what.append(_("Rule check: the rules hold again"))
    elif _new(changes, "flag_reasons") is not None:
        what.append(_("Rule check: broken (%(rules)s)") % {"rules": ", ".join(_codes(_new(changes, "flag_reasons")))})
    if _new(changes, "status") == "dissolved":
        what.append(_("Group dissolved"))
    return what


def member_change(action: int, changes: dict, code: str) -> list[str]:
    if action == LogEntry.Action.CREATE or _new(changes, "active") == "True":
        return [_("Household %(code)s joined") % {"code": code}]
    if _new(changes, "active") == "False":
        return [_("Household %(code)s left") % {"code": code}]
    return []


def _codes(value) -> list[str]:
    try:
        codes = json.loads(value or "[]")
    except (TypeError, ValueError):
        return [str(value)]
    return [str(c) for c in codes] if isinstance(codes, list) else [str(codes)]
