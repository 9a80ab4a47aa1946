"""A3 back to back: before the round is closed, no page, export, PDF, count or API lets anyone — other
reviewers, the officer in charge, the president, supervisors, administrators — learn a reviewer's entry.

The test does not list pages by hand: it walks every URL pattern of the project, fills each path
parameter with every id of the county that could fit, asks as each kind of user, and looks for reviewer
1's distinctive amount in every answer (HTML, JSON, the XML inside .xlsx files, the text of PDFs).
It then requests every printout that is requested by POST, runs its job, and reads the files too.
"""

import io
import itertools
import subprocess
import zipfile
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django_scopes import scopes_disabled

from appraisal.services import entry as services_entry
from appraisal.services import panels as services_panels
from appraisal.services.entry import EntryInput
from sunshine_credit.models import GeneratedFile
from sunshine_credit.scoping import scope_for_user
from tests.appraisal.factories import make_panel_world

pytestmark = pytest.mark.django_db

SECRET = Decimal("87654")
# Reviewer 1's amount for A-0001, and their unusual withhold codes for A-0002 as any page might print them.
MARKERS = ("87654", "87,654", "8.7654", "8,7654", "3 7 9", "3,7,9", "3、7、9", "[3, 7, 9]")
SKIP_NAMES = {"logout", "set_language", "panel_round"}  # would end the session or close the round
MAX_COMBINATIONS = 30


def patterns(resolvers=None, prefix=""):
    """(route, name, parameter names) of every URL pattern of the project."""
    for entry in (resolvers or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if str(entry.pattern).startswith("admin/"):
                continue
            yield from patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.name, list(entry.pattern.converters)


def paths(route: str, names: list[str], ids: dict[str, list[int]]):
    choices = [ids.get(name, ids["any"]) for name in names]
    combos = itertools.islice(itertools.product(*choices), MAX_COMBINATIONS)
    for combo in combos:
        path = route
        for name, value in zip(names, combo, strict=True):
            path = path.replace(f"<int:{name}>", str(value)).replace(f"<str:{name}>", str(value))
        yield "/" + path.lstrip("^").rstrip("$")


def readable(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    if body[:4] == b"%PDF":
        return subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True, check=True).stdout.decode()
    return body.decode("utf-8", "replace")


def leaks(text: str) -> list[str]:
    return [marker for marker in MARKERS if marker in text]


@pytest.fixture
def county(county):
    """make_panel_world's open round: reviewer 1 entered A-0001 (the secret amount) and withheld A-0002 (the
    unusual codes); reviewer 2 entered A-0001 too."""
    make_panel_world(county, households=3)
    one, two = county.reviewers[0], county.reviewers[1]
    home = county.households[0]
    services_entry.appraisal_save(actor=one.user, panel_id=county.panel.pk, household_id=home.pk,
                                  values=EntryInput(amount=SECRET, rating=4), version=0)
    services_entry.appraisal_save(actor=one.user, panel_id=county.panel.pk, household_id=county.households[1].pk,
                                  values=EntryInput(reasons=[3, 7, 9]), version=0)
    services_entry.appraisal_save(actor=two.user, panel_id=county.panel.pk, household_id=home.pk,
                                  values=EntryInput(amount=Decimal("41000"), rating=2), version=0)
    return county


def county_ids(county) -> dict[str, list[int]]:
    """Candidate ids per path parameter name; "any" for a parameter named otherwise (pk, id …)."""
    with scopes_disabled():
        named = {
            "panel": [county.panel.pk, county.panel_b.pk],
            "group": [county.g1.pk, county.g2.pk, 0],
            "household": [h.pk for h in county.households] + [county.h_b.pk],
            "campaign": [county.campaign.pk], "village": [county.v_a.pk, county.v_b.pk],
        }
        every = {county.campaign.pk, *named["panel"], *named["household"], *named["village"], *named["group"]}
        every |= {s.pk for s in county.seats} | {r.pk for r in county.reviewers}
        every |= set(county.panel.appraisals.values_list("pk", flat=True))
        every |= set(GeneratedFile.objects.values_list("pk", flat=True))
    return {**named, "any": sorted(every)}


def crawl(client, county, users, *, prefix: str = "") -> dict:
    found, asked = {}, 0
    ids = county_ids(county)
    for user in users:
        client.force_login(user)
        for route, name, params in patterns():
            if name in SKIP_NAMES or not route.startswith(prefix):
                continue
            for path in paths(route, params, ids):
                response = client.get(path)
                asked += 1
                if response.status_code == 200 and (hit := leaks(readable(response))):
                    found.setdefault(user.username, []).append((path, hit))
    return {"found": found, "asked": asked}


def request_printouts(client, county, users):
    """POST every appraisal route that asks for a printout or export job, then run the jobs (eager in tests).
    (The other apps' printouts never read appraisal tables: their GET pages and files are walked anyway.)"""
    ids = county_ids(county)
    for user in users:
        client.force_login(user)
        for route, name, params in patterns():
            if route.startswith("appraisal/") and name and any(
                    word in name for word in ("pdf", "sheet", "print", "render", "export")):
                for path in paths(route, params, ids):
                    client.post(path, {})


def test_nobody_learns_an_entry_before_the_round_is_closed(client, county, django_capture_on_commit_callbacks):
    users = [county[k] for k in ("tina", "pat", "sue")] + [county.reviewers[1].user]
    with django_capture_on_commit_callbacks(execute=True):
        request_printouts(client, county, users)
    result = crawl(client, county, users)
    assert result["asked"] > 1000
    assert result["found"] == {}


def test_the_crawler_finds_the_entry_once_the_round_is_closed(client, county):
    """The same walk, after closing, does find it: the test above can fail."""
    panel = county.panel
    services_panels.round_close(scope=scope_for_user(county.tina), actor=county.tina, panel_id=panel.pk,
                                version=panel.version)
    result = crawl(client, county, [county.tina], prefix="appraisal/")
    pages = {path for path, _hit in result["found"].get(county.tina.username, [])}
    assert f"/appraisal/panels/{panel.pk}/decisions/" in pages, "after closing, the summary shows the entries"
