"""Drawdown pages: the whole flow through the browser's requests (officer → president's inbox → teller), the
slip PDF, who sees which button, and scope: another branch's officer gets 404 on every page, GET and POST,
and nothing is written (R1)."""

import datetime
import shutil
import subprocess

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from credit_use.models import Drawdown
from households.rules import mask_id
from sunshine_credit.models import Approval
from tests.credit_use.factories_drawdowns import (
    ALL_DOCUMENTS,
    create,
    decide,
    disbursed,
    make_drawdown_world,
    pending_approval,
    reload,
    submit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(county):
    """The shared county with 东岭村's four households, their lines and group 1 (make_drawdown_world)."""
    return make_drawdown_world(county)


def form_data(**overrides) -> dict:
    today = timezone.localdate()
    data = {"amount": "1.2万", "purpose": "购买化肥", "applied_on": today.isoformat(),
            "due_on": (today + datetime.timedelta(days=150)).isoformat(), "annual_rate": "6.5",
            "guarantee": "group", "documents": list(ALL_DOCUMENTS), "small_farm": "on",
            "guarantors-TOTAL_FORMS": "3", "guarantors-INITIAL_FORMS": "0", "guarantors-MIN_NUM_FORMS": "0",
            "guarantors-MAX_NUM_FORMS": "5"}
    for i in range(3):
        data[f"guarantors-{i}-code"] = data[f"guarantors-{i}-amount"] = ""
    data.update(overrides)
    return data


def head_id(county, i=0) -> str:
    with scopes_disabled():
        return county.h[i].members.get(relation="户主").id_number


def test_the_whole_flow_through_the_pages(client, county):
    line = county.lines[0]
    client.force_login(county.tina)
    assert client.get(f"/lines/{line.pk}/drawdowns/new/").status_code == 200
    response = client.post(f"/lines/{line.pk}/drawdowns/new/", form_data())
    assert response.status_code == 302
    with scopes_disabled():
        drawdown = Drawdown.objects.get()
    assert drawdown.amount == 12000 and str(drawdown.annual_rate) == "0.0650" and drawdown.group == county.group
    detail = client.get(f"/lines/drawdowns/{drawdown.pk}/")
    page = detail.content.decode()
    assert detail.status_code == 200 and "no-store" in detail["Cache-Control"] and drawdown.number in page
    assert mask_id(head_id(county)) in page and head_id(county) not in page

    edit = client.post(f"/lines/drawdowns/{drawdown.pk}/edit/", form_data(amount="15000", version="1"))
    assert edit.status_code == 302 and reload(drawdown).amount == 15000
    assert client.get(f"/lines/drawdowns/{drawdown.pk}/submit/").status_code == 200
    sent = client.post(f"/lines/drawdowns/{drawdown.pk}/submit/", {"opinion": "情况属实，同意", "version": "2"})
    assert sent.status_code == 302 and reload(drawdown).status == Drawdown.Status.SUBMITTED

    client.force_login(county.pat)
    approval = pending_approval(drawdown)
    assert drawdown.number in client.get("/approvals/").content.decode()
    client.post(f"/approvals/{approval.pk}/decide/", {"decision": "approve"})
    assert reload(drawdown).status == Drawdown.Status.APPROVED

    client.force_login(county.tom)
    assert 'id="disburse-form"' in client.get(f"/lines/drawdowns/{drawdown.pk}/disburse/").content.decode()
    # Issue 15: the teller enters the settlement account and the core banking loan number; bad ones are shown
    # beside their fields and nothing is disbursed.
    refused = client.post(f"/lines/drawdowns/{drawdown.pk}/disburse/",
                          {"settlement_account": "6228-48", "core_loan_number": "x"})
    errors = refused.context["form"].errors
    assert refused.status_code == 200 and "settlement_account" in errors and "core_loan_number" in errors
    assert reload(drawdown).status == Drawdown.Status.APPROVED
    assert client.post(f"/lines/drawdowns/{drawdown.pk}/disburse/",
                       {"settlement_account": "6228 4800 1234 5678 901", "core_loan_number": "jk2026-000123",
                        "confirmed": "1"}).status_code == 302
    done = reload(drawdown)
    assert done.status == Drawdown.Status.DISBURSED and done.loan_number
    assert (done.settlement_account, done.core_loan_number) == ("6228480012345678901", "JK2026-000123")
    assert client.get(f"/lines/drawdowns/{drawdown.pk}/").context["available"] == 50000 - 15000  # U1 on the page

    client.force_login(county.tina)
    check = client.post(f"/lines/drawdowns/{drawdown.pk}/post-loan-check/",
                        {"checked_on": timezone.localdate().isoformat(), "note": "已检查，资金用途正常"})
    assert check.status_code == 302 and reload(drawdown).post_loan_checked_on == timezone.localdate()


def test_bad_input_names_the_field_and_writes_nothing(client, county):
    client.force_login(county.tina)
    today = timezone.localdate()
    response = client.post(f"/lines/{county.lines[0].pk}/drawdowns/new/",
                           form_data(due_on=(today + datetime.timedelta(days=400)).isoformat(), amount="9万"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "due_on" in errors and "amount" in errors
    with scopes_disabled():
        assert Drawdown.objects.count() == 0


def test_submit_page_lists_what_is_missing(client, county):
    drawdown = create(county, 0, documents=("borrower_id",))
    client.force_login(county.tina)
    response = client.get(f"/lines/drawdowns/{drawdown.pk}/submit/")
    assert [p.code for p in response.context["problems"]] == ["U4"]
    response = client.post(f"/lines/drawdowns/{drawdown.pk}/submit/", {"opinion": "同意", "version": "1"})
    assert response.status_code == 200 and response.context["form"].errors
    assert reload(drawdown).status == Drawdown.Status.DRAFT


DISBURSE_DATA = {"settlement_account": "6228480012345678901", "core_loan_number": "JK2026-000123"}


def test_officer_and_president_cannot_disburse_through_the_page(client, county):
    drawdown = create(county, 0)
    submit(county, drawdown)
    decide(county, drawdown)
    for user in ("tina", "pat"):
        client.force_login(county[user])
        assert 'id="teller-only"' in client.get(f"/lines/drawdowns/{drawdown.pk}/disburse/").content.decode()
        client.post(f"/lines/drawdowns/{drawdown.pk}/disburse/", DISBURSE_DATA)
        assert reload(drawdown).status == Drawdown.Status.APPROVED


def test_teller_cannot_disburse_a_submitted_drawdown_through_the_page(client, county):
    drawdown = create(county, 0)
    submit(county, drawdown)
    client.force_login(county.tom)
    response = client.post(f"/lines/drawdowns/{drawdown.pk}/disburse/", DISBURSE_DATA)
    assert reload(drawdown).status == Drawdown.Status.SUBMITTED and reload(drawdown).loan_number == ""
    assert response.context["form"].non_field_errors()  # the drawdown's state: above the form


def test_slip_pdf_has_the_loan_number_and_the_capitals_and_no_full_id(client, county):
    drawdown = disbursed(county, 0)  # 20,000 元
    client.force_login(county.tom)
    response = client.get(f"/lines/drawdowns/{drawdown.pk}/slip.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext not installed")
    text = subprocess.run(["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True).stdout
    flat = "".join(text.decode().split())
    assert drawdown.loan_number in flat and "贰万元整" in flat and "20,000.00" in flat
    assert mask_id(head_id(county)) in flat and head_id(county) not in flat
    assert "王一明" in flat and county.tom.first_name in flat and county.pat.first_name in flat
    # Issue 15: the core banking loan number, and the settlement account masked (first 6 + last 4).
    assert f"CORE-{drawdown.pk:08d}" in flat and "622848*********8901" in flat and "6228480012345678901" not in flat


def test_no_slip_before_approval(client, county):
    drawdown = create(county, 0)
    client.force_login(county.tina)
    assert client.get(f"/lines/drawdowns/{drawdown.pk}/slip.pdf").status_code == 404


def test_list_shows_the_scope_only(client, county):
    mine = create(county, 0)
    client.force_login(county.tina)
    assert [d.pk for d in client.get("/lines/drawdowns/").context["page"].object_list] == [mine.pk]
    client.force_login(county.bob)
    response = client.get("/lines/drawdowns/")
    assert response.status_code == 200 and list(response.context["page"].object_list) == []
    assert mine.number not in response.content.decode()


def test_another_branch_gets_404_on_every_page_and_nothing_is_written(client, county):
    drawdowns = [create(county, 0), create(county, 3), disbursed(county, 3)]  # a draft, a submitted, a disbursed one
    submit(county, drawdowns[1])
    with scopes_disabled():
        before = list(Drawdown.objects.order_by("pk").values_list("pk", "version", "status", "loan_number",
                                                                   "post_loan_checked_on"))
        approvals = Approval.objects.count()
    writes = [f"/lines/{county.lines[0].pk}/drawdowns/new/"]
    writes += [f"/lines/drawdowns/{d.pk}/{action}/" for d in drawdowns
               for action in ("edit", "submit", "disburse", "post-loan-check")]
    reads = [f"/lines/drawdowns/{d.pk}/{page}" for d in drawdowns for page in ("", "slip.pdf")]
    posted = {**form_data(), "opinion": "同意", "version": "1", "checked_on": timezone.localdate().isoformat(),
              "note": "已检查"}
    client.force_login(county.bob)
    for url in writes + reads:
        assert client.get(url).status_code == 404, url
    for url in writes:
        assert client.post(url, posted).status_code == 404, url
    for url in reads:  # read-only pages answer POST with 405 before anything is looked up
        assert client.post(url, posted).status_code == 405, url
    with scopes_disabled():
        assert list(Drawdown.objects.order_by("pk").values_list("pk", "version", "status", "loan_number",
                                                                 "post_loan_checked_on")) == before
        assert Approval.objects.count() == approvals


def test_service_refusals_show_beside_their_field_and_guarantor_ones_beside_the_rows(client, county):
    """Issue 15: a broken rule of the service (U1 amount, U3 guarantors) is shown where the input was."""
    client.force_login(county.tina)
    response = client.post(f"/lines/{county.lines[0].pk}/drawdowns/new/", form_data(amount="999999"))
    assert response.status_code == 200 and response.context["form"].errors.get("amount")
    assert not response.context["form"].non_field_errors()
    data = form_data(guarantee="guarantors")
    data["guarantors-0-code"] = "NO-SUCH-HOUSEHOLD"
    response = client.post(f"/lines/{county.lines[0].pk}/drawdowns/new/", data)
    assert response.status_code == 200 and not response.context["form"].non_field_errors()
    assert any("NO-SUCH-HOUSEHOLD" in e for e in response.context["guarantor_errors"])
    page = response.content.decode()
    assert page.index('id="guarantor-rows"') < page.index("NO-SUCH-HOUSEHOLD") and 'id="form-errors"' not in page
    with scopes_disabled():
        assert Drawdown.objects.count() == 0


def test_disbursing_asks_first_with_amount_borrower_and_account(client, county):
    """Issue 15 item 5: valid values show a confirmation page (amount, masked borrower ID, normalised account and
    loan number) and disburse nothing; its button (confirmed=1, the same values) disburses."""
    drawdown = create(county, 0)
    submit(county, drawdown)
    decide(county, drawdown)
    client.force_login(county.tom)
    page = client.post(f"/lines/drawdowns/{drawdown.pk}/disburse/",
                       {"settlement_account": "6228 4800 1234 5678 901", "core_loan_number": "jk2026-000123"})
    text = page.content.decode()
    assert page.status_code == 200 and 'id="confirm-summary"' in text
    assert f"{reload(drawdown).amount:,.2f}" in text and mask_id(head_id(county)) in text
    assert head_id(county) not in text
    assert 'name="settlement_account" value="6228480012345678901"' in text
    assert 'name="core_loan_number" value="JK2026-000123"' in text and 'name="confirmed" value="1"' in text
    assert reload(drawdown).status == Drawdown.Status.APPROVED and reload(drawdown).loan_number == ""
    done = client.post(f"/lines/drawdowns/{drawdown.pk}/disburse/", {**DISBURSE_DATA, "confirmed": "1"})
    assert done.status_code == 302 and reload(drawdown).status == Drawdown.Status.DISBURSED
