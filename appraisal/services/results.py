"""A5/A7: the computed result of every household once a panel's round is closed (one Decision row each).

The amount is the campaign's method over the reviewers' amounts (L1–L4: with five reviewers and the
trimmed mean, seed 000 第三篇's 评议册 — drop the highest and the lowest, mean of the middle three, rounded
down), withheld when any reviewer gives a withhold reason (L2), with the L6 flag against the branch's
authority; the rating is the median rating (A5). Each row keeps the inputs it came from (L7).
"""

import json
from collections import defaultdict

from households.selectors import households_ineligibility
from sunshine_credit.lib.bulk import bulk_insert
from surveys import rules as limit_rules
from surveys.models import LimitResult, LimitStatus

from .. import rules
from ..models import Appraisal, Decision, Panel
from ..selectors import panel_households


def campaign_settings(campaign) -> limit_rules.Settings:
    return limit_rules.Settings(method=campaign.method, min_respondents=campaign.min_respondents,
                                rounding_unit=campaign.rounding_unit, income_band_high=campaign.income_band_high,
                                reference_date=campaign.reference_date)


DECISION_COLUMNS = ["campaign", "panel", "household", "computed_status", "computed_amount", "computed_mean",
                    "reasons", "inputs", "dropped_high", "dropped_low", "rating", "ratings", "survey_amount",
                    "precheck_flags", "override_approved", "status", "change_reason", "escalation", "version"]


def decisions_compute(panel: Panel) -> int:
    """Write the Decision rows of a closed panel (replacing computed values, keeping nothing decided)."""
    campaign = panel.campaign
    settings = campaign_settings(campaign)
    authority = panel.village.branch.approval_authority
    seats = list(panel.members.select_related("reviewer").only("id", "seat", "reviewer__household_id"))
    households = list(panel_households(panel).order_by("code").values_list("pk", "representative__birth_date"))
    entries = defaultdict(dict)
    for household_id, member_id, amount, reasons, rating in (
            Appraisal.objects.filter(panel=panel)
            .values_list("household_id", "member_id", "amount", "withhold_reasons", "rating")):
        entries[household_id][member_id] = (amount, reasons, rating)
    survey = dict(LimitResult.objects.filter(campaign=campaign, household__in=[pk for pk, _birth in households],
                                             status=LimitStatus.GRANTED).values_list("household_id", "amount"))
    # Issue 15: a household blacklisted, excluded or un-archived since the round opened is never proposed.
    ineligible = households_ineligibility(household_ids=[pk for pk, _birth in households])
    Decision.objects.filter(panel=panel).delete()
    rows = []
    for household_id, birth_date in households:
        seated = [s for s in seats if s.reviewer.household_id != household_id]  # A2: own household recused
        given = [rules.Entry(member_id=s.pk, seat=s.seat, amount=e[0], reasons=tuple(e[1]), rating=e[2])
                 for s in seated if (e := entries[household_id].get(s.pk)) is not None]
        outcome = rules.panel_outcome(given, expected=len(seated), settings=settings, birth_date=birth_date,
                                      approval_authority=authority, ineligible=ineligible.get(household_id))
        rows.append((
            campaign.pk, panel.pk, household_id, outcome.status, outcome.amount, outcome.mean,
            json.dumps(outcome.reasons), json.dumps(outcome.inputs), outcome.dropped_high, outcome.dropped_low,
            rules.median_rating([e.rating for e in given]), json.dumps([[e.member_id, e.rating] for e in given]),
            survey.get(household_id), "[]", False, "", "", "", 1,
        ))
    # COPY on PostgreSQL: a village's rows at once, without building a model instance per household.
    bulk_insert(Decision, DECISION_COLUMNS, rows)
    return len(rows)

