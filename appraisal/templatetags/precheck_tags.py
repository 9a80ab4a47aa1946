"""A6 on the appraisal pages: the panel's flagged count, and the filters of the evidence (includes/precheck_hits.html,
shown on the household page through sunshine_credit.sections, registered in apps.py)."""

from django import template

from households.models import LoanClass

from .. import selectors
from ..models import REMOVING_FLAGS

register = template.Library()
LOAN_CLASSES = dict(LoanClass.choices)


@register.simple_tag
def precheck_counts(panel) -> dict:
    """{flagged, removed} for the panel page, once the round is closed."""
    if not panel.is_closed:
        return {"flagged": 0, "removed": 0}
    return selectors.precheck_panel_counts(panel)


@register.filter
def loan_class(code) -> str:
    return str(LOAN_CLASSES.get(code, code or ""))


@register.filter
def is_removing(flag) -> bool:
    return flag in REMOVING_FLAGS
