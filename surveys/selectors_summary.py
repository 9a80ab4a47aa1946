"""S3: the questionnaire summary (问卷调查汇总表) per household and per village, with the pre-credit result
explained in sentences a loan officer can read out to a villager.

Reads LimitResult rows only (the computation lives elsewhere); when none exist yet, the pages say so and
show the questionnaires.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, FilteredRelation, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_scopes import scopes_disabled

from households.models import Household, Relation
from sunshine_credit.lib.money import yuan  # the sentences read amounts aloud: "83,250", never "83,250.00"
from sunshine_credit.models import Village
from sunshine_credit.scoping import Scope, get_in_scope_or_404, village_in_scope_or_404

from .entry import BUSINESS_CODES, WITHHOLD_REASONS
from .models import Campaign, LimitResult, LimitStatus, Method, Questionnaire

NOT_COMPUTED = "not_computed"


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
        # The dropped amounts as the computation read them (L7 inputs), even if edited since.
        amounts = {q.respondent_id: q.amount for q in questionnaires}
        amounts |= {item[0]: Decimal(item[1]) / 100 for item in result.inputs or []
                    if isinstance(item, list) and len(item) == 2 and item[1] is not None}
        explanation = explain_result(
            status=result.status, valid_count=result.valid_count, mean=result.mean, amount=result.amount,
            dropped_high=_dropped(result.dropped_high, amounts), dropped_low=_dropped(result.dropped_low, amounts),
            reasons=result.reasons or {}, warnings=result.warnings or [], flags=result.flags or [],
            method=campaign.method, minimum=campaign.min_respondents, rounding_unit=campaign.rounding_unit,
            reference_date=campaign.reference_date, representative_age=result.representative_age,
            income_median=result.income_median, income_band_high=campaign.income_band_high,
            authority=household.village.branch.approval_authority)
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
        if code == "needs_escalation":
            lines.append(_("The amount is above the branch's approval authority of %(authority)s yuan: it takes "
                           "effect only after approval by the level above.") % {"authority": yuan(authority)})
        else:
            lines.append(_("Flag: %(label)s.") % {"label": _flag_label(code)})
    return lines
