"""The staff pages' writes (SPEC §1: the head office's administrator does user set-up). Every write checks the
actor is the head office's administrator, fetches the person through the head office (selectors.staff_detail:
another head office's user is missing), re-checks every branch and village id the form offered against the head
office (STYLE §3.4), and is audited (R4): the profile by the audit registry (phone masked), the login's
activation, villages and second factor by an explicit entry.

A role change waits for a checker (R2): another administrator or a supervisor of the head office approves it,
never the maker, nor the person whose role it is; a second request for the same person while one waits is
refused (the Approval's subject is the person). Approving applies it, unless the person's role or branch changed
meanwhile. A loan officer who leaves the role or the branch leaves their villages (包片)."""


from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from sunshine_credit.approvals import ApprovalRefused, Kind, approval_request, register
from sunshine_credit.errors import Refusal
from sunshine_credit.import_jobs import import_locked_apply
from sunshine_credit.lib.excel import open_upload
from sunshine_credit.lib.passwords import handover_password
from sunshine_credit.models import Approval, Branch, Role, RoleChange, StaffImport, StaffProfile, Village
from sunshine_credit.scoping import Scope

from .imports import StaffPlan, staff_validate
from .rules import check_assignment, check_phone, check_username
from .selectors import require_staff_admin, staff_detail, username_taken

ROLE_CHANGE = "staff_role_change"


class StaffRefused(Refusal):
    """A staff action broke a rule; str() is shown to the user, on `field` when given. Nothing was written."""


def one_time_password() -> str:
    """12 random characters to hand over, without look-alikes (sunshine_credit.lib.passwords); changed at the
    first login."""
    return handover_password()


def audit_user(user, *, actor, changes: dict) -> None:
    """R4: who changed what of a login (activation, villages, second factor), when; the middleware adds where."""
    LogEntry.objects.log_create(user, action=LogEntry.Action.UPDATE, actor=actor, changes=changes)


def branch_in_head_office(scope: Scope, branch_id: int | None) -> Branch | None:
    """The branch a form offered, only if it is the head office's (else refused on the field)."""
    if branch_id in (None, ""):
        return None
    branch = Branch.objects.filter(pk=branch_id, head_office_id=scope.head_office_id).first()
    if branch is None:
        raise StaffRefused(_("Choose a branch of your head office."), field="branch")
    return branch


def villages_in_head_office(scope: Scope, village_ids) -> list[Village]:
    """The villages a form offered, every one the head office's (else refused on the field)."""
    ids = {int(pk) for pk in village_ids or ()}
    villages = list(Village.objects.filter(pk__in=ids, branch__head_office_id=scope.head_office_id)
                    .order_by("code"))
    if len(villages) != len(ids):
        raise StaffRefused(_("Choose villages of your head office."), field="villages")
    return villages


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise StaffRefused(_("This field is required."), field="name")
    if len(name) > 150:
        raise StaffRefused(_("At most %(n)d characters.") % {"n": 150}, field="name")
    return name


def create_login(*, head_office_id: int, username: str, name: str, role: str, branch: Branch | None,
                 villages: list[Village], phone: str) -> str:
    """Write one checked login (the page's and the workbook's): the user with a one-time password, its profile
    (to be changed at the first login) and its villages. Returns the password."""
    password = one_time_password()
    user = get_user_model().objects.create_user(username=username, password=password, first_name=name)
    StaffProfile.objects.create(user=user, role=role, head_office_id=head_office_id, branch=branch, phone=phone,
                                must_change_password=True)
    if villages:
        user.assigned_villages.set(villages)
    return password


@transaction.atomic
def staff_create(*, scope: Scope, actor, username: str, name: str, role: str, branch_id: int | None = None,
                 village_ids=(), phone: str = "") -> tuple[StaffProfile, str]:
    """A new staff login of the head office; returns (profile, its one-time password, to show once). Raises
    PermissionDenied for any role but admin, Refusal naming the field (user name taken or malformed, branch or
    village not the head office's, a role's place wrong, phone)."""
    require_staff_admin(scope)
    username = check_username(username)
    if username_taken(username):
        raise StaffRefused(_("The user name %(name)s is taken.") % {"name": username}, field="username")
    branch = branch_in_head_office(scope, branch_id)
    villages = villages_in_head_office(scope, village_ids)
    check_assignment(role, branch.pk if branch else None, [v.branch_id for v in villages])
    values = {"name": _clean_name(name), "phone": check_phone(phone)}
    try:
        with transaction.atomic():
            password = create_login(head_office_id=scope.head_office_id, username=username, role=role,
                                    branch=branch, villages=villages, **values)
    except IntegrityError:  # the same user name was created meanwhile
        raise StaffRefused(_("The user name %(name)s is taken.") % {"name": username}, field="username") from None
    profile = StaffProfile.objects.select_related("user", "branch").get(user__username=username)
    if villages:
        audit_user(profile.user, actor=actor, changes={"villages": ["", "、".join(v.code for v in villages)]})
    return profile, password


def _profile_for_update(scope: Scope, actor, user_id: int, *, not_self: str = "") -> StaffProfile:
    profile = staff_detail(scope=scope, user_id=user_id)
    if not_self and profile.user_id == actor.pk:
        raise StaffRefused(not_self)
    return StaffProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)


@transaction.atomic
def staff_set_active(*, scope: Scope, actor, user_id: int, active: bool) -> StaffProfile:
    """Deactivate a login (it can no longer log in, and its open sessions end at their next request) or
    reactivate it; never one's own. Raises PermissionDenied, StaffProfile.DoesNotExist, StaffRefused."""
    profile = _profile_for_update(scope, actor, user_id, not_self=_("You cannot deactivate your own login."))
    user = profile.user
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_user(user, actor=actor, changes={"is_active": [str(not active), str(active)]})
    return profile


def _set_villages(profile: StaffProfile, villages: list[Village], *, actor) -> None:
    old = list(Village.objects.filter(officers=profile.user_id).order_by("code").values_list("code", flat=True))
    new = [v.code for v in villages]
    if old != new:
        profile.user.assigned_villages.set(villages)
        audit_user(profile.user, actor=actor, changes={"villages": ["、".join(old), "、".join(new)]})


@transaction.atomic
def staff_set_villages(*, scope: Scope, actor, user_id: int, village_ids) -> StaffProfile:
    """A loan officer's villages (包片), directly: every one of the head office and of the officer's branch.
    Raises PermissionDenied, StaffProfile.DoesNotExist, Refusal on the field."""
    profile = _profile_for_update(scope, actor, user_id)
    villages = villages_in_head_office(scope, village_ids)
    check_assignment(profile.role, profile.branch_id, [v.branch_id for v in villages])
    _set_villages(profile, villages, actor=actor)
    return profile


def _approval_village(scope: Scope, branch: Branch | None) -> int:
    """Approval.village (the approvals' scope key): the branch's first village, else the head office's first;
    the head office's administrators and supervisors read them all."""
    villages = Village.objects.filter(branch__head_office_id=scope.head_office_id).order_by("code")
    first = (villages.filter(branch=branch).values_list("pk", flat=True).first() if branch else None) or \
        villages.values_list("pk", flat=True).first()
    if first is None:
        raise StaffRefused(_("The head office has no village yet: import the organisation first."))
    return first


@transaction.atomic
def staff_role_change_request(*, scope: Scope, actor, user_id: int, role: str, branch_id: int | None,
                              reason: str) -> Approval:
    """Ask for a staff user's new role (and branch); another administrator or a supervisor decides (R2). Never
    one's own role. Raises PermissionDenied, StaffProfile.DoesNotExist, Refusal (on the field; nothing changes;
    a request for the person already waiting)."""
    profile = _profile_for_update(scope, actor, user_id, not_self=_("Another administrator changes your role."))
    branch = branch_in_head_office(scope, branch_id)
    check_assignment(role, branch.pk if branch else None, [])
    if (role, branch.pk if branch else None) == (profile.role, profile.branch_id):
        raise StaffRefused(_("The role and branch are the same as now."), field="role")
    title = _("Role of %(user)s: %(old)s → %(new)s") % {
        "user": profile.user.get_username(), "old": profile.get_role_display(),
        "new": " ".join(str(part) for part in (Role(role).label, branch.name if branch else "") if part)}
    approval = approval_request(scope=scope, actor=actor, kind=ROLE_CHANGE, subject_id=profile.user_id,
                                village_id=_approval_village(scope, branch or profile.branch), title=title,
                                reason=reason)
    RoleChange.objects.create(head_office_id=scope.head_office_id, user_id=profile.user_id, approval=approval,
                              role_from=profile.role, role_to=role, branch_from_id=profile.branch_id,
                              branch_to=branch)
    return approval


def role_change_decided(approval: Approval, approved: bool) -> None:
    """Runs in the checker's transaction. Approving applies the new role and branch (audited by the registry);
    an officer who leaves the role or the branch leaves their villages. Raises ApprovalRefused (nothing written)
    when the person's role or branch changed since the request."""
    with scopes_disabled():
        change = RoleChange.objects.select_for_update().get(approval_id=approval.pk)
        if not approved:
            return
        profile = (StaffProfile.objects.select_for_update().select_related("user")
                   .get(user_id=change.user_id, head_office_id=approval.head_office_id))
        if (profile.role, profile.branch_id) != (change.role_from, change.branch_from_id):
            raise ApprovalRefused(_("This person's role or branch changed since the request; ask again."))
        if profile.role == Role.OFFICER and (change.role_to != Role.OFFICER
                                             or change.branch_to_id != profile.branch_id):
            _set_villages(profile, [], actor=approval.decided_by)
        profile.role, profile.branch_id = change.role_to, change.branch_to_id
        profile.save(update_fields=["role", "branch"])
        change.applied_at = timezone.now()
        change.save(update_fields=["applied_at"])


def _lock_person(approval: Approval) -> None:
    with scopes_disabled():
        StaffProfile.objects.select_for_update().filter(user_id=approval.subject_id).first()


register(ROLE_CHANGE, Kind(
    label=gettext_lazy("Staff role change"), approver_roles=frozenset({Role.ADMIN, Role.SUPERVISOR}),
    on_decided=role_change_decided, lock_subject=_lock_person,
    subject_url=lambda approval: reverse("staff_detail", args=[approval.subject_id]),
    subject_url_roles=frozenset({Role.ADMIN}), shows_village=False,  # the staff pages are the administrator's
    # The person whose role it is never approves it either (O3).
    makers=lambda approvals: {approval.subject_id: {approval.subject_id} for approval in approvals}))


def pending_role_changes(user_ids) -> dict[int, RoleChange]:
    """user id → the role change waiting for a checker (one query)."""
    with scopes_disabled():
        return {change.user_id: change for change in RoleChange.objects.filter(
            user_id__in=list(user_ids), approval__status=Approval.Status.PENDING).select_related("branch_to")}


@transaction.atomic
def staff_second_factor_reset(*, scope: Scope, actor, user_id: int) -> None:
    """A lost phone: the person's TOTP devices are removed and they enrol again at their next page (their open
    sessions lose the second factor at once). Never one's own. Audited."""
    profile = _profile_for_update(scope, actor, user_id, not_self=_("Another administrator resets your second "
                                                                     "factor."))
    removed, _kinds = TOTPDevice.objects.filter(user_id=profile.user_id).delete()
    if removed:
        audit_user(profile.user, actor=actor, changes={"second_factor": ["***", ""]})


def own_password_changed(*, user) -> None:
    """The user chose their own password: the one the administrator gave is no longer in use."""
    StaffProfile.objects.filter(user_id=user.pk, must_change_password=True).update(must_change_password=False)


def password_given(*, user) -> None:
    """The administrator gave the user a password: they change it at their next login."""
    StaffProfile.objects.filter(user_id=user.pk).update(must_change_password=True)


# --- the staff workbook (import_staff, SPEC §11) -----------------------------------------------------------


class StaffImportRefused(Refusal):
    """The workbook was refused as a whole; `.rows` lists {"row", "column", "message"}. Nothing was written."""

    def __init__(self, rows: list[dict]):
        super().__init__(_("Nothing was imported: the file has %(n)d errors.") % {"n": len(rows)}, code="import")
        self.rows = rows


def staff_write(plan: StaffPlan, *, head_office_id: int) -> list[dict]:
    """One login per entry; returns [{"username", "password"}] (the one-time passwords, to report once)."""
    return [{"username": values["username"], "password": create_login(
        head_office_id=head_office_id, username=values["username"], name=values["name"], role=values["role"],
        branch=values["branch"], villages=values["villages"], phone=values["phone"])} for values in plan.entries]


def staff_import(*, scope: Scope, actor, name: str, data: bytes, dry_run: bool = False
                 ) -> tuple[StaffImport, list[dict]]:
    """Check the workbook (R6 hardening, then every row) and write all of it or nothing; record the import (R4:
    SHA-256, who, when, logins made). Returns (the StaffImport — unsaved for a dry run, which writes nothing —,
    [{"username", "password"}] of the new logins: shown once, stored nowhere; each must be changed at the first
    login). Raises PermissionDenied for any role but admin, UploadRefused for a file that is not a safe .xlsx,
    StaffImportRefused with every error by row and column."""
    require_staff_admin(scope)
    sheet = open_upload(data)
    record = StaffImport(head_office_id=scope.head_office_id, file_name=name[:200], sha256=sheet.sha256,
                         created_by=actor)
    if dry_run:
        plan = staff_validate(sheet.rows, head_office_id=scope.head_office_id)
        if not plan.ok:
            raise StaffImportRefused(list(plan.errors))
        record.status, record.rows_total = StaffImport.Status.VALID, len(plan.entries)
        return record, []
    logins = []

    def write(plan):
        logins.extend(staff_write(plan, head_office_id=scope.head_office_id))
        return {"written": len(logins), "usernames": [login["username"] for login in logins]}

    with transaction.atomic():
        plan, summary = import_locked_apply(
            head_office_id=scope.head_office_id, write=write,
            validate=lambda: staff_validate(sheet.rows, head_office_id=scope.head_office_id))
        if not plan.ok:
            raise StaffImportRefused(list(plan.errors))
        record.status, record.rows_total, record.summary = StaffImport.Status.APPLIED, len(plan.entries), summary
        record.applied_at = timezone.now()
        record.save()
    return record, logins
