"""A6: reads of the pre-check for the panel's list, the household page and the audit referrals (flag 2).

Every read starts from a panel or household fetched through the scope, or filters by the scope's villages
(R1). Each list is a fixed number of queries, however many households hit.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from sunshine_credit.models import Approval
from sunshine_credit.scoping import Scope

from .models import Decision, Panel, PreCheckFlag, PreCheckHit
from .precheck import removes
from .services_precheck import OVERRIDE_KIND

# The removal state of a decision, as the lists show it.
REMOVED, PENDING, OVERRIDDEN = "removed", "pending", "overridden"


def removal_state(decision: Decision, approval: Approval | None) -> str:
    """'' when no flag of 3–8 hit; else removed, override pending or overridden."""
    if not removes(decision.precheck_flags):
        return ""
    if decision.override_approved:
        return OVERRIDDEN
    if approval is not None and approval.status == Approval.Status.PENDING:
        return PENDING
    return REMOVED


def _latest_approvals(decision_ids) -> dict[int, Approval]:
    latest = {}
    for approval in (Approval.objects.filter(kind=OVERRIDE_KIND, subject_id__in=list(decision_ids))
                     .select_related("requested_by", "decided_by").order_by("subject_id", "requested_at", "id")):
        latest[approval.subject_id] = approval
    return latest


def _hits_by_household(hits) -> dict[int, list[PreCheckHit]]:
    grouped = defaultdict(list)
    for hit in hits:
        grouped[hit.household_id].append(hit)
    return grouped


def precheck_panel_rows(panel: Panel) -> list[dict]:
    """Every household of the closed panel with hits, by code: its decision, hits with evidence, the latest
    override request and the removal state."""
    decisions = list(Decision.objects.filter(panel=panel).exclude(precheck_flags=[])
                     .select_related("household__representative").order_by("household__code"))
    hits = _hits_by_household(PreCheckHit.objects.filter(
        campaign_id=panel.campaign_id, household_id__in=[d.household_id for d in decisions]).order_by("flag"))
    approvals = _latest_approvals(d.pk for d in decisions)
    return [{"decision": d, "household": d.household, "hits": hits.get(d.household_id, []),
             "approval": approvals.get(d.pk), "state": removal_state(d, approvals.get(d.pk))} for d in decisions]


def precheck_panel_counts(panel: Panel) -> dict:
    """For the panel page: households flagged, and of them those the pre-check removes now."""
    flags = list(Decision.objects.filter(panel=panel).exclude(precheck_flags=[])
                 .values_list("precheck_flags", "override_approved"))
    return {"flagged": len(flags), "removed": sum(1 for f, overridden in flags if removes(f) and not overridden)}


def precheck_household_hits(household) -> list[dict]:
    """The household's hits per campaign, latest campaign first, with the removal state of its decision."""
    hits = list(PreCheckHit.objects.filter(household=household).select_related("campaign")
                .order_by("-campaign__reference_date", "-campaign_id", "flag"))
    decisions = {d.campaign_id: d for d in Decision.objects.filter(
        household=household, campaign_id__in={h.campaign_id for h in hits})}
    approvals = _latest_approvals(d.pk for d in decisions.values())
    groups: dict[int, dict] = {}
    for hit in hits:
        group = groups.setdefault(hit.campaign_id, {"campaign": hit.campaign, "hits": [], "state": ""})
        group["hits"].append(hit)
    for campaign_id, group in groups.items():
        decision = decisions.get(campaign_id)
        if decision is not None:
            group["state"] = removal_state(decision, approvals.get(decision.pk))
    return list(groups.values())


def audit_referrals(*, scope: Scope, campaign) -> list[dict]:
    """A6 (2): households of the scope whose current borrowing is above the computed amount, with the loans,
    the branch and the village's loan officers (the audit covers branch, officer and customer; seed 000)."""
    computed = Decision.objects.filter(campaign_id=OuterRef("campaign_id"), household_id=OuterRef("household_id"))
    hits = (PreCheckHit.objects.filter(campaign=campaign, flag=PreCheckFlag.LOAN_ABOVE_LIMIT,
                                       household__village_id__in=scope.village_ids)
            .select_related("household__village__branch", "household__representative")
            .prefetch_related("household__village__officers")
            .annotate(computed_amount=Subquery(computed.values("computed_amount")))
            .order_by("household__village__branch__code", "household__village__code", "household__code"))
    return [{"hit": hit, "household": hit.household, "village": hit.household.village,
             "branch": hit.household.village.branch, "computed_amount": hit.computed_amount,
             "total": sum((Decimal(e["amount"]) for e in hit.evidence), Decimal(0)),
             "officers": [o.get_full_name() or o.username for o in hit.household.village.officers.all()]}
            for hit in hits]
