"""Shared by the household services: who may enter data."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from sunshine_credit.models import Role
from sunshine_credit.scoping import Scope

MAKER_ROLES = (Role.ADMIN, Role.OFFICER)


def _require_maker(scope: Scope) -> None:
    if scope.role not in MAKER_ROLES:
        raise PermissionDenied(_("Only loan officers and administrators enter data."))
