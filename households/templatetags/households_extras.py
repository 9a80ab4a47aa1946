"""Template filters for personal data on screen (R5) and archive figures."""

import functools

from django import template
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy

from households import rules
from sunshine_credit.lib.masking import mask_text

register = template.Library()


@register.filter
def mask_id(value) -> str:
    """410902********1234."""
    return rules.mask_id(value)


@register.filter
def mask_phone(value) -> str:
    """138****1234."""
    return rules.mask_phone(value)


@register.filter
def id_number(value, full: bool) -> str:
    """The whole ID only where the user may edit the household (R5), masked everywhere else."""
    return str(value or "") if full else rules.mask_id(value)


@register.filter
def phone(value, full: bool) -> str:
    return str(value or "") if full else rules.mask_phone(value)


@register.simple_tag(takes_context=True)
def free_text(context, value, village_id) -> str:
    """R5 for what people type (an objection, a reason, a note): whole for a maker of the village, who sees
    the whole ID numbers on the household's page anyway; for everyone else the ID and mobile numbers typed
    into it are masked. `{% free_text o.content village_id as text %}{{ text|linebreaksbr }}` to format it."""
    scope = getattr(context.get("request"), "scope", None)
    text = "" if value is None else str(value)
    return text if scope is not None and scope.can_edit_village(village_id) else mask_text(text)


@register.filter
def mask_free_text(value) -> str:
    """Free text with its ID and mobile numbers masked, for what no maker alone reads: print, public pages."""
    return mask_text("" if value is None else str(value))


@register.filter
def age(birth_date) -> int | str:
    """Full years today, from the birth date derived from the ID number."""
    if not birth_date:
        return ""
    return rules.age_on(birth_date, timezone.localdate())


@register.filter
def percent(ratio) -> str:
    """0.75 -> "75.0%"; no ratio (no households on the roster) -> "—"."""
    if ratio is None:
        return "—"
    return f"{ratio * 100:.1f}%"


@register.filter
def percent_int(ratio) -> int:
    """0.754 -> 75, for a progress bar's width."""
    return 0 if ratio is None else max(0, min(100, round(ratio * 100)))


AUDIT_ACTIONS = {0: gettext_lazy("Created"), 1: gettext_lazy("Changed"), 2: gettext_lazy("Deleted")}
AUDIT_WORDS = {"None": "—", "": "—", "True": gettext_lazy("Yes"), "False": gettext_lazy("No")}


@register.filter
def audit_action(entry) -> str:
    """Created / changed / deleted, in the interface language."""
    return AUDIT_ACTIONS.get(entry.action, entry.get_action_display())


@register.filter
def audit_value(value) -> str:
    """A value of an audit entry as a person reads it: no None, True or False."""
    return AUDIT_WORDS.get(str(value), value)


@register.filter
def audit_changes(entry) -> list[tuple[str, list]]:
    """(field name, [old, new]) of an audit entry, by the fields' verbose names: the ID and the reverse relations
    older entries recorded (shown as `households.ExistingLoan.None`) are left out."""
    model = entry.content_type.model_class()
    if model is None:
        return []
    names = _field_names(model, get_language())
    return [(str(name), values) for name, values in entry.changes_display_dict.items() if str(name) in names]


@functools.lru_cache(maxsize=256)
def _field_names(model, language: str | None) -> frozenset[str]:
    """The verbose names of a model's own fields in `language`: once, not once per audit entry (issue 18)."""
    return frozenset(str(f.verbose_name) for f in model._meta.concrete_fields if not f.primary_key)
