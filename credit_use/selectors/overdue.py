"""U9: reads of the revocation cases (the overdue sweep's record) for their pages. Every selector starts from the
caller's scope (R1)."""

from households.models import Member, Relation
from sunshine_credit.scoping import Scope, get_in_scope_or_404

from ..models import RevocationCase


def revocation_list(*, scope: Scope):
    """The scope's revocation cases, newest first."""
    return (RevocationCase.objects.filter(head_office_id=scope.head_office_id, village_id__in=scope.village_ids)
            .select_related("village", "drawdown__household", "notice").order_by("-found_on", "-pk"))


def revocation_get(*, scope: Scope, pk: int) -> RevocationCase:
    """One case of the scope; Http404 otherwise (O2)."""
    cases = RevocationCase.objects.filter(head_office_id=scope.head_office_id).select_related(
        "village__branch", "drawdown__household", "notice")
    return get_in_scope_or_404(cases, scope, pk=pk)


def revocation_lines(case: RevocationCase) -> list[dict]:
    """The lines the case revoked (those of the scope's villages), with the household head's name."""
    lines = list(case.lines.select_related("household", "village").order_by("village__code", "household__code"))
    names = dict(Member.objects.filter(household_id__in=[line.household_id for line in lines],
                                       relation=Relation.HEAD).values_list("household_id", "name"))
    return [{"line": line, "head_name": names.get(line.household_id, "")} for line in lines]
