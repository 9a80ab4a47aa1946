"""The staff pages' reads: the administrator's head office only (O2/R1). Any other role gets PermissionDenied,
which the views answer with 404; a user of another head office is missing (StaffProfile.DoesNotExist)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from sunshine_credit.models import Branch, Role, StaffImport, StaffProfile, Village
from sunshine_credit.scoping import Scope


def require_staff_admin(scope: Scope) -> None:
    if scope.role != Role.ADMIN:
        raise PermissionDenied(_("Only the system administrator administers staff."))


def staff_search(*, scope: Scope, q: str = "", branch_id: int | None = None, role: str = "") -> QuerySet:
    """The head office's staff (superusers aside: Django's admin is theirs), by branch, role and user name;
    narrowed by a name or user name (`q`), a branch of the head office and a role. Each row carries its officer's
    villages (one prefetch query)."""
    require_staff_admin(scope)
    staff = (StaffProfile.objects.filter(head_office_id=scope.head_office_id, user__is_superuser=False)
             .select_related("user", "branch").order_by("branch__code", "role", "user__username"))
    if q.strip():
        term = q.strip()
        staff = staff.filter(Q(user__username__icontains=term) | Q(user__first_name__icontains=term)
                             | Q(user__last_name__icontains=term))
    if branch_id is not None:
        staff = staff.filter(branch_id=branch_id)
    if role:
        staff = staff.filter(role=role)
    villages = Village.objects.only("id", "code", "name", "branch_id").order_by("code")
    return staff.prefetch_related(Prefetch("user__assigned_villages", queryset=villages))


def username_taken(username: str) -> bool:
    """User names are unique across the whole installation (every head office), whatever the case."""
    return get_user_model().objects.filter(username__iexact=username).exists()


def staff_detail(*, scope: Scope, user_id: int) -> StaffProfile:
    """A staff user of the administrator's head office (not a superuser). Raises PermissionDenied for other
    roles, StaffProfile.DoesNotExist outside the head office."""
    return staff_search(scope=scope).get(user_id=user_id)


def head_office_branches(*, scope: Scope) -> QuerySet:
    return Branch.objects.filter(head_office_id=scope.head_office_id).order_by("code")


def head_office_villages(*, scope: Scope, branch_id: int | None = None) -> QuerySet:
    """The head office's villages (one branch's when given), by code."""
    villages = Village.objects.filter(branch__head_office_id=scope.head_office_id).select_related("branch")
    if branch_id is not None:
        villages = villages.filter(branch_id=branch_id)
    return villages.order_by("code")


def staff_imports(*, scope: Scope, limit: int = 20) -> QuerySet:
    require_staff_admin(scope)
    return (StaffImport.objects.filter(head_office_id=scope.head_office_id).select_related("created_by")
            .order_by("-created_at")[:limit])
