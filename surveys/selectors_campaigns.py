"""Reads for campaigns, respondent pools and draws, and blank questionnaires. They start from the scope (R1)."""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from households.models import ArchiveStatus, Household, Member
from sunshine_credit.models import Village, VillageGroup
from sunshine_credit.scoping import Scope, get_in_scope_or_404, village_in_scope_or_404

from .models import Campaign, Questionnaire, Respondent, RespondentDraw


def campaign_list(*, scope: Scope) -> QuerySet:
    """The campaigns of the user's head office, with the size of each survey team (one query)."""
    return (Campaign.objects.filter(head_office_id=scope.head_office_id)
            .annotate(team_size=Count("survey_team", distinct=True)))


def campaign_get(*, scope: Scope, pk: int) -> Campaign:
    """A campaign of the user's head office, else Http404 (O2: another head office's campaign does not exist)."""
    campaign = (Campaign.objects.filter(head_office_id=scope.head_office_id, pk=pk)
                .select_related("created_by").first())
    if campaign is None:
        raise Http404
    return campaign


def campaign_team(*, campaign: Campaign) -> list:
    return list(campaign.survey_team.select_related("staff_profile").order_by("username"))


def _count(queryset: QuerySet, field: str) -> Coalesce:
    counted = queryset.values(field).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def campaign_villages(*, scope: Scope, campaign: Campaign) -> QuerySet:
    """The villages of the user's scope with their households, active respondents and the campaign's
    questionnaires. Counts come from correlated subqueries: one query, no multiplied joins."""
    households = Household.objects.filter(village=OuterRef("pk"))
    questionnaires = Questionnaire.objects.filter(campaign=campaign, household__village=OuterRef("pk"))
    respondents = Respondent.objects.filter(village=OuterRef("pk"), active=True)
    return (Village.objects.filter(id__in=scope.village_ids).select_related("branch")
            .annotate(household_count=_count(households, "village"),
                      questionnaire_count=_count(questionnaires, "campaign"),
                      respondent_count=_count(respondents, "village"))
            .order_by("branch__code", "code"))


def village_get(*, scope: Scope, pk: int, for_edit: bool = False) -> Village:
    return village_in_scope_or_404(scope, pk, for_edit=for_edit)


def respondent_pool(*, campaign: Campaign, village: Village) -> QuerySet:
    """A village's pool, each respondent with their questionnaires in this campaign."""
    return (Respondent.objects.filter(village=village)
            .annotate(questionnaire_count=Count("questionnaires", filter=Q(questionnaires__campaign=campaign)))
            .order_by("code"))


def respondent_get(*, scope: Scope, village: Village, pk: int, for_edit: bool = False) -> Respondent:
    return get_in_scope_or_404(Respondent.objects.filter(village=village), scope, for_edit=for_edit, pk=pk)


def respondent_draws(*, campaign: Campaign, village: Village) -> list[RespondentDraw]:
    """The campaign's draws for the village, newest first, with their respondents (two queries + one)."""
    return list(RespondentDraw.objects.filter(campaign=campaign, village=village).select_related("drawn_by")
                .prefetch_related(Prefetch("respondents", queryset=Respondent.objects.order_by("code"))))


def village_groups(*, village: Village) -> list[VillageGroup]:
    return list(VillageGroup.objects.filter(village=village).order_by("name"))


def blank_questionnaire_households(*, village: Village, group_id: int | None = None) -> list[Household]:
    """The households a blank questionnaire is printed for: every household of the village (or group)
    except those not archived (H5), with their members in household order (three queries)."""
    households = (Household.objects.filter(village=village).exclude(archive_status=ArchiveStatus.EXCLUDED)
                  .select_related("group", "representative")
                  .prefetch_related(Prefetch("members", queryset=Member.objects.order_by("id"))))
    if group_id:
        households = households.filter(group_id=group_id)
    return list(households.order_by("group__name", "code"))
