"""R1/O2: the one chokepoint through which every view, export, command and job sees tenant data.

Three layers, so that forgetting one is not enough to leak data:
1. ScopeMiddleware builds `request.scope` from the staff profile and runs the view inside
   `django_scopes.scope(village=[...])`; tenant managers raise ScopeError outside a scope.
2. Tenant models use `ScopedManager(village=...)`.
3. Views fetch single objects only through `get_in_scope_or_404` or a selector that starts
   from the scope; missing and forbidden objects both answer 404.
"""

from contextlib import contextmanager
from dataclasses import dataclass, replace

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django_scopes import scope as django_scope
from django_scopes import scopes_disabled

from .models import Branch, Role, StaffProfile, Village

# Roles that read everything of their head office.
HEAD_OFFICE_READERS = {Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR}
# Roles that read their whole branch.
BRANCH_READERS = {Role.PRESIDENT, Role.TELLER}
# Makers (O3): the roles that enter and change data — loan officers in their villages (包片) and administrators.
# Checkers (presidents, head office) approve what makers did; tellers, supervisors and auditors enter no data.
MAKER_ROLES = frozenset({Role.ADMIN, Role.OFFICER})
# The only pages a user with the `reviewer` role reaches (their seats on panels, logging in and out, changing
# their own password — the one-time password the officer handed over should not stay in use — and the public
# objection form every villager may use).
REVIEWER_PATHS = ("/appraisal/my/", "/login/", "/logout/", "/password/", "/i18n/", "/public/")


@dataclass(frozen=True)
class Scope:
    head_office_id: int
    role: str
    branch_ids: tuple[int, ...]
    village_ids: tuple[int, ...]           # villages the user may read
    editable_village_ids: tuple[int, ...]  # villages the user may enter data for (makers)
    user_id: int | None = None

    def can_read_village(self, village_id: int) -> bool:
        return village_id in self.village_ids

    def can_edit_village(self, village_id: int) -> bool:
        return village_id in self.editable_village_ids

    @property
    def can_edit_anything(self) -> bool:
        return bool(self.editable_village_ids)

    @property
    def is_maker(self) -> bool:
        return self.role in MAKER_ROLES

    def require_maker(self, message: str = "", *, village_id: int | None = None) -> None:
        """O3: only makers enter data (and, given `village_id`, only for a village they may edit). Raises
        PermissionDenied with `message` (a default names who may)."""
        if not self.is_maker or (village_id is not None and not self.can_edit_village(village_id)):
            raise PermissionDenied(message or _("Only loan officers and administrators enter data."))


def narrowed(scope: Scope, village_id: int) -> Scope:
    """The same user's scope cut down to one village they may read (work on one village at a time:
    smaller scope filters in every query)."""
    if village_id not in scope.village_ids:
        raise Http404
    editable = (village_id,) if village_id in scope.editable_village_ids else ()
    return replace(scope, village_ids=(village_id,), editable_village_ids=editable)


EMPTY_SCOPE = Scope(head_office_id=0, role="", branch_ids=(), village_ids=(), editable_village_ids=())


def scope_for_profile(profile: StaffProfile) -> Scope:
    with scopes_disabled():
        villages = Village.objects.filter(branch__head_office_id=profile.head_office_id)
        if profile.role in HEAD_OFFICE_READERS:
            branch_ids = tuple(profile.head_office.branches.values_list("id", flat=True))
        elif profile.role in BRANCH_READERS | {Role.OFFICER}:
            branch_ids = (profile.branch_id,)
            villages = villages.filter(branch_id=profile.branch_id)
            if profile.role == Role.OFFICER:
                # 包片: an officer reads and enters data for the villages assigned to them.
                villages = villages.filter(officers=profile.user_id)
        else:
            branch_ids, villages = (), villages.none()
        village_ids = tuple(villages.values_list("id", flat=True))
    editable = village_ids if profile.role in MAKER_ROLES else ()
    return Scope(head_office_id=profile.head_office_id, role=profile.role, branch_ids=branch_ids,
                 village_ids=village_ids, editable_village_ids=editable, user_id=profile.user_id)


def head_office_scope(head_office_id: int) -> Scope:
    """Every branch and village of a head office, read-only: what figures kept for all readers are computed over
    (V1's village figures, U7's breach counts). Nothing read with it is shown as it is — each reader's page keeps
    only the villages of their own scope (R1)."""
    with scopes_disabled():
        branch_ids = tuple(Branch.objects.filter(head_office_id=head_office_id).order_by("pk")
                           .values_list("pk", flat=True))
        village_ids = tuple(Village.objects.filter(branch__head_office_id=head_office_id).order_by("pk")
                            .values_list("pk", flat=True))
    return Scope(head_office_id=head_office_id, role=Role.SUPERVISOR, branch_ids=branch_ids,
                 village_ids=village_ids, editable_village_ids=())


def scope_for_user(user) -> Scope:
    profile = getattr(user, "staff_profile", None) if user is not None and user.is_authenticated else None
    if profile is None:
        return EMPTY_SCOPE
    return scope_for_profile(profile)


@contextmanager
def activate(scope: Scope):
    """Run tenant queries inside `scope` (for commands and jobs that re-enter a user's scope)."""
    with django_scope(village=list(scope.village_ids)):
        yield scope


class ScopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.is_superuser and request.path.startswith("/admin/"):
            request.scope = scope_for_user(user)
            with scopes_disabled():
                return self.get_response(request)
        request.scope = scope_for_user(user)
        if request.scope.role == Role.REVIEWER and not request.path.startswith(REVIEWER_PATHS):
            # A1/A3: an external reviewer reaches their own panels and nothing else of the bank's pages.
            if request.path == "/":
                return redirect("appraisal:my_panels")
            raise Http404
        with activate(request.scope):
            return self.get_response(request)


def get_in_scope_or_404(queryset, scope: Scope, *, village_field: str = "village_id", for_edit: bool = False,
                        **lookup):
    """The only way a view fetches one tenant object. Missing and forbidden look the same (O2)."""
    allowed = scope.editable_village_ids if for_edit else scope.village_ids
    obj = queryset.filter(**{f"{village_field}__in": allowed}, **lookup).first()
    if obj is None:
        raise Http404
    return obj


def village_in_scope_or_404(scope: Scope, village_id, *, for_edit: bool = False) -> Village:
    with scopes_disabled():
        return get_in_scope_or_404(Village.objects.select_related("branch"), scope, village_field="id",
                                   for_edit=for_edit, id=village_id)


# --- V1: a list narrowed to one branch, village or officer (the dashboards' figures link to their lists) --------

AREA_KEYS = ("branch", "village", "officer")


@dataclass(frozen=True)
class Area:
    """The request's scope narrowed to the branch, village or loan officer (their 包片 villages) that the list's
    `?branch=` / `?village=` / `?officer=` names; without one, the whole scope. Narrowing only takes away, so every
    check a list makes against the scope still holds."""

    scope: Scope
    key: str = ""          # "branch" | "village" | "officer" | ""
    pk: int | None = None
    label: str = ""

    @property
    def query(self) -> str:
        """The filter as a GET parameter, for the list's page links."""
        return f"{self.key}={self.pk}" if self.key else ""


def area_of(request, *, keys: tuple[str, ...] = AREA_KEYS) -> Area:
    """The area the request's GET names (the first of `keys` given). An id that is not a number, not in the user's
    scope, or (for an officer) another officer answers 404 like any object outside the scope (R1)."""
    scope = request.scope
    key = next((key for key in keys if request.GET.get(key, "").strip()), "")
    if not key:
        return Area(scope=scope)
    try:
        pk = int(request.GET[key])
    except ValueError:
        raise Http404 from None
    if not 0 < pk < 2**31 or (key == "branch" and pk not in scope.branch_ids) or (
            key == "village" and pk not in scope.village_ids):
        raise Http404  # (a number no id can be never reaches the database)
    with scopes_disabled():
        if key == "branch":
            branch = Branch.objects.filter(pk=pk, pk__in=scope.branch_ids).first()
            if branch is None:
                raise Http404
            villages, branch_ids, label = set(branch.villages.values_list("id", flat=True)), (pk,), branch.name
        elif key == "village":
            village = Village.objects.filter(pk=pk, pk__in=scope.village_ids).first()
            if village is None:
                raise Http404
            villages, branch_ids, label = {pk}, (village.branch_id,), village.name
        else:
            profile = (StaffProfile.objects.filter(user_id=pk, role=Role.OFFICER, head_office_id=scope.head_office_id,
                                                   branch_id__in=scope.branch_ids).select_related("user").first())
            if profile is None or (scope.role == Role.OFFICER and pk != scope.user_id):
                raise Http404
            villages = set(Village.objects.filter(officers=pk).values_list("id", flat=True))
            branch_ids, label = (profile.branch_id,), profile.user.get_full_name() or profile.user.get_username()
    narrowed_scope = replace(scope, branch_ids=branch_ids,
                             village_ids=tuple(v for v in scope.village_ids if v in villages),
                             editable_village_ids=tuple(v for v in scope.editable_village_ids if v in villages))
    return Area(scope=narrowed_scope, key=key, pk=pk, label=label)
