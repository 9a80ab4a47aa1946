"""Printable blank questionnaires (表一, S2): one A4 page per household, pre-filled with the household's
data, respondent by code only (S1), ID numbers masked for read-only roles (R5), scope (R1)."""

import hashlib
import re
import shutil
import subprocess

import pytest
from django_scopes import scopes_disabled

from households.rules import mask_id
from sunshine_credit.lib import pdf
from sunshine_credit.models import GeneratedFile
from tests.factories import HouseholdFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campaign_stage")]


@pytest.fixture
def rendered(monkeypatch):
    """The HTML of each laid-out chunk and its page count, as the printout job rendered them."""
    seen = []
    real = pdf.html_to_document

    def html_to_document(html):
        document = real(html)
        seen.append({"html": html, "pages": len(document.pages)})
        return document

    monkeypatch.setattr("surveys.services.printouts.html_to_document", html_to_document)
    return seen


def pdf_url(county, village="v_a"):
    return f"/surveys/campaigns/{county.campaign.pk}/villages/{county[village].pk}/questionnaires.pdf"


@pytest.fixture
def printout(client, county, django_capture_on_commit_callbacks):
    """Ask for the printout (its job runs inline once the request commits) and open it:
    (status page, PDF response), or (the refusal, None)."""

    def ask(village="v_a", **data):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(pdf_url(county, village), data)
        if response.status_code != 302:
            return response, None
        page = client.get(response["Location"])
        return page, client.get(f"/files/{page.context['item'].pk}/open/")

    return ask


def test_one_page_per_household_with_the_respondents_code_only(client, county, rendered, printout):
    with scopes_disabled():
        HouseholdFactory(village=county.v_a, code="A-0002", head__name="陈二")
    client.force_login(county.tina)  # on the team: sees names on pages, yet the paper carries the code
    page, response = printout(respondent="R03")
    assert page.status_code == 200 and 'id="file-download"' in page.content.decode()
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF-")
    assert "no-store" in response["Cache-Control"]
    html = rendered[0]["html"]
    assert rendered[0]["pages"] == 2
    assert "A-0001" in html and "A-0002" in html and "陈二" in html
    assert "李大山" in html and "王秀英" in html and "配偶" in html and "东岭村1组8号" in html
    assert "R03" in html and "评议人3" not in html
    assert not any(r.name in html for r in county.respondents)
    assert "13700001111" not in html
    assert "种植" in html and "其他：赌博、放高利贷" in html  # the legends of codes 1–16 and 1–9
    assert pdf.FONT_FAMILY in html and "@page" in html
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True,
                              check=True).stdout.decode()
        assert "A-0001" in text and "R03" in text


def test_ids_are_masked_on_the_paper_whoever_prints_it(client, county, rendered, printout):
    """R5: the blank forms go to the village's respondents, so even the village's officer (a maker,
    who sees whole IDs on the household's page) prints them masked."""
    full = "11010519491231002X"
    for role in ("olga", "pat", "sue"):
        client.force_login(county[role])
        response = printout(respondent="R01")[1]
        assert response.status_code == 200
        html = rendered[-1]["html"]
        assert full not in html and mask_id(full) in html
        assert "评议人1" not in html  # not even for the supervisor, who may see names on a page
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", "-", "-"], input=b"".join(response.streaming_content),
                                  capture_output=True, check=True).stdout.decode()
            assert full not in text and mask_id(full) in text


def test_group_filter_and_unknown_code(client, county, rendered, printout):
    with scopes_disabled():
        HouseholdFactory(village=county.v_a, code="A-0009")  # no group
    client.force_login(county.tina)
    assert printout(group=county.g_a.pk)[1].status_code == 200
    assert "A-0001" in rendered[-1]["html"] and "A-0009" not in rendered[-1]["html"]
    assert rendered[-1]["pages"] == 1
    assert printout(respondent="NOPE")[0].status_code == 404
    assert printout(group=999999)[0].status_code == 404
    assert client.get(pdf_url(county)).status_code == 405  # asking for a printout starts a job: POST only


def test_village_outside_the_scope_is_404(client, county, rendered, printout):
    client.force_login(county.bob)
    page, response = printout("v_b")
    assert response.status_code == 200
    assert "B-0001" in rendered[-1]["html"]
    assert printout("v_a")[0].status_code == 404
    assert len(rendered) == 1
    client.force_login(county.olga)  # somebody else's printout is not theirs to open, even in scope
    assert client.get(page.request["PATH_INFO"]).status_code == 404


def test_a_large_village_is_laid_out_in_steps_with_progress(client, county, rendered, printout, monkeypatch):
    monkeypatch.setattr("surveys.services.printouts.HOUSEHOLDS_PER_STEP", 2)
    with scopes_disabled():
        for n in range(2, 6):
            HouseholdFactory(village=county.v_a, code=f"A-000{n}")
    client.force_login(county.tina)
    page, response = printout()
    content = b"".join(response.streaming_content)
    assert [r["pages"] for r in rendered] == [2, 2, 1]
    with scopes_disabled():
        item = GeneratedFile.objects.get(pk=page.context["item"].pk)
        assert item.status == GeneratedFile.Status.DONE and item.job.progress == 100
        assert item.sha256 == hashlib.sha256(content).hexdigest() and item.size == len(content)
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True).stdout.decode()
        assert re.search(r"^Pages:\s+5$", info, re.M), info


def test_render_pdf_makes_a_real_pdf(county):
    out = pdf.render_pdf("surveys/pdf/questionnaire_blank.html", {
        "campaign": county.campaign, "village": county.v_a, "households": [], "respondent_code": "",
        "business_codes": [], "withhold_codes": []})
    assert out.startswith(b"%PDF-") and len(out) > 500


def test_the_printed_form_carries_the_banks_own_title():
    """Seed 000: the paper form is 《农户贷款家庭授信问卷调查表》(表一)."""
    from django.utils.translation import gettext, override

    with override("zh-hans"):
        assert gettext("Household questionnaire (Form 1)") == "农户贷款家庭授信问卷调查表（表一）"
