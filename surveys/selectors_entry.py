"""Reads for the questionnaire entry screens (S2). Every selector starts from the caller's scope (R1)."""

from django.db.models import F, FilteredRelation, Prefetch, Q
from django.http import Http404
from django_scopes import scopes_disabled

from households.models import ArchiveStatus, Household, Member, Relation
from sunshine_credit.models import Village, VillageGroup
from sunshine_credit.scoping import Scope, village_in_scope_or_404

from .access import respondent_names_visible
from .models import Campaign, Questionnaire, Respondent, RespondentDraw


def campaign_list(*, scope: Scope) -> list[Campaign]:
    return list(Campaign.objects.filter(head_office_id=scope.head_office_id))


def campaign_get(*, scope: Scope, pk) -> Campaign:
    """A campaign of the user's head office, else Http404."""
    try:
        campaign = Campaign.objects.filter(head_office_id=scope.head_office_id, pk=int(pk)).first()
    except (TypeError, ValueError):
        campaign = None
    if campaign is None:
        raise Http404
    return campaign


def entry_villages(*, scope: Scope) -> list[Village]:
    """The villages the user may enter questionnaires for (makers only)."""
    with scopes_disabled():  # the filter on editable_village_ids is the scope
        return list(Village.objects.filter(id__in=scope.editable_village_ids).order_by("code"))


def entry_village_get(*, scope: Scope, pk) -> Village:
    """A village the user may enter data for, else Http404 (read-only roles and other branches alike)."""
    try:
        return village_in_scope_or_404(scope, int(pk), for_edit=True)
    except (TypeError, ValueError):
        raise Http404 from None


def village_groups(*, village: Village) -> list[VillageGroup]:
    return list(VillageGroup.objects.filter(village=village).order_by("name"))


def group_get(*, village: Village, pk) -> VillageGroup:
    try:
        group = VillageGroup.objects.filter(village=village, pk=int(pk)).first()
    except (TypeError, ValueError):
        group = None
    if group is None:
        raise Http404
    return group


def respondent_pool(*, campaign: Campaign, village: Village) -> list[Respondent]:
    """S1: the respondents drawn for this campaign and village; without a draw yet, the village's pool."""
    draw = RespondentDraw.objects.filter(campaign=campaign, village=village).order_by("-drawn_at").first()
    respondents = draw.respondents.all() if draw is not None else Respondent.objects.filter(village=village,
                                                                                          active=True)
    return list(respondents.order_by("code"))


def respondent_get(*, village: Village, pk) -> Respondent:
    try:
        respondent = Respondent.objects.filter(village=village, pk=int(pk)).first()
    except (TypeError, ValueError):
        respondent = None
    if respondent is None:
        raise Http404
    return respondent


def respondent_label(respondent: Respondent, *, names_visible: bool) -> str:
    """S1: the code, with the name only for the survey team and supervisors."""
    if names_visible and respondent.name:
        return f"{respondent.code} {respondent.name}"
    return respondent.code


def respondent_choices(*, scope: Scope, campaign: Campaign, village: Village) -> list[tuple[int, str]]:
    visible = respondent_names_visible(scope=scope, campaign=campaign)
    return [(r.pk, respondent_label(r, names_visible=visible))
            for r in respondent_pool(campaign=campaign, village=village)]


def entry_grid(*, campaign: Campaign, group: VillageGroup, respondent: Respondent) -> list[Household]:
    """The households of a villagers' group, each with its head's name, its members (for the
    representative) and this respondent's questionnaire, if any, as `.questionnaire`. Three queries."""
    households = (Household.objects.filter(village_id=group.village_id, group=group)
                  .exclude(archive_status=ArchiveStatus.EXCLUDED)
                  .select_related("representative")
                  .alias(head=FilteredRelation("members", condition=Q(members__relation=Relation.HEAD)))
                  .annotate(head_name=F("head__name"))
                  .prefetch_related(
                      Prefetch("members", queryset=Member.objects.order_by("id").only("id", "name", "household_id"),
                               to_attr="member_list"),
                      Prefetch("questionnaires", to_attr="mine",
                               queryset=Questionnaire.objects.filter(campaign=campaign, respondent=respondent)))
                  .order_by("code"))
    rows = list(households)
    for household in rows:
        household.questionnaire = household.mine[0] if household.mine else None
    return rows
