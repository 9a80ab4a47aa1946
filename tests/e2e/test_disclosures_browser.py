"""V3 in a real Chromium: a villager opens a branch's eight disclosures on a phone (no login); the page fits the
screen, the officers' photos load through their view (under the CSP), and only the branch's own officers show."""

import pytest
from django.core.files.base import ContentFile
from django_scopes import scopes_disabled

from supervision.demo.disclosures import TEXTS, _placeholder
from supervision.models import Disclosure, OfficerBoardProfile
from tests.county import build_county

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_villager_reads_the_disclosures_on_a_phone(live_server, phone, tmp_path):
    county = build_county()
    with scopes_disabled():
        for section, text in TEXTS.items():
            Disclosure.objects.create(head_office=county.head_office, branch=county.branch_a, section=section,
                                      text=text)
        profile = OfficerBoardProfile.objects.create(user=county.tina, head_office=county.head_office,
                                                     public_work_phone="0393-6211812", photo_type="image/png")
        profile.photo.save("p.png", ContentFile(_placeholder()), save=True)

    phone.goto(f"{live_server.url}/public/d/{county.branch_a.code}/")
    phone.screenshot(path=str(tmp_path / "disclosures-phone.png"), full_page=True)
    body = phone.inner_text("body")
    assert "Tina" in body and "东岭村" in body and "0393-6211812" in body and "Bob" not in body
    assert phone.locator("section[id^=public-]").count() == 8
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    assert phone.evaluate("[...document.images].every(img => img.complete && img.naturalWidth > 0)")
    assert phone.locator("img").count() == 1
