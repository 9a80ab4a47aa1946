"""V1's campaign progress at the stage appraisal owns (评议完成): the households whose panel decided (granted or
withheld) in a campaign. One definition for the dashboards' count (supervision.selectors.overview.figures) and the
list behind it (views.stages). Reads only; beside selectors.py, which is at the size limit (STYLE §1)."""

from django.db.models import F, FilteredRelation, Q, QuerySet

from households.models import Relation
from sunshine_credit.scoping import Scope

from .models import Decision

# By village (its id: with the scope's manager filter beside the explicit one, PostgreSQL sorts a county by the
# villages' codes in 300 ms, by their ids along the households' (village, code) index in 25 ms), then household code.
LIST_ORDER = ("household__village_id", "household__code")


def appraised(*, campaign_id: int, village_ids) -> QuerySet:
    """The campaign's decisions made (one per household, A7) for households of `village_ids` (their own village,
    whichever panel decided)."""
    return Decision.objects.filter(campaign_id=campaign_id, household__village_id__in=village_ids).exclude(status="")


def appraised_list(*, scope: Scope, campaign_id: int) -> QuerySet:
    """The list's rows, one query per page: the household with its village and group, the head's name and ID
    number (masked on screen, R5), the decision."""
    head = FilteredRelation("household__members", condition=Q(household__members__relation=Relation.HEAD))
    return (appraised(campaign_id=campaign_id, village_ids=scope.village_ids)
            .select_related("household__village", "household__group")
            .alias(head=head).annotate(head_name=F("head__name"), head_id_number=F("head__id_number"))
            .order_by(*LIST_ORDER))
