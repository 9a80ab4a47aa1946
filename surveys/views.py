"""The surveys pages. Views stay thin: a form, one service or selector, a template.

- Campaigns (SPEC §4), respondent pools and draws (S1), printable blank questionnaires (S2, 表一). Campaigns
  belong to the user's head office; villages, pools and printouts come only through the scope (R1: 404
  outside it).
- Entry (S2): fast keyboard entry of questionnaires. One grid per (campaign, respondent, villagers' group), one
  row per household; each row is saved by static/js/survey_grid.js as the cursor leaves it. Only makers of the
  village (scope.can_edit_village) reach these pages; everyone else gets 404 (R1/O2).
- Limits (L7): start the campaign's computation and watch its progress.
- Summary (S3), per village and per household. Read-only: every role that reads the village may see it.
- Import (S2, §11): upload → check job → preview with every row's errors and a count per village → confirm →
  apply job. Codes only on these pages, never a respondent's name.

Respondents' names reach a page only when selectors.respondent_names_visible says so (S1).
"""

import functools
import io
import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from households.models import Household
from sunshine_credit.confirm import confirm_page, is_confirmed
from sunshine_credit.errors import Stale, show_on_form
from sunshine_credit.jsonviews import json_endpoint, json_error
from sunshine_credit.lib.excel import write_xlsx
from sunshine_credit.models import Job, Role
from sunshine_credit.views import import_confirm, import_detail, import_store_upload

from . import forms, selectors
from .imports import COLUMNS
from .models import Campaign, Respondent
from .rules import BUSINESS_CODES, WITHHOLD_REASONS
from .services import campaigns as campaign_services
from .services import entry as entry_services
from .services import imports as import_services
from .services import limits as limit_services
from .services import printouts as printout_services

# --- Campaigns, respondent pools and draws, blank questionnaires ----------------------------------------------

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
    villages = selectors.campaign_villages(scope=request.scope, campaign=campaign)
    todo = request.GET.get("todo") == selectors.ENTRY_TODO  # the home page's task list (issue 15 item 4)
    if todo:
        unfinished = [village for campaign_id, village in selectors.entry_unfinished(scope=request.scope)
                      if campaign_id == campaign.pk]
        villages = villages.filter(pk__in=unfinished)
    villages = list(villages)
    return render(request, "surveys/campaign_detail.html", {
        "campaign": campaign, "team": selectors.campaign_team(campaign=campaign), "todo": todo,
        "villages": [(v, _village_links(request, campaign, v)) for v in villages],
        "can_edit": request.scope.role == Role.ADMIN,
        "can_compute": request.scope.is_maker,
    })


@login_required
def campaign_create(request):
    _require_admin(request)
    form = forms.CampaignForm(request.POST or None, scope=request.scope)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaign_services.campaign_create(scope=request.scope, actor=request.user,
                                                         fields=form.campaign_fields(), team_ids=form.team_ids())
        except campaign_services.CampaignInvalid as exc:
            show_on_form(form, exc)
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
            campaign_services.campaign_update(scope=request.scope, actor=request.user, campaign_id=campaign.pk,
                                              version=form.cleaned_data["version"] or 0,
                                              fields=form.campaign_fields(), team_ids=form.team_ids())
        except campaign_services.CampaignInvalid as exc:
            show_on_form(form, exc)
        except Stale as exc:
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
    can_keep = request.scope.is_maker and request.scope.can_edit_village(village.pk)
    return render(request, "surveys/respondent_list.html", {
        "campaign": campaign, "village": village, "pool": pool,
        "draws": selectors.respondent_draws(campaign=campaign, village=village),
        "names_visible": selectors.respondent_names_visible(scope=request.scope, campaign=campaign),
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
    editable = campaign_services.names_editable(scope=request.scope, campaign=campaign)
    form = forms.RespondentForm(request.POST or None, instance=respondent, names_editable=editable)
    if request.method == "POST" and form.is_valid():
        try:
            if respondent is None:
                campaign_services.respondent_create(scope=request.scope, actor=request.user, campaign=campaign,
                                                    village_id=village.pk, fields=form.cleaned_data)
            else:
                campaign_services.respondent_update(scope=request.scope, actor=request.user, campaign=campaign,
                                                    respondent_id=respondent.pk, fields=form.cleaned_data)
        except campaign_services.RespondentInvalid as exc:
            show_on_form(form, exc)
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
            result = campaign_services.respondent_draw(scope=request.scope, actor=request.user, campaign=campaign,
                                                       village_id=village.pk, size=form.cleaned_data["size"])
        except campaign_services.DrawRefused as exc:
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
    item = printout_services.questionnaire_blank_request(
        scope=request.scope, actor=request.user, campaign=campaign, village=village,
        group_id=form.cleaned_data["group"], respondent_code=form.cleaned_data["respondent"])
    return redirect("generated_file_status", pk=item.pk)


# --- Entry (S2) ----------------------------------------------------------------------------------------------------

@login_required
def entry_start(request):
    """Choose campaign → village → group → respondent (a GET form that fills in as choices are made)."""
    if not request.scope.can_edit_anything:
        raise Http404
    chosen = {key: request.GET.get(key, "") for key in ("campaign", "village", "group", "respondent")}
    context = {"chosen": chosen, "campaigns": selectors.campaign_choices(scope=request.scope),
               "villages": selectors.entry_villages(scope=request.scope), "groups": [], "respondents": []}
    if chosen["campaign"] and chosen["village"]:
        campaign = selectors.campaign_get(scope=request.scope, pk=chosen["campaign"])
        village = selectors.entry_village_get(scope=request.scope, pk=chosen["village"])
        context["groups"] = selectors.village_groups(village=village)
        context["respondents"] = selectors.respondent_choices(scope=request.scope, campaign=campaign, village=village)
        if chosen["group"] and chosen["respondent"]:
            group = selectors.group_get(village=village, pk=chosen["group"])
            respondent = selectors.entry_respondent_get(village=village, pk=chosen["respondent"])
            return redirect("surveys:entry_grid", campaign=campaign.pk, village=village.pk, group=group.pk,
                            respondent=respondent.pk)
    return render(request, "surveys/entry_start.html", context)


@login_required
def entry_grid(request, campaign: int, village: int, group: int, respondent: int):
    village = selectors.entry_village_get(scope=request.scope, pk=village)
    campaign = selectors.campaign_get(scope=request.scope, pk=campaign)
    group = selectors.group_get(village=village, pk=group)
    pool = selectors.entry_respondents(campaign=campaign, village=village)
    respondent = (next((r for r in pool if r.pk == respondent and r.village_id == village.pk), None)
                  or selectors.entry_respondent_get(village=village, pk=respondent))  # one not drawn: still the village's
    following = [r for r in pool if r.code > respondent.code]
    visible = selectors.respondent_names_visible(scope=request.scope, campaign=campaign)
    return render(request, "surveys/entry_grid.html", {
        "campaign": campaign, "village": village, "group": group, "respondent": respondent,
        "respondent_label": selectors.respondent_label(respondent, names_visible=visible),
        "next_respondent": following[0] if following else None,
        "rows": selectors.entry_grid(campaign=campaign, group=group, respondent=respondent),
        "business_codes": BUSINESS_CODES, "withhold_reasons": WITHHOLD_REASONS,
    })


@json_endpoint
@require_POST
def entry_row_save(request, campaign: int, village: int, respondent: int):
    """Save one grid row (JSON in, JSON out): 200 with the new version; a refusal answers with its status and
    code (sunshine_credit.jsonviews: 400 invalid with the row's errors by field, 409 stale, 403, 404, 401)."""
    if not request.scope.can_edit_village(village):  # as entry_village_get, from the scope's ids: no query
        raise Http404
    try:
        data = json.loads(request.body or b"{}")
        row = forms.parse_row(data)
        saved = entry_services.questionnaire_save(
            scope=request.scope, actor=request.user, campaign_id=campaign, household_id=int(data["household"]),
            respondent_id=respondent, version=int(data.get("version") or 0),
            representative_id=int(data["representative"]) if data.get("representative") else None, row=row)
    except (ValueError, KeyError, TypeError):
        return json_error("invalid", _("The row could not be read."), status=400)
    except (Campaign.DoesNotExist, Household.DoesNotExist, Respondent.DoesNotExist):
        raise Http404 from None
    return JsonResponse({"version": saved.version, "net_assets": _plain(saved.net_assets),
                         "values": {name: _plain(getattr(saved, name)) for name in entry_services.ROW_FIELDS}})


def _plain(value):
    return str(value) if value is not None and not isinstance(value, (bool, list)) else value


# --- Limits (L7) ---------------------------------------------------------------------------------------------------

@login_required
@require_POST
def limits_compute_start(request, pk: int):
    """Compute every household of the campaign the user can see, as a background job."""
    campaign = selectors.campaign_get(scope=request.scope, pk=pk)
    if not request.scope.is_maker:
        raise Http404
    if not is_confirmed(request):  # issue 15 item 5: recomputing overwrites results, ask first
        preview = selectors.limits_compute_preview(scope=request.scope, campaign=campaign)
        lines = [_("The system will compute the pre-credit limits of %(households)d households in %(villages)d "
                   "villages; their earlier results are replaced.") % preview]
        lines += [_("%(name)s is skipped: %(reason)s") % row for row in preview["skipped"]]
        return confirm_page(request, title=_("Compute the whole campaign: %(name)s") % {"name": campaign.name},
                            lines=lines, action=request.path,
                            cancel=reverse("surveys:campaign_detail", args=[campaign.pk]),
                            label=_("Compute pre-credit limits"))
    job = limit_services.limits_compute(scope=request.scope, actor=request.user, campaign=campaign)
    return redirect("surveys:limits_job", pk=campaign.pk, job=job.pk)


@login_required
def limits_job(request, pk: int, job: int):
    """The job's progress; only the user who started it sees it (jobs carry no village of their own)."""
    campaign = selectors.campaign_get(scope=request.scope, pk=pk)
    item = selectors.limits_job_get(user=request.user, campaign=campaign, pk=job)
    waiting = item.status in (Job.Status.PENDING, Job.Status.RUNNING)
    skipped = selectors.limits_job_skipped(scope=request.scope, campaign=campaign, job=item)
    return render(request, "surveys/limits_job.html", {"campaign": campaign, "job": item, "waiting": waiting,
                                                       "skipped": skipped})


# --- Summary (S3) --------------------------------------------------------------------------------------------------

@login_required
def summary_start(request):
    """Choose a campaign and a village (a GET form)."""
    campaign, village = request.GET.get("campaign", ""), request.GET.get("village", "")
    if campaign and village:
        campaign = selectors.campaign_get(scope=request.scope, pk=campaign)
        try:
            village = selectors.summary_village_get(scope=request.scope, pk=int(village))
        except ValueError:
            raise Http404 from None
        return redirect("surveys:summary_village", campaign=campaign.pk, village=village.pk)
    return render(request, "surveys/summary_start.html", {
        "campaigns": selectors.campaign_choices(scope=request.scope),
        "villages": selectors.summary_villages(scope=request.scope),
    })


@login_required
def summary_village(request, campaign: int, village: int):
    village = selectors.summary_village_get(scope=request.scope, pk=village)
    campaign = selectors.campaign_get(scope=request.scope, pk=campaign)
    summary = selectors.village_summary(campaign=campaign, village=village)
    return render(request, "surveys/summary_village.html", {"campaign": campaign, "village": village, **summary})


@login_required
def summary_household(request, campaign: int, household: int):
    household = selectors.summary_household_get(scope=request.scope, pk=household)
    campaign = selectors.campaign_get(scope=request.scope, pk=campaign)
    visible = selectors.respondent_names_visible(scope=request.scope, campaign=campaign)
    summary = selectors.household_summary(campaign=campaign, household=household, names_visible=visible)
    return render(request, "surveys/summary_household.html", {
        "campaign": campaign, "household": household, "names_visible": visible, **summary})


# --- Import (S2, §11) ----------------------------------------------------------------------------------------------

@login_required
def survey_import_list(request):
    form = forms.SurveyUploadForm(request.POST or None, request.FILES or None, scope=request.scope)
    if request.method == "POST" and form.is_valid():
        upload = functools.partial(import_services.survey_import_upload, scope=request.scope, actor=request.user,
                                   campaign=form.cleaned_data["campaign"])
        item = import_store_upload(form, upload)
        if item is not None:
            return redirect("surveys:survey_import_detail", pk=item.pk)
    imports = selectors.survey_import_list(scope=request.scope)
    return render(request, "surveys/survey_import_list.html", {"form": form, "imports": imports})


@login_required
def survey_import_detail(request, pk: int):
    return import_detail(request, selectors.survey_import_get(scope=request.scope, pk=pk),
                         "surveys/survey_import_detail.html")


@login_required
@require_POST
def survey_import_confirm(request, pk: int):
    return import_confirm(request, selectors.survey_import_get(scope=request.scope, pk=pk),
                          confirm=import_services.survey_import_confirm,
                          message=_("The questionnaires are being imported."), detail="surveys:survey_import_detail")


@login_required
def survey_template(request):
    """The empty §11 survey template, with one example row."""
    out = io.BytesIO()
    example = ["BR01V01-00001", "BR01V01-R01", "1,7", "否", 350000, 100000, 80000, "11010519491231002X", 80000, ""]
    write_xlsx(out, "surveys", list(COLUMNS.values()), [example], text_columns=frozenset({0, 1, 2, 7, 9}))
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="survey-template.xlsx"'
    return response
