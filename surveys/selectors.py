"""Reads of the surveys app. Every selector starts from the caller's scope (R1); what it cannot see is missing
(Http404, O2).

Campaigns, respondent pools and draws, blank questionnaires (S1, SPEC §4); the entry grid (S2); the import
pages (S2, §11); the summary (S3), with the pre-credit result explained in sentences a loan officer can read
out to a villager; the limits job (L7). Respondents' names reach a page only when `respondent_names_visible`
says so (S1).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, FilteredRelation, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.expressions import Exists
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_scopes import scopes_disabled

from households.models import Household, Member, Relation
from households.rules import INELIGIBILITY_CODES, ineligibility_text
from households.selectors import households_eligible
from sunshine_credit.lib.money import yuan  # the sentences read amounts aloud: "83,250", never "83,250.00"
from sunshine_credit.models import Job, Role, Village, VillageGroup
from sunshine_credit.scoping import Scope, get_in_scope_or_404, village_in_scope_or_404

from .frozen import frozen_villages
from .models import Campaign, LimitResult, LimitStatus, Method, Questionnaire, Respondent, RespondentDraw, SurveyImport
from .rules import BUSINESS_CODES, WITHHOLD_REASONS
from .tasks import compute_limits as compute_limits_task

NOT_COMPUTED = "not_computed"


def respondent_names_visible(*, scope: Scope, campaign) -> bool:
    """S1: who may see respondents' identities: the campaign's survey team and head-office supervisors; nobody
    else, administrators included. Everyone else sees codes only (pages, exports, PDFs)."""
    if scope.role == Role.SUPERVISOR:
        return True
    if scope.user_id is None:
        return False
    return campaign.survey_team.filter(pk=scope.user_id).exists()


# --- Campaigns, respondent pools and draws, blank questionnaires (S1, SPEC §4) ----------------------------

def campaign_list(*, scope: Scope) -> QuerySet:
    """The campaigns of the user's head office, with the size of each survey team (one query)."""
    return (Campaign.objects.filter(head_office_id=scope.head_office_id)
            .annotate(team_size=Count("survey_team", distinct=True)))


def campaign_get(*, scope: Scope, pk) -> Campaign:
    """A campaign of the user's head office, else Http404 (O2: another head office's campaign does not exist).
    `pk` may come from a query string: what is not a number is missing too."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
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
                      # issue 15: only archived households with nobody on the blacklist are surveyed
                      eligible_count=_count(survey_households(households), "village"),
                      questionnaire_count=_count(questionnaires, "campaign"),
                      respondent_count=_count(respondents, "village"))
            .order_by("branch__code", "code"))


# Issue 15 item 4: the villages whose questionnaires still wait to be entered — the list behind the home page's
# count (`campaign_detail ?todo=entry`) and the count itself (supervision.selectors.tasks), one definition.
ENTRY_TODO = "entry"


def entry_unfinished(*, scope: Scope) -> QuerySet:
    """(campaign_id, village_id) pairs, of the villages the user enters data for, where respondents were drawn for
    the campaign (S1) and fewer questionnaires are entered than its eligible households × the campaign's minimum
    of respondents (L1): rows of the entry grid still to fill. One query."""
    eligible = households_eligible(Household.objects.filter(village=OuterRef("village_id")))
    entered = Questionnaire.objects.filter(campaign=OuterRef("campaign_id"), household__village=OuterRef("village_id"))
    return (RespondentDraw.objects.filter(village_id__in=scope.editable_village_ids,
                                          campaign__head_office_id=scope.head_office_id)
            .annotate(eligible=_count(eligible, "village"), entered=_count(entered, "campaign"))
            .filter(entered__lt=F("eligible") * F("campaign__min_respondents"))
            .values_list("campaign_id", "village_id").order_by().distinct())


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


def survey_households(households: QuerySet) -> QuerySet:
    """Issue 15: who enters survey entry (the grid, the blank questionnaires, the import, a saved row): only
    archived households with nobody on the blacklist (households.selectors.households_eligible)."""
    return households_eligible(households)


def village_groups(*, village: Village) -> list[VillageGroup]:
    return list(VillageGroup.objects.filter(village=village).order_by("name"))


def blank_questionnaire_households(*, village: Village, group_id: int | None = None) -> list[Household]:
    """The households a blank questionnaire is printed for: every household of the village (or group)
    that may be surveyed (`survey_households`), with their members in household order (three queries)."""
    households = (survey_households(Household.objects.filter(village=village))
                  .select_related("group", "representative")
                  .prefetch_related(Prefetch("members", queryset=Member.objects.order_by("id"))))
    if group_id:
        households = households.filter(group_id=group_id)
    return list(households.order_by("group__name", "code"))

# --- The entry grid (S2) ----------------------------------------------------------------------------------

def campaign_choices(*, scope: Scope) -> list[Campaign]:
    """The campaigns of the user's head office, for the entry and summary pages' choosers."""
    return list(Campaign.objects.filter(head_office_id=scope.head_office_id))


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


def group_get(*, village: Village, pk) -> VillageGroup:
    try:
        group = VillageGroup.objects.filter(village=village, pk=int(pk)).first()
    except (TypeError, ValueError):
        group = None
    if group is None:
        raise Http404
    return group


def entry_respondents(*, campaign: Campaign, village: Village) -> list[Respondent]:
    """S1: the respondents drawn for this campaign and village (its latest draw); without a draw yet, the village's
    pool. One query (the grid reads it on every page)."""
    latest = RespondentDraw.objects.filter(campaign=campaign, village=village).order_by("-drawn_at").values("pk")[:1]
    drawn = RespondentDraw.respondents.through.objects.filter(respondentdraw_id__in=latest).values("respondent_id")
    return list(Respondent.objects.filter(Q(pk__in=drawn) | Q(village=village, active=True) & ~Exists(latest))
                .order_by("code"))


def entry_respondent_get(*, village: Village, pk) -> Respondent:
    """A respondent of the village (the caller fetched the village in the editable scope), else Http404."""
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
            for r in entry_respondents(campaign=campaign, village=village)]


def entry_grid(*, campaign: Campaign, group: VillageGroup, respondent: Respondent) -> list[dict]:
    """The households of a villagers' group, each with its head's name, its members (for the representative) and
    this respondent's questionnaire, if any. Three queries, read as values (no model instances). Each row is a dict
    of its cells as the page prints them, formatted here once (issue 18: a template filter or tag per cell was most
    of the page's time), with `members` (id, name) in the select's order and the `representative_id` it shows chosen
    (the questionnaire's, else the household's)."""
    households = list(survey_households(Household.objects.filter(village_id=group.village_id, group=group))
                      .alias(head=FilteredRelation("members", condition=Q(members__relation=Relation.HEAD)))
                      .order_by("code").values_list("pk", "code", "representative_id", "head__name"))
    members: dict[int, list] = {row[0]: [] for row in households}
    for household_id, pk, name in (Member.objects.filter(household_id__in=members).order_by("id")
                                   .values_list("household_id", "id", "name")):
        members[household_id].append((pk, name))
    mine = {q["household_id"]: q for q in Questionnaire.objects.filter(campaign=campaign, respondent=respondent,
                                                                       household_id__in=members).values(*GRID_FIELDS)}
    words = {True: _("Yes"), False: _("No")}
    return [{"pk": pk, "code": code, "head_name": head or "—", "members": members[pk], **_entry_cells(mine.get(pk), words),
             "representative_id": mine[pk]["representative_id"] if pk in mine else representative_id}
            for pk, code, representative_id, head in households]


GRID_FIELDS = ("household_id", "version", "representative_id", "business_codes", "members_away", "withhold_reasons",
               "total_assets", "total_liabilities", "net_income", "amount")


def _entry_cells(q: dict | None, words: dict) -> dict[str, str]:
    """A row's inputs as typed: amounts grouped with the fen only when there are any ("83,250", "83,250.50", blank
    when not given; net assets derived as Questionnaire.net_assets), codes space-separated, members away in words."""
    q = q or {"version": 0, "business_codes": (), "withhold_reasons": (), "members_away": False, "saved": ""}
    if q.get("total_assets") is not None and q.get("total_liabilities") is not None:
        q["net_assets"] = q["total_assets"] - q["total_liabilities"]
    return {name: yuan(q[name]) if q.get(name) is not None else "" for name in GRID_FIELDS[6:] + ("net_assets",)} | {
        "version": str(q["version"]), "business_codes": " ".join(map(str, q["business_codes"])), "saved": q.get("saved", "1"),
        "withhold_reasons": " ".join(map(str, q["withhold_reasons"])), "members_away": words[bool(q["members_away"])]}

# --- The import pages (S2, §11) ------------------------------------------------------------------------------

def campaign_for_import(*, scope: Scope, pk=None, code=None) -> Campaign | None:
    """A campaign of the user's head office (campaigns are head-office wide), or None."""
    campaigns = Campaign.objects.filter(head_office_id=scope.head_office_id)
    if pk is not None:
        return campaigns.filter(pk=pk).first()
    return campaigns.filter(code=code).first()


def survey_import_list(*, scope: Scope) -> list[SurveyImport]:
    """Imports the user may see: their own, and those whose villages all lie in their scope."""
    imports = (SurveyImport.objects.filter(head_office_id=scope.head_office_id)
               .select_related("created_by", "campaign"))
    return [i for i in imports[:200] if _import_visible(i, scope)]


def survey_import_get(*, scope: Scope, pk: int) -> SurveyImport | None:
    item = (SurveyImport.objects.filter(head_office_id=scope.head_office_id, pk=pk)
            .select_related("created_by", "campaign", "job").first())
    return item if item is not None and _import_visible(item, scope) else None


def _import_visible(item: SurveyImport, scope: Scope) -> bool:
    if item.created_by_id is not None and item.created_by_id == scope.user_id:
        return True
    if not item.village_ids:
        return False
    return set(item.branch_ids) <= set(scope.branch_ids) and set(item.village_ids) <= set(scope.village_ids)


# --- The limits job (L7) ---------------------------------------------------------------------------------------

def limits_job_get(*, user, campaign: Campaign, pk: int) -> Job:
    """A compute job of the campaign, else Http404: only the user who started it sees it (jobs carry no village
    of their own)."""
    job = Job.objects.filter(pk=pk, created_by=user, task_name=compute_limits_task.name,
                             kwargs__campaign_id=campaign.pk).first()
    if job is None:
        raise Http404
    return job


def limits_skipped(*, campaign: Campaign, village_ids: list[int]) -> list[dict]:
    """The villages of `village_ids` a computation leaves alone, by code, with why: their results are frozen
    (surveys.frozen: a published board, lines in effect). [{"village_id", "code", "name", "reason"}]"""
    frozen = frozen_villages(campaign=campaign, village_ids=village_ids)
    if not frozen:
        return []
    with scopes_disabled():  # the ids are the caller's scope's own villages
        villages = Village.objects.filter(pk__in=list(frozen)).order_by("code").values_list("pk", "code", "name")
        return [{"village_id": pk, "code": code, "name": name, "reason": frozen[pk]} for pk, code, name in villages]


def limits_compute_preview(*, scope: Scope, campaign: Campaign) -> dict:
    """What computing the whole campaign will touch (issue 15 item 5, the confirmation page): the scope's
    villages that will be computed and their households, and the frozen villages it leaves alone."""
    with scopes_disabled():  # the filter on village_ids is the scope
        ids = list(Village.objects.filter(id__in=scope.village_ids, branch__head_office_id=campaign.head_office_id)
                   .values_list("pk", flat=True))
    skipped = limits_skipped(campaign=campaign, village_ids=ids)
    computed = sorted(set(ids) - {row["village_id"] for row in skipped})
    with scopes_disabled():
        households = Household.objects.filter(village_id__in=computed).count()
    return {"villages": len(computed), "households": households, "skipped": skipped}


def limits_job_skipped(*, scope: Scope, campaign: Campaign, job: Job) -> list[dict]:
    """The villages the compute job left alone (frozen results), within the scope and the job's village or branch."""
    with scopes_disabled():
        villages = Village.objects.filter(id__in=scope.village_ids, branch__head_office_id=campaign.head_office_id)
        if job.kwargs.get("village_id"):
            villages = villages.filter(pk=job.kwargs["village_id"])
        if job.kwargs.get("branch_id"):
            villages = villages.filter(branch_id=job.kwargs["branch_id"])
        ids = list(villages.values_list("pk", flat=True))
    return limits_skipped(campaign=campaign, village_ids=ids)


# --- The summary (S3) -------------------------------------------------------------------------------------------

def summary_villages(*, scope: Scope) -> list[Village]:
    with scopes_disabled():  # the filter on village_ids is the scope
        return list(Village.objects.filter(id__in=scope.village_ids).order_by("code"))


def summary_village_get(*, scope: Scope, pk: int) -> Village:
    return village_in_scope_or_404(scope, pk)


def summary_household_get(*, scope: Scope, pk: int) -> Household:
    return get_in_scope_or_404(Household.objects.select_related("village__branch", "group", "representative"),
                               scope, pk=pk)


# --- Village -----------------------------------------------------------------------------------------

def village_summary(*, campaign: Campaign, village: Village) -> dict:
    """Every household of the village with its result in the campaign and its questionnaire count.

    One query for the rows (the result and the head through filtered joins, the count through a
    subquery), whatever the number of households; the status counts are summed from the rows.
    """
    counts = (Questionnaire.objects.filter(campaign=campaign, household=OuterRef("pk")).order_by()
              .values("household").annotate(n=Count("pk")).values("n"))
    rows = list(Household.objects.filter(village=village)
                .select_related("group")
                .alias(result=FilteredRelation("limit_results", condition=Q(limit_results__campaign=campaign)),
                       head=FilteredRelation("members", condition=Q(members__relation=Relation.HEAD)))
                .annotate(head_name=F("head__name"), status=F("result__status"), amount=F("result__amount"),
                          valid_count=F("result__valid_count"), warnings=F("result__warnings"),
                          flags=F("result__flags"), computed_at=F("result__computed_at"),
                          questionnaire_count=Coalesce(Subquery(counts, output_field=IntegerField()), Value(0)))
                .order_by("group__name", "code"))
    status_counts = {value: 0 for value in LimitStatus.values} | {NOT_COMPUTED: 0}
    for row in rows:
        status_counts[row.status or NOT_COMPUTED] += 1
        row.status_label = LimitStatus(row.status).label if row.status else _("Not computed yet")
        row.notes = [_flag_label(code) for code in (row.warnings or []) + (row.flags or [])]
    labels = dict(LimitStatus.choices) | {NOT_COMPUTED: _("Not computed yet")}
    return {
        "rows": rows,
        "status_counts": [(code, labels[code], n) for code, n in status_counts.items()],
        "computed": any(row.status for row in rows),
        "questionnaire_total": sum(row.questionnaire_count for row in rows),
    }


def _flag_label(code: str) -> str:
    return {"over_income": _("Above the income band"),
            "needs_escalation": _("Needs approval by the level above")}.get(code, code)


# --- Household ---------------------------------------------------------------------------------------

@dataclass
class Answer:
    """One questionnaire as the summary shows it."""

    questionnaire: Questionnaire
    code: str
    name: str               # "" unless the viewer may see respondents' names (S1)
    business: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    dropped: str = ""       # "high", "low" or ""


def household_summary(*, campaign: Campaign, household: Household, names_visible: bool) -> dict:
    """The household's questionnaires in the campaign, its result (or None) and the explanation."""
    questionnaires = list(Questionnaire.objects.filter(campaign=campaign, household=household)
                          .select_related("respondent", "representative", "surveyor")
                          .order_by("respondent__code"))
    result = (LimitResult.objects.filter(campaign=campaign, household=household)
              .select_related("dropped_high", "dropped_low").first())
    answers = []
    for q in questionnaires:
        answer = Answer(questionnaire=q, code=q.respondent.code, name=q.respondent.name if names_visible else "",
                        business=[f"{c} {BUSINESS_CODES.get(c, '')}" for c in q.business_codes],
                        reasons=[f"{c} {WITHHOLD_REASONS.get(c, '')}" for c in q.withhold_reasons])
        if result is not None and q.respondent_id == result.dropped_high_id:
            answer.dropped = "high"
        elif result is not None and q.respondent_id == result.dropped_low_id:
            answer.dropped = "low"
        answers.append(answer)
    explanation, stale = [], False
    if result is not None:
        explanation = result_sentences(result, campaign, household,
                                       amounts={q.respondent_id: q.amount for q in questionnaires})
        latest = max((q.updated_at for q in questionnaires), default=None)
        stale = latest is not None and latest > result.computed_at
    return {"answers": answers, "result": result, "explanation": explanation, "stale": stale,
            "status_label": LimitStatus(result.status).label if result else None}


def _dropped(respondent, amounts: dict) -> tuple[str, Decimal | None] | None:
    return None if respondent is None else (respondent.code, amounts.get(respondent.pk))


def explain_result(*, status: str, valid_count: int, mean, amount, dropped_high, dropped_low, reasons: dict,
                   warnings: list, flags: list, method: str, minimum: int, rounding_unit, reference_date,
                   representative_age, income_median, income_band_high, authority) -> list[str]:
    """Plain sentences for a LimitResult (pure: values in, strings out). dropped_* are (code, amount) or None."""
    lines = []
    if status == LimitStatus.INCOMPLETE:
        lines.append(ngettext(
            "Only %(valid)d valid questionnaire, fewer than the %(minimum)d this campaign requires: the data are "
            "incomplete and no amount is computed.",
            "Only %(valid)d valid questionnaires, fewer than the %(minimum)d this campaign requires: the data are "
            "incomplete and no amount is computed.", valid_count) % {"valid": valid_count, "minimum": minimum})
    elif status == LimitStatus.WITHHELD:
        given = "; ".join(ngettext("%(reason)s (%(n)d respondent)", "%(reason)s (%(n)d respondents)", int(n))
                          % {"reason": WITHHOLD_REASONS.get(int(code), code), "n": int(n)}
                          for code, n in sorted(reasons.items(), key=lambda item: int(item[0])))
        lines.append(_("Respondents gave withhold reasons: %(reasons)s. Any withhold reason holds the household "
                       "back: it is withheld and no amount is computed.") % {"reasons": given})
    elif status == LimitStatus.INELIGIBLE and set(flags).intersection(INELIGIBILITY_CODES):
        lines.extend(ineligibility_text(code) for code in flags if code in INELIGIBILITY_CODES)
    elif status == LimitStatus.INELIGIBLE:
        if representative_age is not None:
            lines.append(_("The credit representative is %(age)d years old on the reference date %(date)s, outside "
                           "20 to 60: the household is not eligible.") % {"age": representative_age,
                                                                          "date": reference_date})
        else:
            lines.append(_("The credit representative's age on the reference date %(date)s is outside 20 to 60 or "
                           "unknown: the household is not eligible.") % {"date": reference_date})
    elif status == LimitStatus.GRANTED:
        values = {"valid": valid_count, "mean": yuan(mean), "unit": yuan(rounding_unit), "amount": yuan(amount)}
        if method == Method.TRIMMED and dropped_high and dropped_low:
            lines.append(_("%(valid)d valid questionnaires; dropping the highest, %(high_code)s %(high)s yuan, and the "
                           "lowest, %(low_code)s %(low)s yuan, the other %(rest)d average %(mean)s yuan, rounded "
                           "down to a multiple of %(unit)s yuan: %(amount)s yuan.")
                         % {**values, "high_code": dropped_high[0], "high": yuan(dropped_high[1]),
                            "low_code": dropped_low[0], "low": yuan(dropped_low[1]), "rest": valid_count - 2})
        else:
            lines.append(_("%(valid)d valid questionnaires average %(mean)s yuan, rounded down to a multiple of "
                           "%(unit)s yuan: %(amount)s yuan.") % values)
    for code in warnings:
        if code == "over_income" and income_median is not None and amount is not None:
            lines.append(_("Warning: %(amount)s yuan is more than %(multiple)s times the household's net income "
                           "(%(income)s yuan, the median of the respondents' estimates), that is more than %(limit)s "
                           "yuan. Check it; this does not block the credit.")
                         % {"amount": yuan(amount), "multiple": f"{Decimal(income_band_high).normalize():f}",
                            "income": yuan(income_median), "limit": yuan(Decimal(income_median) * income_band_high)})
        else:
            lines.append(_("Warning: %(label)s.") % {"label": _flag_label(code)})
    for code in flags:
        if code in INELIGIBILITY_CODES:
            continue  # said above
        if code == "needs_escalation":
            lines.append(_("The amount is above the branch's approval authority of %(authority)s yuan: it takes "
                           "effect only after approval by the level above.") % {"authority": yuan(authority)})
        else:
            lines.append(_("Flag: %(label)s.") % {"label": _flag_label(code)})
    return lines


def result_sentences(result: LimitResult, campaign: Campaign, household: Household, amounts=None) -> list[str]:
    """explain_result of a stored result; the dropped amounts as the computation read them (L7 inputs), even if
    the questionnaires (`amounts`, by respondent) were edited since."""
    amounts = dict(amounts or {}) | {item[0]: Decimal(item[1]) / 100 for item in result.inputs or []
                                     if isinstance(item, list) and len(item) == 2 and item[1] is not None}
    return explain_result(
        status=result.status, valid_count=result.valid_count, mean=result.mean, amount=result.amount,
        dropped_high=_dropped(result.dropped_high, amounts), dropped_low=_dropped(result.dropped_low, amounts),
        reasons=result.reasons or {}, warnings=result.warnings or [], flags=result.flags or [], method=campaign.method,
        minimum=campaign.min_respondents, rounding_unit=campaign.rounding_unit, reference_date=campaign.reference_date,
        representative_age=result.representative_age, income_median=result.income_median,
        income_band_high=campaign.income_band_high, authority=household.village.branch.approval_authority)
