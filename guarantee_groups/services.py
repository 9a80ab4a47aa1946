"""Joint-guarantee groups (联保小组, SPEC §7): forming, changing and dissolving a group, and re-checking its
rules when a member's line changes or is revoked (G7).

Every write runs in a transaction with the group's row locked (select_for_update), so that two officers
adding members at once, or a line change racing a member removal, cannot leave a group that breaks its
rules unflagged. Writes go through the ORM so that the audit log records them (R4).
"""

import datetime

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from households.models import Household
from households.selectors import blacklisted_households
from sunshine_credit.errors import Refusal, Stale
from sunshine_credit.models import Village
from sunshine_credit.scoping import Scope, village_in_scope_or_404

from . import rules
from .facts import effective_lines, open_drawdown_guaranteed_by
from .models import GroupMember, GuaranteeGroup
from .rules import RuleViolation


class GroupRefused(Refusal):
    """A group write was refused. `.messages` are the translated reasons (each names its rule and, where it is
    about one, the household); str() is all of them. args[0] is the first."""

    def __init__(self, *messages: str):
        super().__init__(errors=[(None, str(message)) for message in messages])
        self.args = messages

    def __str__(self):
        return " ".join(text for _field, text in self.errors)


# --- reading the facts the rules need (credit_use provides the lines: guarantee_groups.facts) -------------

def _member_values(households: list[Household], *, today: datetime.date | None = None) -> list[rules.MemberValues]:
    lines = effective_lines([h.pk for h in households], today=today)
    return [(h.pk, h.village_id, lines[h.pk].amount if h.pk in lines else None) for h in households]


def _active_households(group: GuaranteeGroup) -> list[Household]:
    with scopes_disabled():
        return list(Household.objects.filter(group_memberships__group=group, group_memberships__active=True)
                    .order_by("code"))


def _group_breaks(group: GuaranteeGroup, households: list[Household], *, today=None) -> list[str]:
    return rules.group_rule_breaks(_member_values(households, today=today), village_id=group.village_id,
                                   leader_id=group.leader_id)


# --- G7: checking again ------------------------------------------------------------------------------

def groups_recheck(*, household_ids) -> list[int]:
    """G7: check again the rules of every active group with one of these households as an active member
    (call it after a member's line changed, was revoked, restored or expired, inside the same transaction).

    A group that no longer holds its rules is flagged with the broken rule codes (["G1", "G2"]), which
    blocks new drawdowns; a flagged group that holds them again is cleared. Every checked group gets
    `checked_at`. Returns the ids of the groups flagged after the check (newly or still). Needs no scope:
    it is called by services and jobs on behalf of the system.
    """
    household_ids = [int(pk) for pk in household_ids]
    if not household_ids:
        return []
    flagged: list[int] = []
    with transaction.atomic(), scopes_disabled():
        group_ids = (GroupMember.objects.filter(household_id__in=household_ids, active=True,
                                                group__status=GuaranteeGroup.Status.ACTIVE)
                     .values_list("group_id", flat=True).distinct())
        for group in GuaranteeGroup.objects.select_for_update().filter(pk__in=list(group_ids)).order_by("pk"):
            if _store_check(group, _group_breaks(group, _active_households(group))):
                flagged.append(group.pk)
    return flagged


def _store_check(group: GuaranteeGroup, breaks: list[str]) -> bool:
    """Record the outcome of a check on a locked group; True when it is flagged."""
    group.flagged = bool(breaks)
    group.flag_reasons = breaks
    group.checked_at = timezone.now()
    group.save(update_fields=["flagged", "flag_reasons", "checked_at"])
    return group.flagged


def group_drawdown_refusal(group: GuaranteeGroup | None) -> str | None:
    """G7: why this group may not guarantee a new drawdown now (translated), or None when it may.

    Refused when the group is dissolved, flagged, or breaks its rules today although no check has flagged it
    yet (a line that ran out by date before its expiry job ran). Pass the group as read in the drawdown's
    transaction (select_for_update), so that a check committed meanwhile is seen."""
    if group is None:
        return None
    if group.status != GuaranteeGroup.Status.ACTIVE:
        return _("The joint-guarantee group has been dissolved.")
    reasons = list(group.flag_reasons or []) if group.flagged else _group_breaks(group, _active_households(group))
    if group.flagged or reasons:
        return _("The joint-guarantee group no longer holds its rules (%(rules)s); no new drawdown until it is "
                 "fixed.") % {"rules": ", ".join(reasons)}
    return None


# --- writes by the officer -----------------------------------------------------------------------------
# Only the loan officer (or an administrator) of the village changes its groups (O3): Http404 outside the scope
# (R1), PermissionDenied for readers of the village.

def _group_for_edit(scope: Scope, group_id: int) -> GuaranteeGroup:
    """The group locked for a write, after the scope and role checks (Http404 / PermissionDenied)."""
    with scopes_disabled():
        village_id = (GuaranteeGroup.objects.filter(pk=group_id, village_id__in=scope.village_ids)
                      .values_list("village_id", flat=True).first())
    if village_id is None:
        raise Http404
    scope.require_maker(_("Only the loan officer of the village changes its joint-guarantee groups."),
                        village_id=village_id)
    with scopes_disabled():
        return GuaranteeGroup.objects.select_for_update().get(pk=group_id)


def _require_active(group: GuaranteeGroup) -> None:
    if group.status != GuaranteeGroup.Status.ACTIVE:
        raise GroupRefused(_("This group has been dissolved."))


def _check_version(group: GuaranteeGroup, version) -> None:
    if version is not None and int(version) != group.version:
        raise Stale(_("This group was changed by someone else meanwhile; nothing was saved. Reload the page."))


def _households_for(scope: Scope, household_ids) -> list[Household]:
    """The chosen households, locked, among the villages the user reads: one of another village of the scope
    is named by the rules (G1); one outside the scope is not found, without saying more (R1)."""
    ids = sorted({int(pk) for pk in household_ids})
    with scopes_disabled():
        households = list(Household.objects.select_for_update()
                          .filter(pk__in=ids, village_id__in=scope.village_ids).order_by("code"))
    if len(households) != len(ids):
        raise GroupRefused(_("A chosen household was not found in your villages."))
    return households


def _refuse_in_other_group(households: list[Household], *, group_id: int | None = None) -> None:
    """G4, checked before the partial unique constraint so that the message names the household."""
    with scopes_disabled():
        taken = (GroupMember.objects.filter(household__in=households, active=True)
                 .exclude(group_id=group_id).select_related("household", "group").order_by("household__code").first())
    if taken is not None:
        raise GroupRefused(_("G4: household %(code)s is already a member of group %(number)d of its village.")
                           % {"code": taken.household.code, "number": taken.group.number})


def _refuse_blacklisted(households: list[Household]) -> None:
    """C4: a household with a member on the active blacklist neither forms a group nor joins one (it would
    guarantee the other members' loans); the message names the household by its code."""
    if not households:
        return
    listed = blacklisted_households(head_office_id=households[0].head_office_id,
                                    household_ids=[h.pk for h in households])
    if listed:
        raise GroupRefused(*(_("C4: household %(code)s has a member on the blacklist and may not be in a "
                               "joint-guarantee group.") % {"code": code} for code in listed.values()))


def _refuse_broken(group: GuaranteeGroup, households: list[Household]) -> None:
    """G1–G3 over the would-be members: every broken rule is reported, households named by code."""
    try:
        rules.check_group(_member_values(households), village_id=group.village_id, leader_id=group.leader_id,
                          labels={h.pk: h.code for h in households})
    except RuleViolation as exc:
        raise GroupRefused(*(message for _code, message in exc.problems)) from None


def _next_number(village_id: int) -> int:
    """The next 组号 of the village's register. The village row is locked so that two groups formed at once
    in one village do not take the same number (the unique constraint is the last line of defence)."""
    with scopes_disabled():
        Village.objects.select_for_update().filter(pk=village_id).first()
        last = (GuaranteeGroup.objects.filter(village_id=village_id).order_by("-number")
                .values_list("number", flat=True).first())
    return (last or 0) + 1


@transaction.atomic
def group_form(*, scope: Scope, actor, village_id: int, household_ids, leader_id: int | None, name: str = "",
               allows_outside: bool = True) -> GuaranteeGroup:
    """Form a group of the village (G1–G4). Raises Http404 outside the scope, PermissionDenied for non-makers,
    GroupRefused (naming the rule and, where it is about one, the household) when a rule refuses it."""
    village = village_in_scope_or_404(scope, village_id)
    scope.require_maker(_("Only the loan officer of the village changes its joint-guarantee groups."),
                        village_id=village_id)
    households = _households_for(scope, household_ids)
    _refuse_blacklisted(households)
    _refuse_in_other_group(households)
    with scopes_disabled():
        group = GuaranteeGroup(head_office_id=village.branch.head_office_id, village_id=village_id,
                               number=0, name=name.strip(), leader_id=int(leader_id) if leader_id else None,
                               allows_outside=allows_outside, created_by=actor)
        _refuse_broken(group, households)
        group.number = _next_number(village_id)
        group.checked_at = timezone.now()
        try:
            with transaction.atomic():
                group.save()
                for household in households:
                    GroupMember.objects.create(group=group, household=household)
        except IntegrityError:
            raise GroupRefused(_("A chosen household joined another group meanwhile; nothing was saved.")) from None
    return group


@transaction.atomic
def group_update(*, scope: Scope, actor, group_id: int, version, name: str, leader_id: int | None,
                 allows_outside: bool) -> GuaranteeGroup:
    """Change the group's name, leader (G3) or outside-guarantee agreement (G5). Raises Http404,
    PermissionDenied, Stale (R3) or GroupRefused."""
    group = _group_for_edit(scope, group_id)
    _check_version(group, version)
    _require_active(group)
    households = _active_households(group)
    leader_id = int(leader_id) if leader_id else None
    if leader_id not in {h.pk for h in households}:
        raise GroupRefused(_("G3: the leader must be one of the group's members."))
    group.name, group.leader_id, group.allows_outside = name.strip(), leader_id, allows_outside
    group.version += 1
    with scopes_disabled():
        group.save(update_fields=["name", "leader", "allows_outside", "version"])
        _store_check(group, _group_breaks(group, households))
    return group


@transaction.atomic
def member_add(*, scope: Scope, actor, group_id: int, household_id: int, version=None) -> GuaranteeGroup:
    """Add a household to the group, if the group still holds its rules afterwards (G1, G2, G4)."""
    group = _group_for_edit(scope, group_id)
    _check_version(group, version)
    _require_active(group)
    newcomer = _households_for(scope, [household_id])
    _refuse_blacklisted(newcomer)
    _refuse_in_other_group(newcomer, group_id=group.pk)
    households = _active_households(group)
    if newcomer[0].pk in {h.pk for h in households}:
        raise GroupRefused(_("Household %(code)s is already a member of this group.") % {"code": newcomer[0].code})
    households = sorted([*households, *newcomer], key=lambda h: h.code)
    _refuse_broken(group, households)
    with scopes_disabled():
        try:
            with transaction.atomic():
                member, created = GroupMember.objects.get_or_create(group=group, household=newcomer[0],
                                                                    defaults={"active": True})
                if not created:  # it was a member before, and left
                    member.active, member.left_at = True, None
                    member.save(update_fields=["active", "left_at"])
        except IntegrityError:
            raise GroupRefused(_("G4: household %(code)s joined another group meanwhile.")
                               % {"code": newcomer[0].code}) from None
        group.version += 1
        group.save(update_fields=["version"])
        _store_check(group, [])
    return group


@transaction.atomic
def member_remove(*, scope: Scope, actor, group_id: int, household_id: int, version=None) -> GuaranteeGroup:
    """Remove a member, only if the group still holds its rules afterwards (G1, G2, G3: the leader is removed
    only after another one is elected). Raises GroupRefused with the reason otherwise."""
    group = _group_for_edit(scope, group_id)
    _check_version(group, version)
    _require_active(group)
    households = _active_households(group)
    leaving = next((h for h in households if h.pk == int(household_id)), None)
    if leaving is None:
        raise GroupRefused(_("This household is not a member of the group."))
    if leaving.pk == group.leader_id:
        raise GroupRefused(_("G3: elect another leader before household %(code)s leaves the group.")
                           % {"code": leaving.code})
    if open_drawdown_guaranteed_by(group.pk):  # its members answer for that drawdown until it is repaid (U9)
        raise GroupRefused(_("Household %(code)s cannot leave while the group guarantees a drawdown that is pending "
                             "or not yet repaid.") % {"code": leaving.code})
    remaining = [h for h in households if h.pk != leaving.pk]
    try:
        rules.check_group(_member_values(remaining), village_id=group.village_id, leader_id=group.leader_id,
                          labels={h.pk: h.code for h in remaining})
    except RuleViolation as exc:
        raise GroupRefused(_("Household %(code)s cannot leave: %(reason)s") % {"code": leaving.code,
                                                                                 "reason": str(exc)}) from None
    with scopes_disabled():
        member = GroupMember.objects.get(group=group, household=leaving, active=True)
        member.active, member.left_at = False, timezone.now()
        member.save(update_fields=["active", "left_at"])  # through the ORM: the audit log records it
        group.version += 1
        group.save(update_fields=["version"])
        _store_check(group, [])
    return group


@transaction.atomic
def group_dissolve(*, scope: Scope, actor, group_id: int, version=None) -> GuaranteeGroup:
    """Dissolve the group: its members are free to join another (G4). Refused while a drawdown it guarantees
    is waiting, approved and not disbursed, or still owes principal."""
    group = _group_for_edit(scope, group_id)
    _check_version(group, version)
    _require_active(group)
    if open_drawdown_guaranteed_by(group.pk):
        raise GroupRefused(_("The group guarantees a drawdown that is pending or not yet repaid; it can be "
                             "dissolved once that is settled."))
    with scopes_disabled():
        now = timezone.now()
        for member in GroupMember.objects.filter(group=group, active=True):
            member.active, member.left_at = False, now
            member.save(update_fields=["active", "left_at"])
        group.status = GuaranteeGroup.Status.DISSOLVED
        group.version += 1
        group.save(update_fields=["status", "version"])
    return group
