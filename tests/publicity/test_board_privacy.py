"""Issue 15 item 8 (PIPL, R5) on boards and objections: the bank's name in the board's title; under the QR code
a short printed address and the board's code for those who cannot scan (and the page that code opens); the
staff board page shows the public link; the objection forms say why they ask for a name and phone, who sees
them and how long they are kept (OBJECTION_CONTACT_RETENTION_DAYS)."""

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django_scopes import scopes_disabled

from publicity.rules import BOARD_CODE_LENGTH, board_code_display, new_board_code, normalise_board_code
from publicity.services import board_html
from tests.publicity.factories import make_notice_world
from tests.publicity.test_board_pdf import board  # noqa: F401  the printed board of 东岭村 (fixture)

RETENTION = re.compile(r'id="objection-privacy".*?(\d+)', re.S)


# --- the board's code, without a database ----------------------------------------------------------------
def test_a_board_code_is_short_unambiguous_and_typed_back_in_any_form():
    code = new_board_code()
    assert len(code) == BOARD_CODE_LENGTH and not set(code) & set("0O1IL")
    shown = board_code_display(code)
    assert shown == f"{code[:5]}-{code[5:]}"
    assert normalise_board_code(f" {shown.lower()} ") == code
    assert board_code_display("legacy_Token-abc") == "legacy_Token-abc"  # boards published before stay as they were


# --- the printed board ------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_board_names_the_bank_and_prints_an_address_and_code_under_the_qr(board):  # noqa: F811
    snapshot, flat = board.notice.snapshot, board.flat
    assert snapshot["bank"] == board.head_office.name and board.head_office.name
    assert snapshot["code"] == board_code_display(board.notice.public_token)
    assert snapshot["short_url"] == settings.PUBLIC_BASE_URL + "/public/b/"
    html = board_html(snapshot)
    assert re.search(r"<h1>\s*" + re.escape(board.head_office.name), html)
    assert re.sub(r"\s+", "", board.head_office.name) in flat
    assert snapshot["code"] in flat and snapshot["short_url"].split("//")[1] in flat


@pytest.mark.django_db
def test_the_staff_board_page_shows_the_public_link(client, board):  # noqa: F811
    client.force_login(board.tina)
    page = client.get(f"/publicity/notices/{board.notice.pk}/").content.decode()
    assert 'id="notice-public-link"' in page and board.notice.snapshot["public_url"] in page
    assert board.notice.snapshot["code"] in page
    client.logout()
    public = client.get(f"/public/n/{board.notice.public_token}/").content.decode()
    assert re.search(r"<h1[^>]*>\s*" + re.escape(board.head_office.name), public)  # the villager's page too


# --- the code page and the objection forms ---------------------------------------------------------------
@pytest.fixture
def notice_world(county):
    cache.clear()  # the public pages' rate limit
    world = make_notice_world(county)
    with scopes_disabled():
        world.notice.public_token = "7KQ4MXP2RA"
        world.notice.save(update_fields=["public_token"])
    return world


@pytest.mark.django_db
def test_the_board_code_opens_the_boards_objection_form(client, notice_world):
    assert client.get("/public/b/").status_code == 200
    response = client.post("/public/b/", {"code": "7kq4m-xp2ra"})
    assert response.status_code == 302 and response["Location"] == "/public/n/7KQ4MXP2RA/"
    response = client.post("/public/b/", {"code": "7KQ4M-XP2RB"})
    assert response.status_code == 200 and response.context["form"].errors["code"]


@pytest.mark.django_db
@override_settings(OBJECTION_CONTACT_RETENTION_DAYS=400)
def test_the_objection_forms_say_why_who_and_how_long(client, notice_world):
    public = client.get("/public/n/7KQ4MXP2RA/").content.decode()
    client.force_login(notice_world.tina)
    counter = client.get(f"/publicity/notices/{notice_world.notice.pk}/objections/new/").content.decode()
    for page in (public, counter):
        assert RETENTION.search(page).group(1) == "400"
