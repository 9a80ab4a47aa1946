"""G3: the village's register 《农户家庭授信贷款联保小组情况表》, read as printed with pdftotext: the branch and
village, every group's number, name, leader, members (code, head's name, line) and total, the outside-guarantee
agreement, the formation date, the status and flag, page numbers and the officer's signature line — and no ID or
phone number. Another branch's officer gets 404."""

import re
import shutil
import subprocess

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext
from django_scopes import scopes_disabled

from guarantee_groups.models import GuaranteeGroup
from households.models import Member

from .factories import make_group, make_group_world

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (make sysdeps) not installed")]

ID_NUMBER = re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15})(?!\d)")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture
def register(client, tmp_path, county):
    make_group_world(county)
    first = make_group(county, (0, 1, 2), leader=1, name="互助一组")
    second = make_group(county, (3, 4), leader=3, name="互助二组")
    with scopes_disabled():
        GuaranteeGroup.objects.filter(pk=second.pk).update(flagged=True, flag_reasons=["G1", "G2"],
                                                           allows_outside=False)
        ids = list(Member.objects.values_list("id_number", flat=True))
    client.force_login(county.tina)
    response = client.get(f"/groups/register/{county.v_a.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "register.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return {"groups": (first, second), "text": text, "flat": re.sub(r"\s+", "", text), "ids": ids,
            "path": path}


def test_the_register_shows_every_group_with_its_leader_members_and_totals(register, county):
    flat = register["flat"]
    assert county.v_a.name in flat and county.branch_a.name in flat
    assert "互助一组" in flat and "互助二组" in flat
    for i, home in enumerate(county.households):
        assert home.code in flat and f"农户{i + 1}" in flat
    assert "50,000.00" in flat and "100,000.00" in flat and "30,000.00" in flat  # lines and totals
    today = timezone.localdate().isoformat()
    assert flat.count(today) >= 2  # formed on (and printed on)
    assert "G1,G2" in flat  # the flag of the second group
    lines = register["text"].splitlines()
    first_row = next(line for line in lines if "互助一组" in line)
    assert re.match(r"\s*1\s", first_row) and "农户2" in first_row  # group no. 1, its leader 农户2
    assert any(re.match(r"\s*2\s", line) and "互助二组" in line and "农户4" in line for line in lines)


def test_page_numbers_and_the_signature_line_are_printed(register):
    flat = register["flat"]
    with translation.override(settings.LANGUAGE_CODE):  # the register is printed in the village's language
        footer = "".join([pgettext("page footer", "Page"), "1", pgettext("page footer", "of"), "1",
                          pgettext("page footer", "pages")])
        signature = gettext("Loan officer (signature)")
    assert re.sub(r"\s+", "", footer) in flat
    assert re.sub(r"\s+", "", signature) in flat


def test_no_id_or_phone_number_is_printed(register):
    flat = register["flat"]
    assert not ID_NUMBER.search(flat) and not MOBILE.search(flat)
    assert not any(number in flat for number in register["ids"])
    assert "13812345678" not in flat


def test_the_cjk_font_is_embedded(register):
    if not shutil.which("pdffonts"):
        pytest.skip("pdffonts not installed")
    fonts = subprocess.run(["pdffonts", str(register["path"])], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes yes " in row for row in rows), fonts


def test_another_branchs_officer_gets_404(client, register, county):
    client.force_login(county.bob)
    assert client.get(f"/groups/register/{county.v_a.pk}.pdf").status_code == 404
