"""What the appraisal app shows on other apps' pages (sunshine_credit.sections, registered in apps.py): the household
page's pre-check hits (A6) and panel decisions (issue 15 item 3). Reads only; beside selectors.py, which is at the
size limit (STYLE §1)."""

from django.db.models import Exists, OuterRef

from sunshine_credit import sections

from .models import Decision, Panel, PreCheckHit
from .selectors import _latest_overrides, removal_state

CLOSED_STATUSES = (Panel.Status.CLOSED, Panel.Status.SIGNED)  # A3: a round's decisions show once it is closed


# Issue 18: whether the household could have anything in each section (the household page's query answers it).
def precheck_present():
    return Exists(PreCheckHit.objects.filter(household=OuterRef("pk")))


def decisions_present():
    return Exists(Decision.objects.filter(household=OuterRef("pk"), panel__status__in=CLOSED_STATUSES))


def household_decisions(household) -> list[Decision]:
    """Every decision of the household, latest campaign first, with campaign, panel and removal state (.removal):
    what both sections read, once per page. The override requests are read only for the decisions a pre-check
    flag removed and no override restored (the only ones whose state they decide): one query, two at most."""
    def read():
        decisions = list(Decision.objects.filter(household=household).select_related("campaign", "panel")
                         .order_by("-campaign__reference_date", "-campaign_id"))
        approvals = _latest_overrides(d.pk for d in decisions if d.removed_by_precheck)
        for d in decisions:
            d.removal = removal_state(d, approvals.get(d.pk))
        return decisions
    return sections.shared(household, "appraisal.decisions", read)


def household_precheck_section(request, household) -> dict | None:
    """A6 on the household page: the hits per campaign, latest campaign first, with the removal state of the
    campaign's decision. None without hits."""
    hits = list(PreCheckHit.objects.filter(household=household).select_related("campaign")
                .order_by("-campaign__reference_date", "-campaign_id", "flag"))
    if not hits:
        return None
    decisions = {d.campaign_id: d for d in household_decisions(household)}
    groups: dict[int, dict] = {}
    for hit in hits:
        group = groups.setdefault(hit.campaign_id, {"campaign": hit.campaign, "hits": [], "state": ""})
        group["hits"].append(hit)
    for campaign_id, group in groups.items():
        if campaign_id in decisions:
            group["state"] = decisions[campaign_id].removal
    return {"groups": list(groups.values())}


def household_decisions_section(request, household) -> dict | None:
    """The household page (issue 15 item 3): the panel's decision in each campaign whose round is closed — amount,
    rating, withheld or removed, escalation, signed off or not. Never a reviewer's entry (A3)."""
    if request is None or not hasattr(request, "scope"):
        return None
    decisions = [d for d in household_decisions(household) if d.panel.status in CLOSED_STATUSES]
    return {"decisions": decisions} if decisions else None
