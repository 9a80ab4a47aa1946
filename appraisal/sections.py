"""What the appraisal app shows on other apps' pages (sunshine_credit.sections, registered in apps.py): the household
page's panel decisions (issue 15 item 3). Reads only; beside selectors.py, which is at the size limit (STYLE §1)."""

from .models import Decision, Panel
from .selectors import _latest_overrides, removal_state

CLOSED_STATUSES = (Panel.Status.CLOSED, Panel.Status.SIGNED)  # A3: a round's decisions show once it is closed


def household_decisions_section(request, household) -> dict | None:
    """The household page (issue 15 item 3): the panel's decision in each campaign whose round is closed — amount,
    rating, withheld or removed, escalation, signed off or not. Never a reviewer's entry (A3). Two queries."""
    if request is None or not hasattr(request, "scope"):
        return None
    decisions = list(Decision.objects.filter(household=household, panel__status__in=CLOSED_STATUSES)
                     .select_related("campaign", "panel").order_by("-campaign__reference_date", "-campaign_id"))
    if not decisions:
        return None
    approvals = _latest_overrides(d.pk for d in decisions)
    for d in decisions:
        d.removal = removal_state(d, approvals.get(d.pk))
    return {"decisions": decisions}
