"""What the surveys app shows on other apps' pages (sunshine_credit.sections, registered in apps.py): the household
page's questionnaires and pre-credit results (issue 15 item 3). Reads only; beside selectors.py, which is at the
size limit (STYLE §1)."""

from django.db.models import Count

from households.models import Household

from .models import Campaign, LimitResult, LimitStatus, Questionnaire, RespondentDraw
from .selectors import result_sentences


def household_campaigns_section(request, household: Household) -> dict | None:
    """The household page (issue 15 item 3): per campaign, latest first, how many questionnaires were entered of
    the respondents drawn for the village, and the pre-credit result explained. Four queries, however many."""
    if request is None or not hasattr(request, "scope"):
        return None
    counts = dict(Questionnaire.objects.filter(household=household).order_by().values("campaign")
                  .annotate(n=Count("pk")).values_list("campaign", "n"))
    results = {r.campaign_id: r for r in LimitResult.objects.filter(household=household)
               .select_related("dropped_high", "dropped_low")}
    if not counts and not results:
        return None
    campaigns = list(Campaign.objects.filter(head_office_id=household.head_office_id, pk__in=set(counts) | set(results))
                     .order_by("-reference_date", "-pk"))
    drawn = dict(RespondentDraw.objects.filter(campaign__in=campaigns, village_id=household.village_id)
                 .order_by("drawn_at", "pk").values_list("campaign_id", "size"))  # the latest draw wins
    rows = []
    for campaign in campaigns:
        result = results.get(campaign.pk)
        rows.append({"campaign": campaign, "entered": counts.get(campaign.pk, 0), "drawn": drawn.get(campaign.pk),
                     "result": result, "status_label": LimitStatus(result.status).label if result else "",
                     "explanation": result_sentences(result, campaign, household) if result else []})
    return {"rows": rows, "household": household}

