"""A7 on the panel and seat pages: the sign-off progress of a closed panel (includes/panel_decisions.html,
includes/seat_sign_off.html)."""

from django import template

from .. import selectors

register = template.Library()


@register.simple_tag
def sign_off_progress(panel) -> dict:
    """{sign_offs: [{member, sign_off}], signed, total, undecided}; empty before the round is closed."""
    return selectors.sign_off_progress(panel)
