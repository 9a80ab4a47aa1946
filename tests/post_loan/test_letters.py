"""C2/C3: the letters — when each is issued and to whom, idempotence, the batch PDF read back by its text
(pdftotext) and one page looked at (pdftoppm), the receipts (undelivered until signed), render_notices."""

import datetime
import subprocess
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_scopes import scopes_disabled

from post_loan.models import BranchLawyer, Letter
from post_loan.rules import letters as rules
from post_loan.services.letters import issue_due_letters
from sunshine_credit.lib.money import chinese_capitals
from sunshine_credit.models import GeneratedFile
from tests.post_loan.collection_world import DUE, make_collection_world, overdue_loan

D = datetime.date
ONE = datetime.timedelta(days=1)


@pytest.fixture
def world(county):
    return make_collection_world(county)


def letters(**filters):
    with scopes_disabled():
        return list(Letter.objects.filter(**filters).order_by("kind", "recipient_role", "recipient_id"))


# --- the rules ---------------------------------------------------------------------------------------------

def test_three_months_are_calendar_months_from_the_first_day_overdue():
    assert rules.first_day_overdue(DUE) == D(2027, 2, 1)
    assert rules.three_months_overdue_on(DUE) == D(2027, 5, 1)
    assert rules.lawyer_letter_on(DUE) == D(2027, 4, 24)
    assert rules.lawyer_deadline(D(2027, 4, 24)) == D(2027, 5, 1)
    # the month's last day when it has none: first day overdue 30 November → 28 February (29 in a leap year)
    assert rules.three_months_overdue_on(D(2026, 11, 29)) == D(2027, 2, 28)
    assert rules.three_months_overdue_on(D(2027, 11, 29)) == D(2028, 2, 29)


@pytest.mark.parametrize(("days_before", "due"), [(15, False), (14, True), (13, True), (1, True), (0, False)])
def test_the_maturity_notice_is_due_from_14_days_before(days_before, due):
    today = D(2027, 1, 10)
    assert rules.maturity_due(due_on=today + datetime.timedelta(days=days_before), today=today) is due


def test_capitals_live_in_the_money_module():
    assert chinese_capitals(Decimal("20325.50")) == "贰万零叁佰贰拾伍元伍角"
    assert chinese_capitals(Decimal("100000")) == "壹拾万元整"


# --- issuing -----------------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize(("days_before", "issued"), [(15, 0), (14, 1), (13, 1)])
def test_maturity_notice_at_14_days_and_caught_up_after(world, days_before, issued):
    loan = overdue_loan(world, 0, due_on=DUE)
    counts = issue_due_letters(today=DUE - datetime.timedelta(days=days_before))
    assert counts["maturity"] == issued
    made = letters(drawdown=loan, kind="maturity")
    assert len(made) == issued
    if issued:
        assert made[0].recipient_id == world.h[0].pk and made[0].recipient_role == "borrower"
        assert made[0].principal == Decimal(20000) and made[0].interest > 0


@pytest.mark.django_db
def test_overdue_notice_on_day_one_not_day_zero_to_borrower_and_each_named_guarantor(world):
    loan = overdue_loan(world, 3, guarantors=(1, 2))
    assert issue_due_letters(today=DUE)["overdue"] == 0  # the due date itself: not overdue yet
    counts = issue_due_letters(today=DUE + ONE)
    assert counts["overdue"] == 3
    made = letters(drawdown=loan, kind="overdue")
    assert {(m.recipient_id, m.recipient_role) for m in made} == {
        (world.h[3].pk, "borrower"), (world.h[1].pk, "guarantor"), (world.h[2].pk, "guarantor")}
    assert all(m.recipient_name for m in made)


@pytest.mark.django_db
def test_overdue_notice_goes_to_each_other_member_of_the_group(world):
    loan = overdue_loan(world, 0, group=True)
    issue_due_letters(today=DUE + ONE)
    made = letters(drawdown=loan, kind="overdue")
    assert {(m.recipient_id, m.recipient_role) for m in made} == {
        (world.h[0].pk, "borrower"), (world.h[1].pk, "member"), (world.h[2].pk, "member")}


@pytest.mark.django_db
def test_lawyers_letter_a_week_before_three_months_with_seven_days(world):
    loan = overdue_loan(world, 0)
    with scopes_disabled():
        BranchLawyer.objects.create(branch=world.branch_a, name="周律师", firm="河南正义律师事务所", phone="0371-7654321")
    issue_due_letters(today=D(2027, 4, 23))
    assert letters(drawdown=loan, kind="lawyer") == []
    issue_due_letters(today=D(2027, 4, 24))
    (lawyer,) = letters(drawdown=loan, kind="lawyer")
    assert lawyer.recipient_id == world.h[0].pk and lawyer.deadline == D(2027, 5, 1)
    assert "周律师" in lawyer.lawyer and "河南正义律师事务所" in lawyer.lawyer


@pytest.mark.django_db
def test_three_runs_issue_once_and_a_repaid_loan_gets_none(world):
    loan = overdue_loan(world, 3, guarantors=(1,))
    repaid = overdue_loan(world, 2, outstanding=0)
    for _ in range(3):
        issue_due_letters(today=DUE + ONE)
    assert len(letters(drawdown=loan)) == 2
    assert letters(drawdown=repaid) == []


@pytest.mark.django_db
def test_interest_is_frozen_from_the_interest_rules(world):
    loan = overdue_loan(world, 0)
    issue_due_letters(today=DUE + ONE)
    (letter,) = letters(drawdown=loan, kind="overdue")
    # 20,000 at 6.5 % from 2026-08-04 (disbursed) to maturity 2027-01-31, nothing paid: 180 days
    assert letter.interest == (Decimal(20000) * Decimal("0.065") * 180 / 360).quantize(Decimal("0.01"))


# --- the batch PDF -----------------------------------------------------------------------------------------

def words(msgid: str) -> str:
    """The msgid as the PDF prints it in the default language, spaces taken out (as from the text)."""
    with translation.override("zh-hans"):
        return "".join(gettext(msgid).split())


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "letters.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout


@pytest.mark.django_db(transaction=True)
def test_batch_pdf_names_everyone_with_figures_capitals_dates_and_branch(world, tmp_path):
    loan = overdue_loan(world, 3, guarantors=(1, 2))
    issue_due_letters(today=DUE + ONE)
    with scopes_disabled():
        item = GeneratedFile.objects.get(kind="post_loan_letters")
        assert item.status == GeneratedFile.Status.DONE, item.job.error
        assert item.created_by == world.tina
        assert all(m.file_id == item.pk for m in letters(drawdown=loan))
        content = item.file.read()
    text = pdf_text(content, tmp_path)
    flat = "".join(text.split())
    for home in (world.h[3], world.h[1], world.h[2]):
        assert home.representative.name in flat
    (letter, *_rest) = letters(drawdown=loan, kind="overdue")
    total = letter.principal + letter.interest
    assert "20,000.00" in flat and chinese_capitals(Decimal(20000)) in flat
    assert chinese_capitals(total) in flat and chinese_capitals(letter.interest) in flat
    assert "2027-01-31" in flat and "2027-02-01" in flat
    assert "城关支行" in flat and "0371-1234567" in flat and "城关镇人民路1号" in flat
    assert flat.count(words("Delivery receipt")) == 3  # each letter followed by its receipt
    assert flat.count(words("Notice of overdue loan")) >= 6  # each letter's title, and its receipt names it
    png = tmp_path / "page"
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "2", str(tmp_path / "letters.pdf"), str(png)],
                   check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 5000


@pytest.mark.django_db
def test_render_notices_writes_the_same_batch(world, tmp_path):
    overdue_loan(world, 0)
    issue_due_letters(today=DUE + ONE)
    out = tmp_path / "out.pdf"
    call_command("render_notices", world.v_a.code, "--kind", "overdue", "--date", "2027-02-01", "--out", str(out),
                 "--user", "tina")
    flat = "".join(pdf_text(out.read_bytes(), tmp_path).split())
    assert world.h[0].representative.name in flat and words("Notice of overdue loan") in flat


@pytest.mark.django_db
def test_render_notices_refuses_a_village_outside_the_users_scope(world, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises((CommandError, SystemExit)):
        call_command("render_notices", world.v_b.code, "--kind", "overdue", "--out", str(tmp_path / "x.pdf"),
                     "--user", "tina")



# --- receipts ----------------------------------------------------------------------------------------------

def png_bytes() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, format="PNG")
    return buffer.getvalue()


TODAY = timezone.localdate()
PAST_DUE = TODAY - datetime.timedelta(days=20)  # pages take today's date: loans due before it


def receipt_post(client, letter, **overrides):
    data = {"delivered_on": TODAY.isoformat(), "delivered_to": "王四明", "signed": "on", "version": letter.version,
            **overrides}
    return client.post(reverse("post_loan:letter_receipt", args=[letter.pk]), data)


def listed(client, **query) -> str:
    return client.get(reverse("post_loan:letter_list"), query).content.decode()


@pytest.mark.django_db
def test_a_letter_is_undelivered_until_its_signed_receipt_is_recorded(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    loan = overdue_loan(world, 3, guarantors=(1,), due_on=PAST_DUE)
    issue_due_letters(today=PAST_DUE + ONE)
    borrower, guarantor = (letters(drawdown=loan, recipient=h)[0] for h in (world.h[3], world.h[1]))
    world.login(client, world.tina)
    assert f'data-letter="{borrower.pk}"' in listed(client, delivery="undelivered")
    assert f'data-letter="{borrower.pk}"' not in listed(client, delivery="delivered")
    response = receipt_post(client, borrower, signed="", scan=SimpleUploadedFile("r.png", png_bytes()))
    assert response.status_code == 302, response.context["form"].errors
    assert f'data-letter="{borrower.pk}"' in listed(client, delivery="undelivered")  # delivered, not signed
    borrower = letters(pk=borrower.pk)[0]
    assert borrower.receipt_scan.name.endswith(".png") and "r.png" not in borrower.receipt_scan.name
    assert receipt_post(client, borrower).status_code == 302
    assert f'data-letter="{borrower.pk}"' in listed(client, delivery="delivered")
    assert f'data-letter="{guarantor.pk}"' in listed(client, delivery="undelivered", kind="overdue",
                                                      village=world.v_a.pk)
    assert client.get(reverse("post_loan:letter_scan", args=[borrower.pk])).status_code == 200


@pytest.mark.django_db
def test_a_receipt_with_a_fake_scan_a_stale_version_or_an_early_date_writes_nothing(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    loan = overdue_loan(world, 0, due_on=PAST_DUE)
    issue_due_letters(today=PAST_DUE + ONE)
    (letter,) = letters(drawdown=loan)
    world.login(client, world.tina)
    fake = SimpleUploadedFile("r.png", b"<html>not a scan</html>", content_type="image/png")
    for response in (receipt_post(client, letter, scan=fake), receipt_post(client, letter, version=letter.version + 1),
                     receipt_post(client, letter, delivered_on=PAST_DUE.isoformat())):
        assert response.status_code == 200 and response.context["form"].errors
    letter = letters(pk=letter.pk)[0]
    assert letter.delivered_on is None and not letter.receipt_signed and not letter.receipt_scan


@pytest.mark.django_db
def test_another_branchs_letter_is_404_and_a_president_records_no_receipt(client, world):
    loan = overdue_loan(world, 0, due_on=PAST_DUE)
    issue_due_letters(today=PAST_DUE + ONE)
    (letter,) = letters(drawdown=loan)
    for user in (world.bob, world.pat):
        world.login(client, user)
        assert receipt_post(client, letter).status_code == 404
    world.login(client, world.bob)
    assert f'data-letter="{letter.pk}"' not in listed(client)
    assert letters(pk=letter.pk)[0].delivered_on is None


@pytest.mark.django_db
def test_letter_list_queries_do_not_grow_with_the_letters(client, world, django_assert_max_num_queries):
    overdue_loan(world, 0, due_on=PAST_DUE)
    issue_due_letters(today=PAST_DUE + ONE)
    world.login(client, world.tina)
    with django_assert_max_num_queries(20) as few:
        listed(client)
    overdue_loan(world, 3, guarantors=(1, 2), due_on=PAST_DUE)
    overdue_loan(world, 1, due_on=PAST_DUE + ONE)
    issue_due_letters(today=PAST_DUE + ONE + ONE)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = listed(client)
    assert page.count("data-letter=") == 5


@pytest.mark.django_db(transaction=True)
def test_anyone_of_the_scope_prints_a_batch_again(client, world):
    overdue_loan(world, 0, due_on=PAST_DUE)
    issue_due_letters(today=PAST_DUE + ONE)
    world.login(client, world.pat)
    response = client.post(reverse("post_loan:letters_print"), {"village": world.v_a.pk, "kind": "overdue",
                                                                "issued_on": (PAST_DUE + ONE).isoformat()})
    with scopes_disabled():
        item = GeneratedFile.objects.filter(created_by=world.pat).get()
    assert response.status_code == 302 and item.status == GeneratedFile.Status.DONE
    world.login(client, world.bob)
    assert client.post(reverse("post_loan:letters_print"), {"village": world.v_a.pk, "kind": "overdue",
                                                            "issued_on": (PAST_DUE + ONE).isoformat()}).status_code == 404


@pytest.mark.django_db
def test_the_administrator_keeps_the_branchs_lawyer(client, world):
    world.login(client, world.ada)
    url = reverse("post_loan:lawyer_edit", args=[world.branch_a.pk])
    assert client.post(url, {"name": "周律师", "firm": "正义律师事务所", "phone": "", "version": 0}).status_code == 302
    with scopes_disabled():
        lawyer = BranchLawyer.objects.get(branch=world.branch_a)
    assert client.post(url, {"name": "吴律师", "firm": "正义律师事务所", "phone": "", "version": 0}).status_code == 200
    assert "周律师" in client.get(reverse("post_loan:lawyer_list")).content.decode()
    world.login(client, world.tina)
    assert client.get(url).status_code == 404
    assert lawyer.version == 1


# --- R6: what a scan must be ------------------------------------------------------------------------------

def test_a_scan_is_a_real_pdf_jpeg_or_png_within_the_limits(settings):
    from post_loan.rules.scans import ScanRefused, scan_kind

    assert scan_kind(png_bytes()) == "png"
    assert scan_kind(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n") == "pdf"
    for bad in (b"", b"GIF89a....", b"%PDF-1.4 cut off", b"\x89PNG\r\n\x1a\n" + b"\0" * 50):
        with pytest.raises(ScanRefused):
            scan_kind(bad)
    settings.POST_LOAN_SCAN_MAX_BYTES = 100
    with pytest.raises(ScanRefused):
        scan_kind(png_bytes() + b"\0" * 100)
    settings.POST_LOAN_SCAN_MAX_BYTES = 10 * 1024 * 1024
    settings.POST_LOAN_SCAN_MAX_PIXELS = 1000  # a 40 × 30 image has 1,200
    with pytest.raises(ScanRefused):
        scan_kind(png_bytes())
