"""V3 (issue 17 item 4): the eight disclosures (八公开) of each branch — kept by the head office's administrator
with a history of every change, a public page (no login) and three service-hall boards as PDFs."""

import io
import os
import re
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled
from PIL import Image

from credit_use.models import Authority
from credit_use.rules import time_limits
from sunshine_credit.errors import RuleViolation
from sunshine_credit.models import Role
from supervision.models import Disclosure, DisclosureVersion, OfficerBoardProfile, Section
from supervision.rules.disclosures import PHOTO_MAX_BYTES, clean_photo
from tests.factories import BranchFactory, HeadOfficeFactory, StaffFactory, VillageFactory


def edit_url(branch):
    return reverse("disclosure_edit", args=[branch.pk])


def post_section(client, branch, section, text, version=0):
    return client.post(edit_url(branch), {"section": section, f"{section}-text": text,
                                          f"{section}-version": version})


def png(size=(30, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(out, "PNG")
    return out.getvalue()


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return done.stdout.decode()


@pytest.fixture
def public_county(county):
    """Board data for both branches' officers; the officers' private phones are set to be looked for."""
    with scopes_disabled():
        for user, work, private in ((county.tina, "0393-6211812", "13912345678"),
                                    (county.bob, "0393-6355822", "13987654321")):
            user.staff_profile.phone = private
            user.staff_profile.save()
            OfficerBoardProfile.objects.create(user=user, head_office=county.head_office, public_work_phone=work)
    return county


# --- who edits ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["tina", "pat", "sue", "aude", "tom"])
def test_only_the_head_office_administrator_edits(client, county, name):
    client.force_login(county[name])
    assert client.get(edit_url(county.branch_a)).status_code == 403
    assert post_section(client, county.branch_a, Section.FEES, "不收费").status_code == 403
    with scopes_disabled():
        assert not Disclosure.objects.exists()


def test_the_administrator_edits_every_branch_of_their_head_office(client, county):
    client.force_login(county.ada)
    assert client.get(edit_url(county.branch_b)).status_code == 200
    assert post_section(client, county.branch_b, Section.FEES, "不收费").status_code == 302
    with scopes_disabled():
        assert Disclosure.objects.get(branch=county.branch_b, section=Section.FEES).text == "不收费"


def test_another_head_offices_administrator_gets_404(client, county):
    with scopes_disabled():
        other = HeadOfficeFactory(code="HQ2", name="别的银行")
        BranchFactory(head_office=other, code="OTH")
        admin = StaffFactory(head_office=other, branch=None, role=Role.ADMIN, user__username="ada2").user
    client.force_login(admin)
    assert client.get(edit_url(county.branch_a)).status_code == 404
    assert post_section(client, county.branch_a, Section.FEES, "x").status_code == 404
    assert client.get(reverse("disclosure_history", args=[county.branch_a.pk])).status_code == 404
    assert client.get(reverse("disclosure_officer_edit", args=[county.branch_a.pk, county.tina.pk])).status_code == 404
    with scopes_disabled():
        assert not Disclosure.objects.exists()


def test_the_officer_page_takes_only_an_officer_of_that_branch(client, county):
    client.force_login(county.ada)
    assert client.get(reverse("disclosure_officer_edit", args=[county.branch_a.pk, county.tina.pk])).status_code == 200
    # bob is branch B's officer, pat branch A's president: neither is an officer of branch A.
    assert client.get(reverse("disclosure_officer_edit", args=[county.branch_a.pk, county.bob.pk])).status_code == 404
    assert client.get(reverse("disclosure_officer_edit", args=[county.branch_a.pk, county.pat.pk])).status_code == 404


# --- history ------------------------------------------------------------------------------------------------


def test_every_change_leaves_a_version_with_the_previous_text(client, county):
    client.force_login(county.ada)
    post_section(client, county.branch_a, Section.PRICING, "第一版", version=0)
    post_section(client, county.branch_a, Section.PRICING, "第二版", version=1)
    post_section(client, county.branch_a, Section.PRICING, "第二版", version=2)  # unchanged: no version
    with scopes_disabled():
        versions = list(DisclosureVersion.objects.order_by("number").values_list("number", "previous_text", "text",
                                                                                  "changed_by"))
        row = Disclosure.objects.get()
    assert versions == [(1, "", "第一版", county.ada.pk), (2, "第一版", "第二版", county.ada.pk)]
    assert (row.text, row.version) == ("第二版", 2)

    client.force_login(county.sue)  # the supervisor reads the history
    page = client.get(reverse("disclosure_history", args=[county.branch_a.pk])).content.decode()
    assert page.count("第一版") == 2 and "第二版" in page and "Ada" in page


def test_a_stale_form_writes_nothing(client, county):
    client.force_login(county.ada)
    post_section(client, county.branch_a, Section.PRICING, "第一版", version=0)
    response = post_section(client, county.branch_a, Section.PRICING, "旧表单", version=0)
    assert response.status_code == 200
    with scopes_disabled():
        assert Disclosure.objects.get().text == "第一版"
        assert DisclosureVersion.objects.count() == 1


def test_the_history_page_queries_do_not_grow_with_the_changes(client, county, django_assert_num_queries):
    client.force_login(county.ada)
    post_section(client, county.branch_a, Section.PRICING, "第一版", version=0)
    url = reverse("disclosure_history", args=[county.branch_a.pk])
    client.get(url)
    with django_assert_num_queries(7):  # session, user with profile, the scope (4), the branch, versions with their people
        client.get(url)
    for version, section in enumerate([Section.PRICING, Section.FEES, Section.PRODUCTS], start=1):
        post_section(client, county.branch_a, section, f"改{version}", version=1 if section == Section.PRICING else 0)
    with django_assert_num_queries(7):
        page = client.get(url).content.decode()
    assert "改3" in page


def test_an_unknown_section_is_refused(county):
    from sunshine_credit.errors import Refusal
    from supervision.services.disclosures import disclosure_save

    with scopes_disabled(), pytest.raises(Refusal):
        disclosure_save(scope=county.scope(county.ada), actor=county.ada, branch=county.branch_a, section="bogus",
                        text="x", version=0)


def test_the_history_is_not_for_branch_staff(client, county):
    client.force_login(county.pat)
    assert client.get(reverse("disclosure_history", args=[county.branch_a.pk])).status_code == 403


# --- the public page ----------------------------------------------------------------------------------------


def public_url(branch):
    return reverse("public_sv:disclosure_public", args=[branch.code])


def test_the_public_page_shows_the_eight_sections_and_only_this_branchs_officers(client, public_county):
    county = public_county
    with scopes_disabled():
        Disclosure.objects.create(head_office=county.head_office, branch=county.branch_a, section=Section.FEES,
                                  text="办理信用贷款不收取任何费用")
        Disclosure.objects.create(head_office=county.head_office, branch=county.branch_b, section=Section.FEES,
                                  text="王庄的收费文字")
    response = client.get(public_url(county.branch_a))  # no login
    page = response.content.decode()
    assert response.status_code == 200
    assert len(re.findall(r'<section class="mb-4" id="public-', page)) == 8
    for key, _label in Section.choices:
        assert f'id="public-{key}"' in page
    assert "办理信用贷款不收取任何费用" in page and "王庄的收费文字" not in page
    assert "Tina" in page and "东岭村" in page and "南坡村" in page and "0393-6211812" in page
    assert "Bob" not in page and "西河村" not in page and "0393-6355822" not in page
    assert "13912345678" not in page and "1391" not in page  # the private phone, not even masked
    assert "Pat" not in page and "Ada" not in page  # only loan officers


def test_an_unknown_branch_code_is_404(client, county):
    assert client.get(reverse("public_sv:disclosure_public", args=["NOPE"])).status_code == 404


def test_the_public_page_queries_do_not_grow_with_the_officers(client, public_county, django_assert_num_queries):
    county = public_county
    client.get(public_url(county.branch_a))  # warm up (sessions, content types)
    with django_assert_num_queries(4):  # branch, texts, officers, their villages
        client.get(public_url(county.branch_a))
    with scopes_disabled():
        for n in range(3):
            officer = StaffFactory(head_office=county.head_office, branch=county.branch_a, role=Role.OFFICER,
                                   user__username=f"extra{n}").user
            VillageFactory(branch=county.branch_a, code=f"BRAVX{n}", name=f"新村{n}").officers.add(officer)
            OfficerBoardProfile.objects.create(user=officer, head_office=county.head_office)
    with django_assert_num_queries(4):
        page = client.get(public_url(county.branch_a)).content.decode()
    assert "新村2" in page


def test_the_commitments_come_from_the_u7_limits_and_the_settings(client, county, monkeypatch):
    def commitments():
        return {row.level: (row.amounts, row.days) for row in client.get(public_url(county.branch_a)).context["commitments"]}

    rows = commitments()
    assert {level: days for level, (_a, days) in rows.items()} == {
        "small_farm": 3, Authority.BRANCH: 5, Authority.COUNTY: 7, Authority.CITY: 15, Authority.CROSS_CITY: 30}
    assert "30" in rows[Authority.BRANCH][0] and "100" in rows[Authority.COUNTY][0]  # 30万, 100万 (the default)
    with override_settings(COUNTY_APPROVAL_AUTHORITY=800_000, CITY_APPROVAL_AUTHORITY=9_000_000):
        rows = commitments()
        assert "80" in rows[Authority.COUNTY][0] and "900" in rows[Authority.CROSS_CITY][0]
        assert "100" not in rows[Authority.COUNTY][0]
    monkeypatch.setitem(time_limits.LIMITS, Authority.COUNTY, 6)
    assert commitments()[Authority.COUNTY][1] == 6


# --- the boards ---------------------------------------------------------------------------------------------


def test_the_three_boards_are_pdfs_of_the_same_data(client, public_county):
    county = public_county
    client.force_login(county.ada)
    client.post(reverse("disclosure_officer_edit", args=[county.branch_a.pk, county.tina.pk]),
                {"public_work_phone": "0393-6211812", "version": 0,
                 "photo": SimpleUploadedFile("me.png", png(), content_type="image/png")})
    client.force_login(county.pat)  # branch staff print their own boards
    commitments = pdf_text(client.get(reverse("disclosure_board_commitments", args=[county.branch_a.pk])).content)
    for days in ("3", "5", "7", "15", "30"):
        assert re.search(rf"\b{days}\b", commitments)
    process = pdf_text(client.get(reverse("disclosure_board_process", args=[county.branch_a.pk])).content)
    assert all(f"{n}." in process for n in range(1, 7))
    officers = client.get(reverse("disclosure_board_officers", args=[county.branch_a.pk])).content
    text = pdf_text(officers)
    assert "Tina" in text and "东岭村" in text and "0393-6211812" in text and "Bob" not in text
    assert b"/Subtype /Image" in officers or b"/Subtype/Image" in officers  # the photo is embedded
    assert client.get(reverse("disclosure_board_officers", args=[county.branch_b.pk])).status_code == 404


# --- the officers' photos -----------------------------------------------------------------------------------


def officer_post(client, county, photo, phone="0393-6211812", version=0):
    return client.post(reverse("disclosure_officer_edit", args=[county.branch_a.pk, county.tina.pk]),
                       {"public_work_phone": phone, "version": version, "photo": photo})


def test_a_photo_that_is_not_a_picture_is_refused(client, county):
    client.force_login(county.ada)
    for photo in (SimpleUploadedFile("me.jpg", b"<html><script>alert(1)</script>", content_type="image/jpeg"),
                  SimpleUploadedFile("me.png", b"\x89PNG\r\n\x1a\n" + b"not really", content_type="image/png")):
        response = officer_post(client, county, photo)
        assert response.status_code == 200
        assert response.context["form"].errors["photo"] == [_("The photo must be a JPEG or PNG picture.")]
    with scopes_disabled():
        assert not OfficerBoardProfile.objects.exclude(photo="").exists()


def test_a_photo_over_the_size_cap_is_refused(client, county):
    out = io.BytesIO()
    Image.frombytes("RGB", (1000, 1000), os.urandom(3_000_000)).save(out, "PNG")  # noise: ~3 MB
    big = out.getvalue()
    assert len(big) > PHOTO_MAX_BYTES
    client.force_login(county.ada)
    response = officer_post(client, county, SimpleUploadedFile("me.png", big, content_type="image/png"))
    assert response.status_code == 200
    assert response.context["form"].errors["photo"] == [_("The photo is larger than %(mb)d MB.") % {"mb": 2}]
    with pytest.raises(RuleViolation):  # and the service refuses it whatever the form did
        clean_photo(big)
    assert clean_photo(png())[1] == "image/png"
    with scopes_disabled():
        assert not OfficerBoardProfile.objects.exclude(photo="").exists()


def test_a_photo_is_stored_under_a_random_name_and_served_by_its_token(client, county):
    client.force_login(county.ada)
    response = officer_post(client, county, SimpleUploadedFile("tina-private.png", png(), content_type="image/jpeg"))
    assert response.status_code == 302
    with scopes_disabled():
        profile = OfficerBoardProfile.objects.get(user=county.tina)
    assert "tina" not in profile.photo.name and profile.photo.name.startswith("officer-photos/")
    assert profile.photo_type == "image/png"  # sniffed, not the browser's word
    client.logout()
    served = client.get(reverse("public_sv:disclosure_photo", args=[profile.photo_token]))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")
    assert client.get(reverse("public_sv:disclosure_photo", args=["guess"])).status_code == 404
    with scopes_disabled():
        county.tina.is_active = False
        county.tina.save()
    assert client.get(reverse("public_sv:disclosure_photo", args=[profile.photo_token])).status_code == 404


def test_the_branch_list_shows_the_branches_of_the_scope(client, county):
    client.force_login(county.pat)
    page = client.get(reverse("disclosure_branch_list")).content.decode()
    assert reverse("disclosure_board_officers", args=[county.branch_a.pk]) in page
    assert reverse("disclosure_board_officers", args=[county.branch_b.pk]) not in page
    assert f'href="{edit_url(county.branch_a)}"' not in page  # the president does not edit
    client.force_login(county.ada)
    page = client.get(reverse("disclosure_branch_list")).content.decode()
    assert f'href="{edit_url(county.branch_a)}"' in page and f'href="{edit_url(county.branch_b)}"' in page


def test_the_public_page_is_rate_limited(client, county, settings):
    from django.core.cache import cache

    cache.clear()  # the other tests' visits count in the same window
    settings.PUBLIC_OBJECTIONS_PER_WINDOW = 1  # the page allows 20 times the objections' budget
    answers = [client.get(public_url(county.branch_a)).status_code for _n in range(21)]
    assert answers[:20] == [200] * 20 and answers[20] == 429


def test_the_boards_fetcher_lets_only_inlined_jpeg_and_png_through():
    import base64

    from sunshine_credit.lib.pdf import _no_fetcher

    fetcher = _no_fetcher(data_images=True)
    for url in ("http://127.0.0.1:1/photo.png", "file:///etc/passwd", "data:image/svg+xml;base64,PHN2Zz4=",
                "data:text/html;base64,PGI+"):
        with pytest.raises(ValueError, match="print templates load nothing"):
            fetcher.fetch(url)
    assert fetcher.fetch("data:image/png;base64," + base64.b64encode(png()).decode()) is not None
    with pytest.raises(ValueError):
        _no_fetcher().fetch("data:image/png;base64," + base64.b64encode(png()).decode())
