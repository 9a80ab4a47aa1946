"""Reads of joint-guarantee groups for the pages and the printed register. Every selector starts from the
caller's scope (R1); lists load their members, names and lines in a fixed number of queries (no N+1)."""

import json
from dataclasses import dataclass
from decimal import Decimal

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from households.models import Household, Member, Relation
from sunshine_credit.models import Village
from sunshine_credit.scoping import Scope, get_in_scope_or_404

from .facts import effective_lines
from .models import GroupMember, GuaranteeGroup


@dataclass(frozen=True)
class MemberRow:
    household_id: int
    code: str
    name: str                   # the head's (or credit representative's) name; never an ID or phone number
    line: Decimal | None        # the line in effect today, None when it holds none (G1)
    line_id: int | None
    is_leader: bool
    joined_at: object = None


def _names(household_ids) -> dict[int, str]:
    """The credit representative's name, or the head's (户主) when none is set: one query."""
    rows = (Household.objects.filter(pk__in=list(household_ids))
            .alias(head=FilteredRelation("members", condition=Q(members__relation=Relation.HEAD)))
            .annotate(holder=Coalesce(F("representative__name"), F("head__name")))
            .values_list("pk", "holder"))
    return {pk: holder or "" for pk, holder in rows}


def with_members(groups: list[GuaranteeGroup]) -> list[GuaranteeGroup]:
    """Attach .rows (MemberRow, by household code), .member_count and .total (the lines in effect) to each group.
    Three queries whatever the number of groups."""
    members = list(GroupMember.objects.filter(group__in=groups, active=True).select_related("household")
                   .order_by("household__code"))
    household_ids = {m.household_id for m in members}
    return _attach_rows(groups, members, _names(household_ids), effective_lines(household_ids))


def _attach_rows(groups: list[GuaranteeGroup], members: list[GroupMember], names: dict[int, str],
                 lines: dict) -> list[GuaranteeGroup]:
    """with_members' rows from the groups' active members (by household code), names and lines in effect."""
    by_group: dict[int, list[MemberRow]] = {g.pk: [] for g in groups}
    leaders = {g.pk: g.leader_id for g in groups}
    for m in members:
        line = lines.get(m.household_id)
        by_group[m.group_id].append(MemberRow(
            household_id=m.household_id, code=m.household.code, name=names.get(m.household_id, ""),
            line=line.amount if line else None, line_id=line.pk if line else None,
            is_leader=m.household_id == leaders[m.group_id], joined_at=m.joined_at))
    for group in groups:
        group.rows = by_group[group.pk]
        group.member_count = len(group.rows)
        group.total = sum((r.line for r in group.rows if r.line is not None), Decimal(0))
        group.leader_row = next((r for r in group.rows if r.is_leader), None)
    return groups


def group_list(*, scope: Scope, village_id: int | None = None, status: str = "") -> QuerySet:
    """Groups of the scope's villages (or one of them), by village and number; `with_members` loads a page's
    members, names and lines."""
    groups = GuaranteeGroup.objects.filter(village_id__in=scope.village_ids)
    if village_id:
        groups = groups.filter(village_id=village_id)
    if status:
        groups = groups.filter(status=status)
    return groups.select_related("village__branch").order_by("village__code", "number")


def group_villages(*, scope: Scope) -> QuerySet:
    """The villages the user reads, for the list's filter."""
    return Village.objects.filter(pk__in=scope.village_ids).select_related("branch").order_by("code")


def group_get(*, scope: Scope, pk: int, for_edit: bool = False) -> GuaranteeGroup:
    """One group of the scope with its member rows; Http404 otherwise (missing and forbidden look the same)."""
    group = get_in_scope_or_404(GuaranteeGroup.objects.select_related("village__branch", "created_by"), scope,
                                for_edit=for_edit, pk=pk)
    return with_members([group])[0]


def group_candidates(*, scope: Scope, village_id: int) -> list[MemberRow]:
    """Households of the village that hold a line in effect and are in no active group (G1, G4): who may
    form a new group or join one."""
    homes = (Household.objects.filter(village_id=village_id, village_id__in=scope.village_ids)
             .exclude(Exists(GroupMember.objects.filter(household=OuterRef("pk"), active=True)))
             .order_by("code").values_list("pk", "code"))
    homes = list(homes)
    lines = effective_lines([pk for pk, _code in homes])
    names = _names(lines)
    return [MemberRow(household_id=pk, code=code, name=names.get(pk, ""), line=lines[pk].amount,
                      line_id=lines[pk].pk, is_leader=False) for pk, code in homes if pk in lines]


@dataclass(frozen=True)
class HistoryRow:
    at: object
    actor: object               # the user, or None for the system (a job's check)
    what: list[str]             # translated, one line per change


def group_history(*, group: GuaranteeGroup, limit: int = 100) -> list[HistoryRow]:
    """What happened to the group, newest first, from the audit log (R4): formed, name, leader and outside
    guarantees changed, flagged and cleared by the rule checks (G7), members joined and left, dissolved."""
    member_codes = dict(GroupMember.objects.filter(group=group).values_list("pk", "household__code"))
    group_type = ContentType.objects.get_for_model(GuaranteeGroup)
    entries = list(LogEntry.objects.filter(Q(content_type=group_type, object_pk=str(group.pk))
                                           | Q(content_type=ContentType.objects.get_for_model(GroupMember),
                                               object_pk__in=[str(pk) for pk in member_codes]))
                   .select_related("actor").order_by("-timestamp", "-id")[:limit])
    leader_ids = {e.changes_dict.get("leader", [None, None])[1] for e in entries if e.content_type_id == group_type.pk}
    leader_codes = {str(pk): code for pk, code in Household.objects.filter(
        pk__in=[int(pk) for pk in leader_ids if pk and pk.isdigit()]).values_list("pk", "code")}
    rows = []
    for entry in entries:
        if entry.content_type_id == group_type.pk:
            what = _group_change(entry.action, entry.changes_dict, leader_codes)
        else:
            what = _member_change(entry.action, entry.changes_dict, member_codes.get(int(entry.object_pk), ""))
        if what:
            rows.append(HistoryRow(at=entry.timestamp, actor=entry.actor, what=what))
    return rows


# The group's audit entries in words (the history above): plain values in, translated lines out.

def _new(changes: dict, field: str):
    return changes[field][1] if field in changes else None


def _group_change(action: int, changes: dict, leader_codes: dict[str, str]) -> list[str]:
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


def _member_change(action: int, changes: dict, code: str) -> list[str]:
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


def register_groups(*, scope: Scope, village_id: int) -> list[GuaranteeGroup]:
    """The village's register (G3): every group of the village, active and dissolved, by number."""
    return with_members(list(group_list(scope=scope, village_id=village_id)))


def household_groups_present():
    """Issue 18: whether the household was ever in a group (the household page's query asks)."""
    return Exists(GroupMember.objects.filter(household=OuterRef("pk")))


def household_groups_section(request, household) -> dict | None:
    """The household page (issue 15 item 3): the joint-guarantee group the household is in — whose members it
    guarantees and who guarantee it (G2) — with its members and their lines, then the groups it has left. Two
    queries whatever the number of groups and members (its memberships together with the members of its group
    now and their names; their lines); None when it was never in a group of the scope."""
    scope = getattr(request, "scope", None)
    if scope is None:
        return None
    in_group_now = GroupMember.objects.filter(group=OuterRef("group_id"), household=household, active=True)
    with scopes_disabled():  # a subquery over the rows below, which carry the scope
        head = Member.objects.filter(household=OuterRef("household_id"), relation=Relation.HEAD).values("name")[:1]
    rows = list(GroupMember.objects.filter(group__village_id__in=scope.village_ids)
                .filter(Q(household=household) | Q(active=True) & Exists(in_group_now))
                .select_related("group", "household")
                .annotate(holder=Coalesce(F("household__representative__name"), Subquery(head)))
                .order_by("-active", "-joined_at", "-pk"))
    memberships = [m for m in rows if m.household_id == household.pk]
    if not memberships:
        return None
    current = [m.group for m in memberships if m.active]
    current_ids = {g.pk for g in current}
    members = sorted((m for m in rows if m.active and m.group_id in current_ids), key=lambda m: m.household.code)
    _attach_rows(current, members, {m.household_id: m.holder or "" for m in members},
                 effective_lines({m.household_id for m in members}))
    return {"current": current, "past": [m for m in memberships if not m.active], "household": household}
