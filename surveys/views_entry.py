"""S2: fast keyboard entry of questionnaires. One grid per (campaign, respondent, villagers' group), one row
per household; each row is saved by static/js/survey_grid.js as the cursor leaves it.

Only makers of the village (scope.can_edit_village) reach these pages; everyone else gets 404 (R1/O2).
"""

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from households.models import Household

from . import selectors_entry as selectors
from . import services_entry as services
from .access import respondent_names_visible
from .entry import BUSINESS_CODES, WITHHOLD_REASONS, RowInvalid, parse_row
from .models import Campaign, Respondent


@login_required
def entry_start(request):
    """Choose campaign → village → group → respondent (a GET form that fills in as choices are made)."""
    if not request.scope.can_edit_anything:
        raise Http404
    chosen = {key: request.GET.get(key, "") for key in ("campaign", "village", "group", "respondent")}
    context = {"chosen": chosen, "campaigns": selectors.campaign_list(scope=request.scope),
               "villages": selectors.entry_villages(scope=request.scope), "groups": [], "respondents": []}
    if chosen["campaign"] and chosen["village"]:
        campaign = selectors.campaign_get(scope=request.scope, pk=chosen["campaign"])
        village = selectors.entry_village_get(scope=request.scope, pk=chosen["village"])
        context["groups"] = selectors.village_groups(village=village)
        context["respondents"] = selectors.respondent_choices(scope=request.scope, campaign=campaign, village=village)
        if chosen["group"] and chosen["respondent"]:
            group = selectors.group_get(village=village, pk=chosen["group"])
            respondent = selectors.respondent_get(village=village, pk=chosen["respondent"])
            return redirect("surveys:entry_grid", campaign=campaign.pk, village=village.pk, group=group.pk,
                            respondent=respondent.pk)
    return render(request, "surveys/entry_start.html", context)


@login_required
def entry_grid(request, campaign: int, village: int, group: int, respondent: int):
    village = selectors.entry_village_get(scope=request.scope, pk=village)
    campaign = selectors.campaign_get(scope=request.scope, pk=campaign)
    group = selectors.group_get(village=village, pk=group)
    respondent = selectors.respondent_get(village=village, pk=respondent)
    pool = selectors.respondent_pool(campaign=campaign, village=village)
    following = [r for r in pool if r.code > respondent.code]
    visible = respondent_names_visible(scope=request.scope, campaign=campaign)
    return render(request, "surveys/entry_grid.html", {
        "campaign": campaign, "village": village, "group": group, "respondent": respondent,
        "respondent_label": selectors.respondent_label(respondent, names_visible=visible),
        "next_respondent": following[0] if following else None,
        "rows": selectors.entry_grid(campaign=campaign, group=group, respondent=respondent),
        "business_codes": BUSINESS_CODES, "withhold_reasons": WITHHOLD_REASONS,
    })


@login_required
@require_POST
def entry_row_save(request, campaign: int, village: int, respondent: int):
    """Save one grid row (JSON in, JSON out): 200 with the new version, 400 with the row's errors, 409 stale."""
    village = selectors.entry_village_get(scope=request.scope, pk=village)
    try:
        data = json.loads(request.body or b"{}")
        row = parse_row(data)
        saved = services.questionnaire_save(
            scope=request.scope, actor=request.user, campaign_id=campaign, household_id=int(data["household"]),
            respondent_id=respondent, version=int(data.get("version") or 0),
            representative_id=int(data["representative"]) if data.get("representative") else None, row=row)
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"errors": {"__all__": _("The row could not be read.")}}, status=400)
    except RowInvalid as exc:
        return JsonResponse({"errors": exc.errors}, status=400)
    except services.StaleQuestionnaire as exc:
        return JsonResponse({"errors": {"__all__": str(exc)}}, status=409)
    except (Campaign.DoesNotExist, Household.DoesNotExist, Respondent.DoesNotExist):
        raise Http404 from None
    return JsonResponse({"version": saved.version, "net_assets": _plain(saved.net_assets),
                         "values": {name: _plain(getattr(saved, name)) for name in services.ROW_FIELDS}})


def _plain(value):
    return str(value) if value is not None and not isinstance(value, (bool, list)) else value
