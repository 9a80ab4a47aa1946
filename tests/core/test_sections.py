"""sunshine_credit.sections: a page renders the sections other apps registered for it, in order, each with only
its own context; a section whose context is None is left out. (No database: a standalone template engine.)"""

import pytest
from django.template import Context, Engine

from sunshine_credit import sections

PAGE = "test-page"
TEMPLATES = {
    "page.html": '{% load sections %}<main>{% page_sections "test-page" thing %}</main>',
    "a.html": "[a:{{ name }}{{ secret }}]",
    "b.html": "[b:{{ name }}|{{ csrf_token }}]",
    "c.html": "[c]",
}


@pytest.fixture
def engine():
    yield Engine(loaders=[("django.template.loaders.locmem.Loader", TEMPLATES)],
                 libraries={"sections": "sunshine_credit.templatetags.sections"})
    sections.SECTIONS.pop(PAGE, None)


def render(engine, **values) -> str:
    return engine.get_template("page.html").render(Context(values))


def test_sections_render_in_order_with_their_own_context(engine):
    seen = []
    sections.register(page=PAGE, key="b", order=20, template="b.html",
                      context=lambda request, thing: {"name": thing.upper()})
    sections.register(page=PAGE, key="a", order=10, template="a.html",
                      context=lambda request, thing: seen.append((request, thing)) or {"name": thing})

    page = render(engine, thing="x", secret="page-only", csrf_token="tok")

    # a before b (order, not registration); the page's own variables do not leak in, the CSRF token does.
    assert page == "<main>[a:x][b:X|tok]</main>"
    assert seen == [(None, "x")]  # (request, the page's object): no request in a plain Context


def test_a_section_whose_context_is_none_is_left_out(engine):
    sections.register(page=PAGE, key="a", order=10, template="a.html", context=lambda request, thing: {"name": 1})
    sections.register(page=PAGE, key="c", order=5, template="c.html", context=lambda request, thing: None)

    assert render(engine, thing="x") == "<main>[a:1]</main>"


def test_registering_a_key_again_replaces_it_and_unregister_removes_it(engine):
    sections.register(page=PAGE, key="a", order=10, template="a.html", context=lambda request, thing: {"name": 1})
    sections.register(page=PAGE, key="a", order=10, template="c.html", context=lambda request, thing: {})
    assert render(engine, thing="x") == "<main>[c]</main>"

    sections.unregister(page=PAGE, key="a")
    assert render(engine, thing="x") == "<main></main>"
    # Each app registers its own sections of the household page (issue 15 item 3), in reading order.
    assert [s.key for s in sections.page_sections("household")] == [
        "campaigns", "precheck", "decisions", "boards", "credit", "post_loan", "groups"]
