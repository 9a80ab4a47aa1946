"""What the surveys app shows on other apps' pages (sunshine_credit.sections, registered in apps.py): the household
page's questionnaires and pre-credit results (issue 15 item 3). Reads only; beside selectors.py, which is at the
size limit (STYLE §1)."""

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from households.models import Household
from sunshine_credit import sections

from .models import Campaign, LimitResult, LimitStatus, Questionnaire, RespondentDraw
from .selectors import result_sentences

# Issue 18: whether the household has questionnaires or results at all (the household page's query answers it).
PRESENT = {"questionnaires": lambda: Exists(Questionnaire.objects.filter(household=OuterRef("pk"))),
           "results": lambda: Exists(LimitResult.objects.filter(household=OuterRef("pk")))}


def household_campaigns_section(request, household: Household) -> dict | None:
    """The household page (issue 15 item 3): per campaign, latest first, how many questionnaires were entered of
    the respondents drawn for the village, and the pre-credit result explained. Two queries however many campaigns
    (the results; the campaigns with their counts and draws), one without results."""
    if request is None or not hasattr(request, "scope"):
        return None
    results = {} if sections.present(household, "household", "campaigns", "results") is False else {
        r.campaign_id: r for r in LimitResult.objects.filter(household=household)
        .select_related("dropped_high", "dropped_low")}
    questionnaires = Questionnaire.objects.filter(household=household, campaign=OuterRef("pk"))
    entered = questionnaires.order_by().values("campaign").annotate(n=Count("pk")).values("n")
    drawn = (RespondentDraw.objects.filter(campaign=OuterRef("pk"), village_id=household.village_id)
             .order_by("-drawn_at", "-pk").values("size")[:1])  # the latest draw wins
    campaigns = list(Campaign.objects.filter(head_office_id=household.head_office_id)
                     .filter(Q(Exists(questionnaires)) | Q(pk__in=list(results)))
                     .annotate(entered=Coalesce(Subquery(entered), 0), drawn=Subquery(drawn))
                     .order_by("-reference_date", "-pk"))
    if not campaigns:
        return None
    rows = []
    for campaign in campaigns:
        result = results.get(campaign.pk)
        rows.append({"campaign": campaign, "entered": campaign.entered, "drawn": campaign.drawn, "result": result,
                     "status_label": LimitStatus(result.status).label if result else "",
                     "explanation": result_sentences(result, campaign, household) if result else []})
    return {"rows": rows, "household": household}
