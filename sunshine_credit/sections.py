"""Sections of a page that other apps contribute (the household page shows what the apps above households know
about the household), without the page's app importing them or loading their template tags: imports and
template-tag use run one way along the chain (STYLE §1).

An app registers each of its sections once, in its AppConfig.ready():

    sections.register(page="household", key="precheck", order=60,
                      template="appraisal/includes/precheck_hits.html",
                      context=lambda request, household: {"groups": precheck_household_hits(household)})

and the page renders them where they belong: `{% load sections %}{% page_sections "household" household %}`.
Sections render in `order` (then `key`), each with only the context its callable returns (like an inclusion
tag: nothing of the page's context but the CSRF token and the request, and no context processor runs again); a callable that
returns None leaves its section out (nothing to show, or not for this user). A section costs the queries its
callable makes, nothing more.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Section:
    page: str
    key: str
    order: int
    template: str
    context: Callable[[Any, Any], dict | None]   # (request, the page's object) -> the section's context or None


SECTIONS: dict[str, dict[str, Section]] = {}


def register(*, page: str, key: str, template: str, context: Callable[[Any, Any], dict | None],
             order: int = 100) -> Section:
    """Add (or, under the same page and key, replace) a section of `page`."""
    section = Section(page=page, key=key, order=order, template=template, context=context)
    SECTIONS.setdefault(page, {})[key] = section
    return section


def unregister(*, page: str, key: str) -> None:
    SECTIONS.get(page, {}).pop(key, None)


def page_sections(page: str) -> list[Section]:
    """The sections registered for `page`, in the order they are shown."""
    return sorted(SECTIONS.get(page, {}).values(), key=lambda section: (section.order, section.key))


def render_sections(page: str, context, obj) -> SafeString:
    """Every section of `page` for `obj`, rendered in order inside the page's template `context`."""
    request = getattr(context, "request", None)
    engine = context.template.engine
    csrf_token = context.get("csrf_token")
    parts = []
    for section in page_sections(page):
        values = section.context(request, obj)
        if values is None:
            continue
        # As an inclusion tag does: a new context holding only the section's values (and the CSRF token).
        local = context.new(values)
        if csrf_token is not None:
            local["csrf_token"] = csrf_token
        if request is not None:  # what {% free_text %} asks whether the user is a maker of the village (R5)
            local["request"] = request
        parts.append(engine.get_template(section.template).render(local))
    return mark_safe("".join(parts))  # each part is a rendered template: escaped already
