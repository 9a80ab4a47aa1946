"""`{% page_sections "household" household %}`: the sections other apps registered for a page
(sunshine_credit.sections), in order, each with its own context."""

from django import template

from sunshine_credit import sections

register = template.Library()


@register.simple_tag(takes_context=True)
def page_sections(context, page: str, obj):
    return sections.render_sections(page, context, obj)
