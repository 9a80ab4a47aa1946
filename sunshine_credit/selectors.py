"""The ground floor's reads: a generated file for its asker, the staff of the administrator's head office.

Reads start from the scope: a file or a user outside it answers 404 like a missing one (O2/R1).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from .models import GeneratedFile, Role, StaffProfile
from .scoping import Scope


def generated_file_get(*, scope: Scope, user, pk: int) -> GeneratedFile:
    """The asker's own file, while its village is still in their scope; Http404 otherwise (R1)."""
    item = (GeneratedFile.objects.filter(pk=pk, created_by=user, head_office_id=scope.head_office_id)
            .select_related("job").first())
    if item is None or (item.village_id is not None and item.village_id not in scope.village_ids):
        raise Http404
    return item


def _require_admin(scope: Scope) -> None:
    if scope.role != Role.ADMIN:
        raise PermissionDenied(_("Only the system administrator sets other users' passwords."))


def staff_list(*, scope: Scope) -> QuerySet:
    """The staff of the administrator's head office, by branch, role and user name. Raises PermissionDenied
    for any role but admin."""
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
