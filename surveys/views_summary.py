"""S3: the questionnaire summary (问卷调查汇总表) per village and per household. Read-only: every role that
reads the village may see it; outside the scope the answer is 404 (R1/O2). Respondents appear under their
codes; their names only for the survey team and supervisors (S1)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from . import selectors_entry, selectors_summary
from .access import respondent_names_visible


@login_required
def summary_start(request):
    """Choose a campaign and a village (a GET form)."""
    campaign, village = request.GET.get("campaign", ""), request.GET.get("village", "")
    if campaign and village:
        campaign = selectors_entry.campaign_get(scope=request.scope, pk=campaign)
        try:
            village = selectors_summary.summary_village_get(scope=request.scope, pk=int(village))
        except ValueError:
            raise Http404 from None
        return redirect("surveys:summary_village", campaign=campaign.pk, village=village.pk)
    return render(request, "surveys/summary_start.html", {
        "campaigns": selectors_entry.campaign_list(scope=request.scope),
        "villages": selectors_summary.summary_villages(scope=request.scope),
    })


@login_required
def summary_village(request, campaign: int, village: int):
    village = selectors_summary.summary_village_get(scope=request.scope, pk=village)
    campaign = selectors_entry.campaign_get(scope=request.scope, pk=campaign)
    summary = selectors_summary.village_summary(campaign=campaign, village=village)
    return render(request, "surveys/summary_village.html", {"campaign": campaign, "village": village, **summary})


@login_required
def summary_household(request, campaign: int, household: int):
    household = selectors_summary.summary_household_get(scope=request.scope, pk=household)
    campaign = selectors_entry.campaign_get(scope=request.scope, pk=campaign)
    visible = respondent_names_visible(scope=request.scope, campaign=campaign)
    summary = selectors_summary.household_summary(campaign=campaign, household=household, names_visible=visible)
    return render(request, "surveys/summary_household.html", {
        "campaign": campaign, "household": household, "names_visible": visible, **summary})
