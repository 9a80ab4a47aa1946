"""Issue 15 item 4 (first part): no link on a role's home page answers 404 to the role that sees it."""

import re

import pytest

HREF = re.compile(r'href="(/[^"#?]*)')
SKIP = ("/logout/", "/i18n/", "/static/")


@pytest.mark.parametrize("who", ["tina", "pat", "tom", "ada", "sue", "aude"])
def test_every_link_on_the_home_page_answers_200_for_its_role(client, county, who):
    county.login(client, county[who])
    home = client.get("/")
    assert home.status_code == 200
    links = sorted({href for href in HREF.findall(home.content.decode()) if not href.startswith(SKIP)})
    assert len(links) > 5
    broken = [(href, client.get(href).status_code) for href in links]
    assert [(href, code) for href, code in broken if code != 200] == []


def test_a_teller_sees_the_supervision_counts_without_links_to_lists_they_may_not_read(client, county):
    county.login(client, county.tom)
    html = client.get("/").content.decode()
    assert 'id="breach-count"' in html
    assert "/lines/time-limits/" not in html and "/lines/revocations/" not in html
    county.login(client, county.pat)
    html = client.get("/").content.decode()
    assert "/lines/time-limits/" in html and "/lines/revocations/" in html
