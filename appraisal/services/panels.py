"""A1/A2: the reviewer registry and forming panels; opening and closing the back-to-back round (A3).

Makers (loan officers of the village, administrators) form panels and run the round. External reviewers
get a login with the `reviewer` role; its one-time password is returned to the officer to hand over.
"""


from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from households.models import Household
from sunshine_credit.errors import Refusal, RuleViolation, Stale
from sunshine_credit.lib.passwords import handover_password
from sunshine_credit.models import Role, StaffProfile, Village
from sunshine_credit.scoping import Scope, activate, narrowed

from .. import rules
from ..models import Panel, PanelHousehold, PanelMember, Reviewer, ReviewerKind
from ..selectors import reviewer_get, round_entrants
from .precheck import precheck_panel
from .results import decisions_compute


class PanelRefused(Refusal):
    """The panel or registry change breaks a rule; str() is shown. Nothing was written."""


# --- the reviewer registry -------------------------------------------------------------------------------

# A1: bank staff on a panel are staff of the panel's own branch. Head-office staff are not seated: supervisors
# and auditors oversee the appraisal (they cannot also judge it), and the administrator sets up users, not
# appraisals. A seat opens the panel's households to its holder (R1), so this is checked on registering, on
# every panel change, when the round opens, and on every seat access (appraisal.selectors.seat_or_404).
BRANCH_STAFF_ROLES = (Role.OFFICER, Role.PRESIDENT, Role.TELLER)


def is_branch_staff(user, branch_id: int) -> bool:
    profile = getattr(user, "staff_profile", None) if user is not None else None
    return (profile is not None and user.is_active and profile.role in BRANCH_STAFF_ROLES
            and profile.branch_id == branch_id)


def _reviewer_household(scope: Scope, branch_id: int, code: str):
    if not code:
        return None
    with scopes_disabled():
        household = Household.objects.filter(head_office_id=scope.head_office_id, code=code.strip(),
                                             village__branch_id=branch_id).first()
    if household is None:
        raise PanelRefused(_("No household with the code %(code)s in this branch.") % {"code": code})
    return household


def _new_login(reviewer: Reviewer) -> str:
    """A `reviewer` login for an external reviewer; returns the one-time password."""
    password = handover_password()
    username = f"py{reviewer.branch.code}-{reviewer.pk}".lower()
    user = get_user_model().objects.create_user(username=username, password=password, first_name=reviewer.name)
    # R9: the officer hands the one-time password over; the reviewer chooses their own at the first login.
    StaffProfile.objects.create(user=user, role=Role.REVIEWER, head_office_id=reviewer.head_office_id,
                                branch_id=reviewer.branch_id, phone=reviewer.phone, must_change_password=True)
    reviewer.user = user
    reviewer.save(update_fields=["user"])
    return password


@transaction.atomic
def reviewer_create(*, scope: Scope, actor, branch_id: int, fields: dict, household_code: str = "",
                    staff_user=None) -> tuple[Reviewer, str | None]:
    """Register a reviewer. Bank staff sit with their own staff login (`staff_user`, same head office);
    everyone else gets a new `reviewer` login. Returns (reviewer, one-time password or None)."""
    scope.require_maker(_("Only loan officers and administrators form panels."))
    if branch_id not in scope.branch_ids:
        raise PermissionDenied
    is_bank = fields["kind"] == ReviewerKind.BANK_STAFF
    if is_bank:
        if not is_branch_staff(staff_user, branch_id):
            raise PanelRefused(_("A bank staff reviewer must be a loan officer, teller or president of the "
                                 "reviewer's own branch, with their own login."))
        if Reviewer.objects.filter(user=staff_user).exists():
            raise PanelRefused(_("This staff member is registered as a reviewer already."))
    reviewer = Reviewer.objects.create(head_office_id=scope.head_office_id, branch_id=branch_id, created_by=actor,
                                       household=_reviewer_household(scope, branch_id, household_code),
                                       user=staff_user if is_bank else None, **fields)
    password = None if is_bank else _new_login(reviewer)
    return reviewer, password


@transaction.atomic
def reviewer_update(*, scope: Scope, actor, reviewer_id: int, fields: dict, household_code: str = "") -> Reviewer:
    scope.require_maker(_("Only loan officers and administrators form panels."))
    reviewer = reviewer_get(scope=scope, pk=reviewer_id)  # R1: every open seat in the actor's villages
    reviewer = Reviewer.objects.select_for_update().get(pk=reviewer.pk)
    if (fields.get("kind") == ReviewerKind.BANK_STAFF) != reviewer.is_bank_staff:
        raise PanelRefused(_("A reviewer cannot change between bank staff and external reviewer."))
    for name, value in fields.items():
        setattr(reviewer, name, value)
    reviewer.household = _reviewer_household(scope, reviewer.branch_id, household_code)
    reviewer.save()
    if reviewer.user_id and not reviewer.is_bank_staff:
        reviewer.user.is_active = reviewer.active
        reviewer.user.first_name = reviewer.name
        reviewer.user.save(update_fields=["is_active", "first_name"])
    return reviewer


@transaction.atomic
def reviewer_reset_password(*, scope: Scope, actor, reviewer_id: int) -> str:
    """A new one-time password for an external reviewer's login, audited (R4). While the reviewer sits on an
    open round only an administrator resets it: whoever holds the new password could read the reviewer's
    entries (A3), and the officer running the round must not."""
    scope.require_maker(_("Only loan officers and administrators form panels."))
    reviewer = reviewer_get(scope=scope, pk=reviewer_id)
    if reviewer.is_bank_staff or reviewer.user is None:
        raise Reviewer.DoesNotExist
    with scopes_disabled():
        seated_open = PanelMember.objects.filter(reviewer=reviewer, panel__status=Panel.Status.OPEN).exists()
    if seated_open and scope.role != Role.ADMIN:
        raise PanelRefused(_("This reviewer sits on an open round: only an administrator gives a new password."))
    password = handover_password()
    reviewer.user.set_password(password)
    reviewer.user.save(update_fields=["password"])
    StaffProfile.objects.filter(user_id=reviewer.user_id).update(must_change_password=True)  # R9, as above
    LogEntry.objects.log_create(reviewer, action=LogEntry.Action.UPDATE, actor=actor,
                                changes={"password": ["***", "***"]})
    return password


# --- forming a panel ---------------------------------------------------------------------------------------

def _seats(reviewers: dict[int, Reviewer], members: list[tuple[int, str]], village: Village) -> list[rules.Seat]:
    with scopes_disabled():
        presidents = set(StaffProfile.objects.filter(role=Role.PRESIDENT, branch_id=village.branch_id)
                         .values_list("user_id", flat=True))
    return [rules.Seat(reviewer_id=rid, name=reviewers[rid].name, kind=reviewers[rid].kind, position=position,
                       user_id=reviewers[rid].user_id, is_branch_president=reviewers[rid].user_id in presidents)
            for rid, position in members]


def check_panel(*, panel: Panel, members: list[tuple[int, str]]) -> list[Reviewer]:
    """A1/A2 on a proposed membership [(reviewer id, position)]. Raises PanelRefused; returns the reviewers."""
    village = panel.village
    with scopes_disabled():
        # R1: only the registry of the panel's own branch; a POST can name any reviewer id.
        reviewers = {r.pk: r for r in Reviewer.objects.select_related("user__staff_profile").filter(
            pk__in=[rid for rid, _position in members], head_office_id=panel.campaign.head_office_id,
            branch_id=village.branch_id, active=True)}
        if len(reviewers) != len({rid for rid, _position in members}):
            raise PanelRefused(_("Choose active reviewers of this branch's registry."))
        for reviewer in reviewers.values():
            if reviewer.is_bank_staff and not is_branch_staff(reviewer.user, village.branch_id):
                raise PanelRefused(_("%(name)s is no longer staff of this branch and cannot sit on its panel.")
                                   % {"name": reviewer.name})
        area_officers = set(village.officers.values_list("id", flat=True))
        survey_team = set(panel.campaign.survey_team.values_list("id", flat=True))
    try:
        rules.check_composition(_seats(reviewers, members, village), unit_kind=panel.unit_kind, preset=panel.preset,
                                area_officer_ids=area_officers, survey_team_ids=survey_team)
    except RuleViolation as exc:
        raise PanelRefused(str(exc)) from None
    return [reviewers[rid] for rid, _position in members]


def _write_members(panel: Panel, members: list[tuple[int, str]]) -> None:
    check_panel(panel=panel, members=members)
    panel.members.all().delete()
    PanelMember.objects.bulk_create([PanelMember(panel=panel, reviewer_id=rid, position=position, seat=n)
                                     for n, (rid, position) in enumerate(members, start=1)])


@transaction.atomic
def panel_create(*, scope: Scope, actor, campaign, village_id: int, fields: dict,
                 members: list[tuple[int, str]]) -> Panel:
    """Form a panel of a campaign for a village of the actor's editable scope, with its members in seat order."""
    scope.require_maker(_("Only loan officers and administrators form panels."))
    if not scope.can_edit_village(village_id) or campaign.head_office_id != scope.head_office_id:
        raise PermissionDenied
    with activate(scope):
        if Panel.objects.filter(campaign=campaign, village_id=village_id).exists():
            raise PanelRefused(_("This unit has a panel in this campaign already."))
        panel = Panel(campaign=campaign, village_id=village_id, created_by=actor, **fields)
        panel.village = Village.objects.select_related("branch").get(pk=village_id)
        panel.save()
        _write_members(panel, members)
    return panel


def _locked_panel(scope: Scope, panel_id: int, version: int | None) -> Panel:
    panel = (Panel.objects.select_for_update().select_related("campaign", "village__branch")
             .get(pk=panel_id, village_id__in=scope.editable_village_ids))
    if version is not None and panel.version != version:
        raise Stale(_("This panel was changed by someone else meanwhile. Reload the page."))
    return panel


@transaction.atomic
def panel_update(*, scope: Scope, actor, panel_id: int, version: int, fields: dict,
                 members: list[tuple[int, str]]) -> Panel:
    """Change a panel while it is being formed (its members are fixed once the round opens)."""
    scope.require_maker(_("Only loan officers and administrators form panels."))
    with activate(scope):
        panel = _locked_panel(scope, panel_id, version)
        if panel.status != Panel.Status.FORMING:
            raise PanelRefused(_("The members of a panel are fixed once its round is open."))
        for name, value in fields.items():
            setattr(panel, name, value)
        panel.version += 1
        panel.save()
        _write_members(panel, members)
    return panel


@transaction.atomic
def round_open(*, scope: Scope, actor, panel_id: int, version: int) -> Panel:
    """A3: open the back-to-back round; the composition is checked once more."""
    scope.require_maker(_("Only loan officers and administrators form panels."))
    with activate(scope):
        panel = _locked_panel(scope, panel_id, version)
        if panel.status != Panel.Status.FORMING:
            raise PanelRefused(_("The round of this panel is open already."))
        check_panel(panel=panel, members=list(panel.members.values_list("reviewer_id", "position")))
        round_households_record(panel)
        panel.status, panel.opened_at = Panel.Status.OPEN, timezone.now()
        panel.version += 1
        panel.save(update_fields=["status", "opened_at", "version"])
    return panel


def round_households_record(panel: Panel) -> int:
    """Issue 15: fix the round's households as it opens: those that may enter now (archived, nobody blacklisted).
    Households archived or imported later wait for the next round. Returns how many were recorded."""
    ids = list(round_entrants(panel).values_list("pk", flat=True))
    PanelHousehold.objects.filter(panel=panel).delete()
    PanelHousehold.objects.bulk_create([PanelHousehold(panel=panel, household_id=pk) for pk in ids], batch_size=2000)
    return len(ids)


@transaction.atomic
def round_close(*, scope: Scope, actor, panel_id: int, version: int) -> Panel:
    """A3: close the round. From now on the entries are visible in the summary, none can change, and each
    household's computed result (A5, L1–L6) and the pre-check (A6) are recorded for the decisions (A7)."""
    scope.require_maker(_("Only loan officers and administrators form panels."))
    with activate(scope):
        panel = _locked_panel(scope, panel_id, version)
        if panel.status != Panel.Status.OPEN:
            raise PanelRefused(_("Only an open round can be closed."))
        panel.status, panel.closed_at, panel.closed_by = Panel.Status.CLOSED, timezone.now(), actor
        panel.version += 1
        panel.save(update_fields=["status", "closed_at", "closed_by", "version"])
    with activate(narrowed(scope, panel.village_id)):
        decisions_compute(panel)
        precheck_panel(panel)
    return panel
