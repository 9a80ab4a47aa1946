"""V3 → V4: the supervision channels of the eight disclosures (八公开 监督渠道) lead to the complaint form. The public
page of a branch shows its board's complaint QR code and a link to the public form for that branch, and the look-up by
reference; the service-hall commitments board prints the same QR code. A complaint filed through the page goes to
head-office audit: never to the branch's president."""

import re
import subprocess

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _

from publicity.services import qr_svg
from supervision.models import Complaint, ComplaintChannel
from supervision.services import complaints as services

pytestmark = pytest.mark.django_db

FORM_LINK = re.compile(r'href="([^"]+)" id="public-complaint-form"')


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()  # the public pages' rate limits count in the cache
    yield
    cache.clear()


def public_page(client, branch) -> str:
    response = client.get(reverse("public_sv:disclosure_public", args=[branch.code]))
    assert response.status_code == 200
    return response.content.decode()


def form_link(page: str) -> str:
    return FORM_LINK.search(page).group(1).replace("&amp;", "&")


def board_token(branch) -> str:
    return ComplaintChannel.objects.get(branch=branch, officer=None).token


def test_the_page_links_to_the_complaint_form_of_its_own_branch(client, county):
    page_a, page_b = public_page(client, county.branch_a), public_page(client, county.branch_b)
    link_a, link_b = form_link(page_a), form_link(page_b)
    assert link_a == f"{reverse('public_sv:complaint_form')}?branch={board_token(county.branch_a)}"
    assert link_b == f"{reverse('public_sv:complaint_form')}?branch={board_token(county.branch_b)}"
    assert link_a != link_b
    # the channels section holds the QR code of that same address (absolute: a printed or shown code leaves the site)
    section = page_a.split('id="public-channels"', 1)[1].split("</section>", 1)[0]
    assert qr_svg(settings.PUBLIC_BASE_URL + link_a) in section and link_a.replace("&", "&amp;") in section
    assert f'href="{reverse("public_sv:complaint_lookup")}"' in section

    form = client.get(link_a)
    assert form.status_code == 200
    assert form.context["branch"] == county.branch_a and form.context["officer_name"] == ""
    assert county.branch_a.name in form.content.decode() and county.branch_b.name not in form.content.decode()


def test_the_page_uses_the_branch_boards_existing_code_and_makes_one_only_once(client, county):
    services.channels_ensure(scope=county.scope(county.aude))  # the QR cards page made the codes already
    token = board_token(county.branch_a)
    assert form_link(public_page(client, county.branch_a)).endswith(f"?branch={token}")

    ComplaintChannel.objects.filter(officer=None).delete()
    public_page(client, county.branch_a)
    public_page(client, county.branch_a)
    assert ComplaintChannel.objects.filter(branch=county.branch_a, officer=None).count() == 1
    assert board_token(county.branch_a) != token


def test_a_complaint_filed_through_the_page_goes_to_audit_not_to_the_branch(client, county):
    link = form_link(public_page(client, county.branch_a))
    response = client.post(link, {"kind": "complaint", "rating": "", "content": "网点办贷推诿拖延",
                                  "name": "王大妈", "phone": "13812345678"})
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.branch, complaint.officer, complaint.source) == (county.branch_a, None, Complaint.Source.PUBLIC)
    assert complaint.status == Complaint.Status.OPEN and complaint.due_on is not None   # escalated: a time limit
    detail = reverse("complaint_detail", args=[complaint.pk])

    client.force_login(county.aude)   # head-office audit handles it
    assert complaint.reference in client.get("/complaints/").content.decode()
    assert client.get(detail).status_code == 200
    for name in ("pat", "tina", "tom"):  # the branch's president, officer and teller never see it
        client.force_login(county[name])
        assert client.get("/complaints/").status_code == 404
        assert client.get(detail).status_code == 404


def test_the_commitments_board_prints_the_same_code(client, county, monkeypatch):
    from sunshine_credit.lib import pdf

    seen = {}
    render = pdf.render_pdf

    def spy(template, context, **kwargs):
        seen.update(context)
        return render(template, context, **kwargs)

    monkeypatch.setattr(pdf, "render_pdf", spy)
    client.force_login(county.pat)  # branch staff print their own boards
    data = client.get(reverse("disclosure_board_commitments", args=[county.branch_a.pk])).content
    path = f"{reverse('public_sv:complaint_form')}?branch={board_token(county.branch_a)}"
    assert seen["complaint_qr"] == qr_svg(settings.PUBLIC_BASE_URL + path)
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    assert " ".join(_("Scan to evaluate or complain").split()) in " ".join(text.split())

    seen.clear()
    client.get(reverse("disclosure_board_process", args=[county.branch_a.pk]))  # the other boards have no channels
    assert "complaint_qr" not in seen
