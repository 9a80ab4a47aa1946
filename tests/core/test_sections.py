"""sunshine_credit.sections: a page renders the sections other apps registered for it, in order, each with only
its own context; a section whose context is None is left out. (No database but for the presence probes: a
standalone template engine.)"""

import pytest
from django.db.models import Exists, OuterRef
from django.template import Context, Engine

from sunshine_credit import sections
from sunshine_credit.models import Branch, HeadOffice, Village

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


# --- issue 18: a page's object says which sections could have anything ------------------------------------------

class Thing:
    """A page's object as the page's query annotated it (present_<page>_<key>[_<part>])."""

    def __init__(self, **flags):
        self.__dict__.update({f"present_{PAGE}_{key}": value for key, value in flags.items()})


def calls(engine, thing, **probes) -> list[str]:
    """The keys of the sections whose context was asked, registering one section per probe."""
    asked = []
    for key, probe in probes.items():
        sections.register(page=PAGE, key=key, order=10, template="c.html", present=probe,
                          context=lambda request, obj, key=key: asked.append(key) or {})
    render(engine, thing=thing)
    return asked


def probe():
    return "an expression"


def test_a_section_the_object_says_is_empty_is_not_asked(engine):
    thing = Thing(empty=False, full=True)
    assert calls(engine, thing, empty=probe, full=probe, unannotated=probe, without=None) == [
        "full", "unannotated", "without"]


def test_a_section_of_several_probes_is_left_out_only_when_every_one_is_false(engine):
    thing = Thing(none_a=False, none_b=False, one_a=False, one_b=True, half_a=False)
    two = {"a": probe, "b": probe}
    assert calls(engine, thing, none=two, one=two, half=two) == ["half", "one"]  # half: b not annotated
    assert sections.present(thing, PAGE, "one", "b") is True
    assert sections.present(thing, PAGE, "one", "a") is False
    assert sections.present(thing, PAGE, "half", "b") is None
    assert sections.present(Thing(x=0), PAGE, "x") is False  # SQLite's 0/1 read as booleans


BUILT = []


def has_branch():
    BUILT.append("branch")
    return Exists(Branch.objects.filter(head_office=OuterRef("pk")))


def has_village():
    BUILT.append("village")
    return Exists(Village.objects.filter(branch__head_office=OuterRef("pk")))


@pytest.mark.django_db
def test_annotate_presence_adds_one_boolean_per_probe_built_once(engine, county):
    """One annotation per probe of the page's sections (a section without probes adds none), each built and
    compiled once per process; the row answers them all in its one query."""
    sections.register(page=PAGE, key="one", template="c.html", context=lambda request, obj: {}, present=has_branch)
    sections.register(page=PAGE, key="two", template="c.html", context=lambda request, obj: {},
                      present={"a": has_branch, "b": has_village})
    sections.register(page=PAGE, key="none", template="c.html", context=lambda request, obj: {})
    BUILT.clear()
    empty = HeadOffice.objects.create(code="HQ-EMPTY", name="空总行")
    for _ in range(2):
        rows = {h.pk: h for h in sections.annotate_presence(HeadOffice.objects.all(), PAGE)}
        assert sections.present(rows[county.head_office.pk], PAGE, "one") is True
        assert sections.present(rows[county.head_office.pk], PAGE, "two", "b") is True
        assert sections.present(rows[empty.pk], PAGE, "two", "a") is False
        assert sections.present(rows[empty.pk], PAGE, "none") is None
    assert sorted(BUILT) == ["branch", "branch", "village"]  # once per probe, not once per query
    untouched = HeadOffice.objects.all()
    assert sections.annotate_presence(untouched, "a-page-without-sections") is untouched


def test_shared_reads_once_per_object():
    reads = []
    first, second = Thing(), Thing()
    assert sections.shared(first, "rows", lambda: reads.append(1) or [1]) == [1]
    assert sections.shared(first, "rows", lambda: reads.append(2) or [2]) == [1]
    assert sections.shared(second, "rows", lambda: reads.append(3) or [3]) == [3]
    assert reads == [1, 3]
