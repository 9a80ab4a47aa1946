"""Issue 15 item 8 (PIPL, R5): external reviewers are villagers; the bank's pre-check (A6) about their
neighbours' loans never reaches a page a `reviewer` login reaches. The test crawls every page under my/."""

import re
from html import unescape

import pytest
from django.conf import settings
from django.utils import translation
from django_scopes import scopes_disabled

from appraisal.models import Decision, PreCheckFlag
from tests.appraisal.factories import make_panel_world
from tests.appraisal.test_decisions import close, enter

pytestmark = pytest.mark.django_db

LINK = re.compile(r'href="(/appraisal/my/[^"#?]*)')


def precheck_words(language: str) -> list[str]:
    with translation.override(language):
        words = [str(label) for label in PreCheckFlag.labels]
        words += [translation.gettext(w) for w in ("Pre-check", "Removed by the pre-check", "Removal overridden",
                                                   "Shown only: does not remove", "Override waiting for approval")]
    return words


def crawl(client, language: str) -> dict[str, str]:
    pages, todo = {}, ["/appraisal/my/"]
    while todo:
        path = todo.pop()
        if path in pages:
            continue
        response = client.get(path)
        assert response.status_code == 200, path
        pages[path] = unescape(response.content.decode())
        todo += [link for link in LINK.findall(pages[path]) if link not in pages]
    return pages


@pytest.fixture
def world(county):
    make_panel_world(county, households=2)
    enter(county, 0, [30000, 50000, 52000, 55000, 90000])
    enter(county, 1, [20000, 20000, 20000, 20000, 20000])
    close(county)
    with scopes_disabled():  # household 1: non-performing and written off; household 0: loan above the amount
        Decision.objects.filter(household=county.households[1]).update(precheck_flags=[3, 5], status="removed")
        Decision.objects.filter(household=county.households[0]).update(precheck_flags=[2])
    return county


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_reviewers_pages_contain_no_precheck_text(client, world, language):
    client.force_login(world.reviewers[2].user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    pages = crawl(client, language)
    assert f"/appraisal/my/{world.panel.pk}/decisions/" in pages  # the crawl reached the summary
    words = precheck_words(language)
    for path, html in pages.items():
        for word in words:
            assert word not in html, (path, word)


def test_staff_still_see_the_precheck_on_the_decisions_page(client, world):
    client.force_login(world.tina)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = unescape(client.get(f"/appraisal/panels/{world.panel.pk}/decisions/").content.decode())
    assert "Written-off loan" in html and "Pre-check" in html
