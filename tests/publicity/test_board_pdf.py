"""P1–P3 read as a villager reads the printed board: pdftotext and pdffonts on the archived PDF.

The board must show the title with the batch words, the village, the notice period, where to object,
every listed household's masked name and amount, the signature block and page numbers — and nothing of
P2's forbidden list: no ID number, no phone number, no respondent, no rating, no withhold reason.
"""

import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.utils import translation
from django_scopes import scopes_disabled

from appraisal.models import Decision, Panel, Rating
from households.models import Member
from publicity.models import Notice
from publicity.services import board_pdf, publish_precredit
from sunshine_credit.scoping import activate
from surveys.models import Respondent
from surveys.rules import WITHHOLD_REASONS
from tests.appraisal.factories import make_panel_world

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (make sysdeps) not installed")]

ID_NUMBER = re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15})(?!\d)")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture
def board(county, tmp_path, django_capture_on_commit_callbacks):
    """东岭村's board of 30 households (make_panel_world), one withheld and one without consent, published by tina and
    printed; adds the archived PDF (`path`), its text (`text`, and `flat` without whitespace), the notice and its
    items, the households by pk (`homes`) and every member's ID number (`ids`) to the county."""
    make_panel_world(county, households=30, status=Panel.Status.SIGNED)
    with scopes_disabled():
        branch = county.branch_a
        branch.address, branch.phone, branch.supervision_phone = "城关镇人民路88号", "0394-8123456", "0394-8765432"
        branch.save()
        Respondent.objects.create(village=county.v_a, code="R01", name="李评议", phone="13911112222")
        for i, home in enumerate(county.households):
            home.publicity_consent = i != 7
            home.save()
            status = "withheld" if i == 5 else "granted"
            Decision.objects.create(
                campaign=county.campaign, panel=county.panel, household=home, computed_status=status,
                status=status, amount=None if status == "withheld" else Decimal(30000 + 1000 * i),
                reasons={"2": 4} if status == "withheld" else {}, rating=Rating.AAA)
        county.homes = {h.pk: h for h in county.households}
        county.ids = list(Member.objects.filter(household__village=county.v_a).values_list("id_number", flat=True))
    scope = county.scope(county.tina)
    with activate(scope), django_capture_on_commit_callbacks(execute=True):
        notice = publish_precredit(scope=scope, actor=county.tina, panel_id=county.panel.pk)
    with scopes_disabled():
        county.notice = Notice.objects.get(pk=notice.pk)
        county.path = tmp_path / "board.pdf"
        county.path.write_bytes(county.notice.file.open("rb").read())
        county.items = list(county.notice.items.order_by("line_no"))
    county.text = subprocess.run(["pdftotext", str(county.path), "-"], capture_output=True, text=True,
                                 check=True).stdout
    county.flat = re.sub(r"\s+", "", county.text)
    return county


def test_the_board_shows_title_village_period_contact_and_every_item(board):
    notice, flat = board.notice, board.flat
    with translation.override("zh-hans"):
        assert "拟第一批授信" in flat
        assert re.sub(r"\s+", "", notice.title) in flat and notice.title.endswith("公示")
    assert board.v_a.name in flat
    assert notice.starts_on.isoformat() in flat and notice.ends_on.isoformat() in flat
    assert "城关镇人民路88号" in flat and "0394-8123456" in flat and "0394-8765432" in flat
    assert len(board.items) == 28  # 30 households, one withheld and one without consent
    for item in board.items:
        assert f"{item.line_no}{item.name}{item.amount:,.0f}" in flat, item.line_no
    assert board.g1.name in flat and board.g2.name in flat
    assert re.search(r"第1页，共\d+页", flat)  # page numbers
    assert "组长" in flat and "客户经理" in flat  # the signature block


def test_nothing_of_the_forbidden_list_is_printed(board):
    text, flat = board.text, board.flat
    assert not ID_NUMBER.search(flat) and not MOBILE.search(flat)
    assert not any(number in flat for number in board.ids)
    assert "李评议" not in flat and "R01" not in flat  # no respondent
    with translation.override("zh-hans"):
        assert not any(str(label) in text for label in Rating.labels)
    assert "AAA" not in flat
    assert not any(reason in flat for reason in WITHHOLD_REASONS.values())
    full_names = [m for m in re.findall(r"农户\d+", flat)]
    assert full_names == []  # names masked (张*三) by default
    withheld = board.households[5]
    assert withheld.code not in flat


def test_the_cjk_font_is_embedded_and_one_family_serves_the_page(board):
    fonts = subprocess.run(["pdffonts", str(board.path)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes yes yes " in row for row in rows), fonts
    families = {row.split()[0].split("+", 1)[-1].split("-Bold")[0] for row in rows}
    assert len(families) == 1, families  # html and @page name the same family: the margin boxes add none
    assert families & {"WenQuanYi-Micro-Hei", "NotoSansCJKsc-Regular", "NotoSansCJKsc", "NotoSansCJKSC-Regular"} or \
        any("CJK" in f or "WenQuanYi" in f for f in families)


def test_the_same_snapshot_renders_the_same_content(board):
    again, pages = board_pdf(board.notice.snapshot)
    with scopes_disabled():
        archived = board.notice.file.open("rb").read()
    assert again == archived and pages == board.notice.pages


def test_the_qr_code_opens_the_boards_public_form(board):
    notice = board.notice
    assert notice.snapshot["public_url"].endswith(f"/public/n/{notice.public_token}/")


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils not installed")
def test_a_page_renders_to_an_image(board, tmp_path):
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(board.path), str(tmp_path / "p")],
                   check=True)
    image = next(tmp_path.glob("p*.png"))
    shutil.copy(board.path, "/tmp/board-test.pdf")
    assert image.stat().st_size > 10_000
