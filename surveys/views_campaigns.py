"""Campaign pages (SPEC §4), respondent pools and draws (S1), printable blank questionnaires (S2, 表一).

Views stay thin: a form, one service or selector, a template. Campaigns belong to the user's head
office; villages, pools and printouts come only through the scope (R1: 404 outside it). Respondents'
names reach a page only when surveys.access.respondent_names_visible says so (S1).
"""

from urllib.parse import urlencode

from households.services import MAKER_ROLES
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sunshine_credit.models import Role

from . import forms_campaigns as forms
from . import selectors_campaigns as selectors
from . import services_campaigns as services
from . import services_printouts as printouts
from .access import respondent_names_visible

# Pages of the other parts of the capability, linked per village when their URL exists.
SUMMARY_URL_NAMES = ("surveys:summary_village",)


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _village_links(request, campaign, village) -> list[tuple[str, str]]:
    links = []
    entry = _url("surveys:entry_start")
    if entry and request.scope.can_edit_village(village.pk):
        links.append((_("Enter questionnaires"), f"{entry}?{urlencode({'campaign': campaign.pk, 'village': village.pk})}"))
    for name in SUMMARY_URL_NAMES:
        summary = _url(name, campaign.pk, village.pk)
        if summary:
            links.append((_("Summary"), summary))
            break
    return links


def _require_admin(request):
    if request.scope.role != Role.ADMIN:
        raise PermissionDenied


@login_required
def campaign_list(request):
    return render(request, "surveys/campaign_list.html", {
        "campaigns": selectors.campaign_list(scope=request.scope), "can_create": request.scope.role == Role.ADMIN,
    })


@login_required
def campaign_detail(request, pk: int):
    campaign = selectors.campaign_get(scope=request.scope, pk=pk)
    villages = list(selectors.campaign_villages(scope=request.scope, campaign=campaign))
    return render(request, "surveys/campaign_detail.html", {
        "campaign": campaign, "team": selectors.campaign_team(campaign=campaign),
        "villages": [(v, _village_links(request, campaign, v)) for v in villages],
        "can_edit": request.scope.role == Role.ADMIN,
        "can_compute": request.scope.role in MAKER_ROLES,
    })


@login_required
def campaign_create(request):
    _require_admin(request)
    form = forms.CampaignForm(request.POST or None, scope=request.scope)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(scope=request.scope, actor=request.user,
                                                fields=form.campaign_fields(), team_ids=form.team_ids())
        except services.CampaignInvalid as exc:
            for field, message in exc.errors:
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("The campaign was saved."))
            return redirect("surveys:campaign_detail", pk=campaign.pk)
    return render(request, "surveys/campaign_form.html", {"form": form})


@login_required
def campaign_edit(request, pk: int):
    campaign = selectors.campaign_get(scope=request.scope, pk=pk)
    _require_admin(request)
    form = forms.CampaignForm(request.POST or None, instance=campaign, scope=request.scope)
    stale = False
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_update(scope=request.scope, actor=request.user, campaign_id=campaign.pk,
                                     version=form.cleaned_data["version"] or 0, fields=form.campaign_fields(),
                                     team_ids=form.team_ids())
        except services.CampaignInvalid as exc:
            for field, message in exc.errors:
                form.add_error(field if field in form.fields else None, message)
        except services.StaleCampaign as exc:
            stale = True  # R3: nothing was written; the user's entries stay on the page
            form.set_version(exc.current.version)
        else:
            messages.success(request, _("The campaign was saved."))
            return redirect("surveys:campaign_detail", pk=campaign.pk)
    return render(request, "surveys/campaign_form.html", {"form": form, "campaign": campaign, "stale": stale})


def _campaign_village(request, pk: int, village_pk: int, *, for_edit: bool = False):
    campaign = selectors.campaign_get(scope=request.scope, pk=pk)
    return campaign, selectors.village_get(scope=request.scope, pk=village_pk, for_edit=for_edit)


@login_required
def respondent_list(request, pk: int, village_pk: int):
    campaign, village = _campaign_village(request, pk, village_pk)
    pool = list(selectors.respondent_pool(campaign=campaign, village=village))
    can_keep = request.scope.role in (Role.ADMIN, Role.OFFICER) and request.scope.can_edit_village(village.pk)
    return render(request, "surveys/respondent_list.html", {
        "campaign": campaign, "village": village, "pool": pool,
        "draws": selectors.respondent_draws(campaign=campaign, village=village),
        "names_visible": respondent_names_visible(scope=request.scope, campaign=campaign),
        "can_keep": can_keep, "draw_form": forms.DrawForm(campaign=campaign) if can_keep else None,
        "print_form": forms.BlankQuestionnaireForm(groups=selectors.village_groups(village=village),
                                                   codes=[r.code for r in pool if r.active]),
    })


@login_required
def respondent_create(request, pk: int, village_pk: int):
    campaign, village = _campaign_village(request, pk, village_pk, for_edit=True)
    return _respondent_form(request, campaign, village, None)


@login_required
def respondent_edit(request, pk: int, village_pk: int, respondent_pk: int):
    campaign, village = _campaign_village(request, pk, village_pk, for_edit=True)
    respondent = selectors.respondent_get(scope=request.scope, village=village, pk=respondent_pk, for_edit=True)
    return _respondent_form(request, campaign, village, respondent)


def _respondent_form(request, campaign, village, respondent):
    editable = services.names_editable(scope=request.scope, campaign=campaign)
    form = forms.RespondentForm(request.POST or None, instance=respondent, names_editable=editable)
    if request.method == "POST" and form.is_valid():
        try:
            if respondent is None:
                services.respondent_create(scope=request.scope, actor=request.user, campaign=campaign,
                                           village_id=village.pk, fields=form.cleaned_data)
            else:
                services.respondent_update(scope=request.scope, actor=request.user, campaign=campaign,
                                           respondent_id=respondent.pk, fields=form.cleaned_data)
        except services.RespondentInvalid as exc:
            for field, message in exc.errors:
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("The respondent was saved."))
            return redirect("surveys:respondent_list", pk=campaign.pk, village_pk=village.pk)
    return render(request, "surveys/respondent_form.html", {
        "form": form, "campaign": campaign, "village": village, "respondent": respondent,
        "names_editable": editable})


@login_required
@require_POST
def respondent_draw(request, pk: int, village_pk: int):
    campaign, village = _campaign_village(request, pk, village_pk, for_edit=True)
    form = forms.DrawForm(request.POST, campaign=campaign)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("size", [])))
    else:
        try:
            result = services.respondent_draw(scope=request.scope, actor=request.user, campaign=campaign,
                                              village_id=village.pk, size=form.cleaned_data["size"])
        except services.DrawRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("%(n)d respondents were drawn.") % {"n": result.draw.size})
    return redirect("surveys:respondent_list", pk=campaign.pk, village_pk=village.pk)


@login_required
@require_POST
def questionnaire_blank_pdf(request, pk: int, village_pk: int):
    """表一 for every household of the village (or a group), one A4 page each, for one respondent code:
    made in the background; the user watches it on the file's page and opens it from there."""
    campaign, village = _campaign_village(request, pk, village_pk)
    pool_codes = [r.code for r in selectors.respondent_pool(campaign=campaign, village=village)]
    form = forms.BlankQuestionnaireForm(request.POST, groups=selectors.village_groups(village=village), codes=pool_codes)
    if not form.is_valid():
        raise Http404
    item = printouts.questionnaire_blank_request(scope=request.scope, actor=request.user, campaign=campaign,
                                                 village=village, group_id=form.cleaned_data["group"],
                                                 respondent_code=form.cleaned_data["respondent"])
    return redirect("generated_file_status", pk=item.pk)
