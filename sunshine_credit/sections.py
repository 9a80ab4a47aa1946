"""Sections of a page that other apps contribute (the household page shows what the apps above households know
about the household), without the page's app importing them or loading their template tags: imports and
template-tag use run one way along the chain (STYLE §1).

An app registers each of its sections once, in its AppConfig.ready():

    sections.register(page="household", key="precheck", order=15,
                      template="appraisal/includes/precheck_hits.html", context=household_precheck_section,
                      present=lambda: Exists(PreCheckHit.objects.filter(household=OuterRef("pk"))))

and the page renders them where they belong: `{% load sections %}{% page_sections "household" household %}`.
Sections render in `order` (then `key`), each with only the context its callable returns (like an inclusion
tag: nothing of the page's context but the CSRF token and the request, and no context processor runs again); a callable that
returns None leaves its section out (nothing to show, or not for this user). A section costs the queries its
callable makes, nothing more.

Issue 18: most households have nothing in most sections, and asking each section costs a query or more. A section
may say, with `present`, how to tell whether it could have anything at all for the page's object: an expression
over the object's row (a `pk` OuterRef; a superset of what the section shows: unscoped, any state) or a dict of
them by name (the section's parts). The page annotates its object's query with `annotate_presence(queryset,
page)`, and `render_sections` then leaves out, without calling it, a section whose every probe is False; a part's
probe is read with `present(obj, page, key, part)` (None when the page did not annotate). Sections that read the
same rows share them through `shared(obj, key, compute)`, once per page.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils.safestring import SafeString, mark_safe
from django_scopes import scopes_disabled

Probe = Callable[[], Any] | dict[str, Callable[[], Any]]


@dataclass(frozen=True)
class Section:
    page: str
    key: str
    order: int
    template: str
    context: Callable[[Any, Any], dict | None]   # (request, the page's object) -> the section's context or None
    present: Probe | None = None                 # () -> an expression over the object's row (or a dict of them)


SECTIONS: dict[str, dict[str, Section]] = {}


def register(*, page: str, key: str, template: str, context: Callable[[Any, Any], dict | None],
             order: int = 100, present: Probe | None = None) -> Section:
    """Add (or, under the same page and key, replace) a section of `page`."""
    section = Section(page=page, key=key, order=order, template=template, context=context, present=present)
    SECTIONS.setdefault(page, {})[key] = section
    return section


def unregister(*, page: str, key: str) -> None:
    SECTIONS.get(page, {}).pop(key, None)


def page_sections(page: str) -> list[Section]:
    """The sections registered for `page`, in the order they are shown."""
    return sorted(SECTIONS.get(page, {}).values(), key=lambda section: (section.order, section.key))


def _probes(section: Section) -> dict[str, Callable[[], Any]]:
    if section.present is None:
        return {}
    return section.present if isinstance(section.present, dict) else {"": section.present}


def _attribute(page: str, key: str, part: str = "") -> str:
    return f"present_{page}_{key}" + (f"_{part}" if part else "")


def annotate_presence(queryset, *pages: str):
    """`queryset` with one boolean per probe of every section of `pages` (one query for them all, with the page's
    object). Each probe is built and compiled once per process (the probes are the same for every object: no
    request, no user in them), then added as its SQL: building a dozen subqueries cost the page more than running
    them (issue 18)."""
    return annotate_probes(queryset, **{_attribute(page, section.key, part): probe for page in pages
                                        for section in page_sections(page) for part, probe in _probes(section).items()})


def annotate_probes(queryset, **probes: Callable[[], Any]):
    """`queryset` annotated with each probe's boolean (a module-level callable returning an expression over the
    queryset's own row, e.g. an Exists with OuterRef("pk")), built and compiled once per process. The SQL names the
    model's table as a page's own query does (not for a queryset that ends up a subquery of another)."""
    if not probes:
        return queryset
    compiled = _compiled(queryset.model, queryset.db, tuple(probes.items()))
    return queryset.annotate(**{name: RawSQL(sql, params, output_field=BooleanField())
                                for name, (sql, params) in compiled.items()})


@functools.lru_cache(maxsize=64)
def _compiled(model, using: str, probes: tuple) -> dict[str, tuple[str, tuple]]:
    """Each probe's SQL over `model`'s own table (the outer reference compiles to it, as the page's query names it)."""
    with scopes_disabled():  # subqueries over the object's row: the outer query carries the scope
        query = model._base_manager.using(using).annotate(**{name: probe() for name, probe in probes}).query
    compiler = query.get_compiler(using=using)
    compiled = {}
    for name, _probe in probes:
        sql, params = compiler.compile(query.annotations[name])
        compiled[name] = (sql, tuple(params))
    return compiled


def present(obj, page: str, key: str, part: str = "") -> bool | None:
    """Whether the probe `part` of the section `key` found anything for `obj`; None when the page did not ask."""
    value = getattr(obj, _attribute(page, key, part), None)
    return None if value is None else bool(value)


def _left_out(section: Section, obj) -> bool:
    """True only when the page annotated every probe of the section and each found nothing."""
    probes = _probes(section)
    return bool(probes) and all(present(obj, section.page, section.key, part) is False for part in probes)


def shared(obj, key: str, compute: Callable[[], Any]):
    """What several sections of a page read about `obj` (the same rows), computed once per page and object."""
    cache = obj.__dict__.setdefault("_sections_shared", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def render_sections(page: str, context, obj) -> SafeString:
    """Every section of `page` for `obj`, rendered in order inside the page's template `context`."""
    request = getattr(context, "request", None)
    engine = context.template.engine
    csrf_token = context.get("csrf_token")
    parts = []
    for section in page_sections(page):
        if _left_out(section, obj):
            continue
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
