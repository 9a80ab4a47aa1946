"""Staff logins: each user changes their own password (Django's PasswordChangeView, see views_staff), and the
head office's administrator gives a staff user of their head office a new one (SPEC §1: admin does user set-up).

Reads start from the administrator's head office: a user of another head office answers 404 like a missing one
(O2/R1). Every password set here is written to the audit log with the value masked (R4).
"""

import secrets

from auditlog.models import LogEntry
from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .models import Role, StaffProfile
from .scoping import Scope


def password_audit(*, user, actor) -> None:
    """R4: who set whose password and when (the middleware adds from where); never the password."""
    LogEntry.objects.log_create(user, action=LogEntry.Action.UPDATE, actor=actor,
                                changes={"password": ["***", "***"]})


def _require_admin(scope: Scope) -> None:
    if scope.role != Role.ADMIN:
        raise PermissionDenied(_("Only the system administrator sets other users' passwords."))


def staff_list(*, scope: Scope) -> QuerySet:
    """The staff of the administrator's head office, by branch, role and user name."""
    _require_admin(scope)
    return (StaffProfile.objects.filter(head_office_id=scope.head_office_id)
            .select_related("user", "branch").order_by("branch__code", "role", "user__username"))


def staff_get(*, scope: Scope, user_id: int) -> StaffProfile:
    """A staff user whose password the administrator may set. Raises StaffProfile.DoesNotExist for users of
    another head office, the administrator themself (their own password is changed with the old one, so a
    session left open does not hand over the account), and superusers (whose login reaches every head office
    through Django's admin: only a superuser resets it, with `manage.py changepassword`)."""
    return (staff_list(scope=scope).exclude(user_id=scope.user_id).exclude(user__is_superuser=True)
            .get(user_id=user_id))


@transaction.atomic
def staff_password_reset(*, scope: Scope, actor, user_id: int, password: str = "") -> str:
    """Set a staff user's password: the one the administrator typed, else a new random one-time password to
    hand over (the caller shows it once and keeps it nowhere). Returns the password. The user's other sessions
    end (Django checks the password hash on every request), their failed-login lockout (R9) is lifted, and the
    audit log records it. Raises PermissionDenied for any role but admin, StaffProfile.DoesNotExist (see
    staff_get), ValidationError when a typed password fails the configured validators."""
    user = staff_get(scope=scope, user_id=user_id).user
    if password:
        validate_password(password, user=user)
    else:
        password = secrets.token_urlsafe(9)
    user.set_password(password)
    user.save(update_fields=["password"])
    axes_reset(username=user.get_username())
    password_audit(user=user, actor=actor)
    return password
