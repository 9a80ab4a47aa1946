"""A6 on other pages: the household's pre-check hits (household page) and the panel's flagged count."""

from django import template

from households.models import LoanClass

from .. import selectors_precheck
from ..models import REMOVING_FLAGS

register = template.Library()
LOAN_CLASSES = dict(LoanClass.choices)


@register.inclusion_tag("appraisal/includes/precheck_hits.html")
def precheck_hits(household):
    """The household's hits, latest campaign first, with their evidence (masked IDs only) and removal state."""
    return {"groups": selectors_precheck.precheck_household_hits(household)}


@register.simple_tag
def precheck_counts(panel) -> dict:
    """{flagged, removed} for the panel page, once the round is closed."""
    if not panel.is_closed:
        return {"flagged": 0, "removed": 0}
    return selectors_precheck.precheck_panel_counts(panel)


@register.filter
def loan_class(code) -> str:
    return str(LOAN_CLASSES.get(code, code or ""))


@register.filter
def is_removing(flag) -> bool:
    return flag in REMOVING_FLAGS
