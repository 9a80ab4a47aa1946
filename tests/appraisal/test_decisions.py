"""A7/L6: the summary and decisions of a closed round, the escalation above the branch's authority
(maker-checker, R2), the members' sign-off, the appraisal sheet, with their scope (R1) and R3."""

import json
import re
import shutil
import subprocess
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from appraisal.approvals import ESCALATION_KIND
from appraisal.models import Decision, DecisionStatus, Panel, SignOff
from appraisal.selectors import decisions_summary, panel_or_404
from appraisal.services import decisions as services_decisions
from appraisal.services import entry as services_entry
from appraisal.services import panels as services_panels
from appraisal.services.decisions import DecisionRefused
from appraisal.services.entry import EntryInput
from sunshine_credit.approvals import ApprovalRefused, approval_decide, approval_request
from sunshine_credit.errors import Stale
from sunshine_credit.lib.money import yuan
from sunshine_credit.models import Approval, GeneratedFile
from sunshine_credit.scoping import activate, scope_for_user
from tests.appraisal.factories import make_panel_world

pytestmark = pytest.mark.django_db


def enter(county, household, amounts, ratings=(1, 2, 2, 3, 1)):
    for reviewer, amount, rating in zip(county.reviewers, amounts, ratings, strict=False):
        values = EntryInput(amount=Decimal(amount), rating=rating) if amount else EntryInput(reasons=[2])
        services_entry.appraisal_save(actor=reviewer.user, panel_id=county.panel.pk,
                                      household_id=county.households[household].pk, values=values, version=0)


def close(county):
    with scopes_disabled():
        county.panel.refresh_from_db()
    services_panels.round_close(scope=scope_for_user(county.tina), actor=county.tina,
                                panel_id=county.panel.pk, version=county.panel.version)


def decision_of(county, household=0) -> Decision:
    with scopes_disabled():
        return Decision.objects.select_related("panel").get(household=county.households[household])


def url(county, tail=""):
    return f"/appraisal/panels/{county.panel.pk}/decisions/{tail}"


def about(code: str, message: str) -> str:
    """A refusal on the decisions page names its household."""
    return _("Household %(code)s: %(message)s") % {"code": code, "message": message}


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def county(county):
    """make_panel_world with four households: household 0 granted 52,000 (trimmed mean), 1 withheld, 2 granted
    150,000 (above the authority of 100,000), 3 to be removed by the pre-check (flag 5); the round closed.
    Tests of another stage (an open round, more households) call make_panel_world() on a county of their own."""
    make_panel_world(county, households=4)
    enter(county, 0, [30000, 50000, 52000, 55000, 90000])
    enter(county, 1, [30000, 0, 52000, 55000, 90000])
    enter(county, 2, [150000, 150000, 150000, 150000, 150000])
    enter(county, 3, [20000, 20000, 20000, 20000, 20000])
    close(county)
    with scopes_disabled():
        Decision.objects.filter(household=county.households[3]).update(precheck_flags=[5])
    return county


def set_decision(county, who=None, household=0, version=None, **values):
    user, decision = who or county.tina, decision_of(county, household)
    values = {"status": "granted", "amount": None, "reason": "", **values}
    return services_decisions.decision_set(scope=scope_for_user(user), actor=user, decision_id=decision.pk,
                                           version=decision.version if version is None else version, **values)


def decide(user, approval, approve=True, note=""):
    return approval_decide(scope=scope_for_user(user), actor=user, approval_id=approval.pk, approve=approve, note=note)


def escalation(county, status=Approval.Status.PENDING) -> Approval:
    with scopes_disabled():
        return Approval.objects.get(kind=ESCALATION_KIND, subject_id=decision_of(county, 2).pk, status=status)


# --- deciding ---------------------------------------------------------------------------------------------

def test_accept_the_computed_results_in_one_post(client, county):
    client.force_login(county.tina)
    response = client.post(url(county, "accept/"), follow=True)
    assert _("The computed results were accepted for every undecided household.") in messages_of(response)
    got = [(d.status, d.amount, d.escalation) for d in (decision_of(county, i) for i in range(4))]
    assert got == [("granted", Decimal(52000), ""), ("withheld", None, ""), ("granted", Decimal(150000), "pending"),
                   ("removed", None, "")]
    assert decision_of(county).decided_by == county.tina
    assert escalation(county).requested_by == county.tina


def test_changed_amount_needs_a_reason_and_accepts_wan(client, county):
    client.force_login(county.tina)
    decision = decision_of(county)
    data = {"status": "granted", "amount": "3万", "reason": "", "version": decision.version}
    response = client.post(url(county, f"{decision.pk}/"), data, follow=True)
    assert about("A-0001", _("Changing the computed amount needs a written reason.")) in messages_of(response)
    assert decision_of(county).status == "" and decision_of(county).version == decision.version
    response = client.post(url(county, f"{decision.pk}/"), {**data, "reason": "家庭负债较多"}, follow=True)
    assert _("The decision was saved.") in messages_of(response)
    saved = decision_of(county)
    assert (saved.status, saved.amount, saved.change_reason) == ("granted", Decimal(30000), "家庭负债较多")


def test_same_amount_needs_no_reason_and_a_status_change_does(county):
    set_decision(county, amount=Decimal(52000))
    needs_reason = _("Changing the computed amount needs a written reason.")
    with pytest.raises(DecisionRefused, match=re.escape(needs_reason)):
        set_decision(county, household=1, amount=Decimal(40000))
    status_reason = _("Changing the computed result needs a written reason.")
    with pytest.raises(DecisionRefused, match=re.escape(status_reason)):
        set_decision(county, household=1, status="ineligible")
    assert decision_of(county, 1).status == ""


def test_stale_decision_is_refused_and_nothing_written(client, county):
    client.force_login(county.tina)
    decision = decision_of(county)
    set_decision(county, who=county.ada, amount=Decimal(52000))
    data = {"status": "granted", "amount": "40000", "reason": "改", "version": decision.version}
    response = client.post(url(county, f"{decision.pk}/"), data, follow=True)
    assert about("A-0001", _("This decision was changed by someone else meanwhile. Reload the page.")) in messages_of(response)
    saved = decision_of(county)
    assert (saved.amount, saved.change_reason, saved.decided_by) == (Decimal(52000), "", county.ada)
    with pytest.raises(Stale):
        set_decision(county, version=decision.version, amount=Decimal(40000), reason="改")


def test_removed_household_can_only_be_removed(county):
    only_removed = _("The pre-check removes this household: it can only be decided as removed.")
    with pytest.raises(DecisionRefused, match=re.escape(only_removed)):
        set_decision(county, household=3, amount=Decimal(20000))
    with pytest.raises(DecisionRefused):
        set_decision(county, household=0, status="removed", reason="x")
    set_decision(county, household=3, status="removed")
    assert decision_of(county, 3).status == "removed"


def test_read_only_roles_do_not_decide(client, county):
    with pytest.raises(PermissionDenied):
        set_decision(county, who=county.sue, amount=Decimal(52000))
    client.force_login(county.pat)
    assert client.post(url(county, "accept/")).status_code == 404  # not an editable village
    assert decision_of(county).status == ""


# --- L6 escalation ----------------------------------------------------------------------------------------

def test_escalation_maker_checker(county):
    set_decision(county, who=county.ada, household=2, amount=Decimal(150000))  # an administrator is the maker
    approval = escalation(county)
    assert decision_of(county, 2).escalation == "pending" and approval.requested_by == county.ada
    maker = _("You made this request: another person must approve it (maker-checker).")
    with pytest.raises(ApprovalRefused, match=re.escape(maker)):
        decide(county.ada, approval)  # the maker, though of a deciding role
    for who in (county.tina, county.pat):  # officers and the branch are not the level above
        with pytest.raises(PermissionDenied):
            decide(who, approval)
    with pytest.raises(Approval.DoesNotExist):
        decide(county.bob, approval)  # outside his scope
    decide(county.sue, approval)
    assert decision_of(county, 2).escalation == "approved"
    with pytest.raises(ApprovalRefused):
        decide(county.sam, approval)  # decided already


def test_escalation_refusal_needs_a_note(county):
    set_decision(county, household=2, amount=Decimal(150000))
    approval = escalation(county)
    with pytest.raises(ApprovalRefused):
        decide(county.sue, approval, approve=False)
    assert decision_of(county, 2).escalation == "pending"
    decide(county.sue, approval, approve=False, note="超出还款能力")
    assert decision_of(county, 2).escalation == "rejected"


def test_second_pending_escalation_is_refused(county):
    set_decision(county, household=2, amount=Decimal(150000))
    decision, tina = decision_of(county, 2), county.tina
    with pytest.raises(ApprovalRefused):
        approval_request(scope=scope_for_user(tina), actor=tina, kind=ESCALATION_KIND, subject_id=decision.pk,
                         village_id=county.v_a.pk, title="again", reason="again")
    set_decision(county, household=2, amount=Decimal(150000))  # saved again unchanged: still one request
    with scopes_disabled():
        assert Approval.objects.filter(kind=ESCALATION_KIND).count() == 1


def test_changing_back_within_authority_withdraws_the_request(county):
    set_decision(county, household=2, amount=Decimal(150000))
    set_decision(county, household=2, amount=Decimal(100000), reason="限额内")
    withdrawn = escalation(county, status=Approval.Status.WITHDRAWN)
    assert withdrawn.decision_note == _("Withdrawn: the panel changed the decision.")
    assert withdrawn.decided_by is None  # nobody decided it: the subject changed
    assert decision_of(county, 2).escalation == ""
    set_decision(county, household=2, amount=Decimal(120000), reason="复议")  # a new amount: a new request
    assert "120,000" in escalation(county).title


# --- sign-off ---------------------------------------------------------------------------------------------

def test_sign_off_in_the_app_and_on_paper_then_frozen(client, county):
    seats = county.seats
    client.force_login(county.reviewers[0].user)
    sign = f"/appraisal/my/{county.panel.pk}/sign-off/"
    response = client.post(sign, follow=True)
    assert _("Every household must be decided before the members sign off.") in messages_of(response)
    services_decisions.decisions_accept_computed(scope=scope_for_user(county.tina), actor=county.tina,
                                                 panel_id=county.panel.pk)
    for reviewer in county.reviewers[:3]:
        client.force_login(reviewer.user)
        response = client.post(sign, {"confirmed": "1"}, follow=True)
        assert _("Thank you: your sign-off was recorded.") in messages_of(response)
    client.force_login(county.tina)
    page = client.get(f"/appraisal/panels/{county.panel.pk}/").content.decode()
    assert 'id="sign-off-progress"' in page and _("Record paper sign-off") in page
    for member in seats[3:]:
        client.post(f"/appraisal/panels/{county.panel.pk}/sign-off/paper/", {"member": member.pk, "confirmed": "1"})
    with scopes_disabled():
        panel = Panel.objects.get(pk=county.panel.pk)
        sign_offs = {s.member_id: s for s in SignOff.objects.all()}
    assert panel.status == Panel.Status.SIGNED and panel.signed_at is not None
    assert sign_offs[seats[0].pk].recorded_by == county.reviewers[0].user and not sign_offs[seats[0].pk].on_paper
    assert sign_offs[seats[4].pk].recorded_by == county.tina and sign_offs[seats[4].pk].on_paper
    frozen = _("The panel has signed off: its decisions no longer change.")
    with pytest.raises(DecisionRefused, match=re.escape(frozen)):
        set_decision(county, amount=Decimal(40000), reason="晚了")
    client.post(url(county, "accept/"))
    assert decision_of(county).amount == Decimal(52000)
    client.force_login(county.reviewers[0].user)
    seat_page = client.get(f"/appraisal/my/{county.panel.pk}/").content.decode()
    assert 'id="seat-signed"' in seat_page


def test_paper_sign_off_of_another_panels_member_is_404(client, county):
    services_decisions.decisions_accept_computed(scope=scope_for_user(county.tina), actor=county.tina,
                                                 panel_id=county.panel.pk)
    with scopes_disabled():
        other = county.panel_b.members.get()
    client.force_login(county.tina)
    paper = f"/appraisal/panels/{county.panel.pk}/sign-off/paper/"
    assert client.post(paper, {"member": other.pk, "confirmed": "1"}).status_code == 404
    assert client.post(paper, {"member": other.pk}).status_code == 404  # the confirmation page too
    client.force_login(county.bob)
    assert client.post(f"/appraisal/panels/{county.panel.pk}/sign-off/paper/",
                       {"member": county.seats[0].pk}).status_code == 404
    client.force_login(county.r_b.user)
    assert client.post(f"/appraisal/my/{county.panel.pk}/sign-off/").status_code == 404
    with scopes_disabled():
        assert not SignOff.objects.exists()


# --- the page and its scope ---------------------------------------------------------------------------------

def test_decisions_page_scope(client):
    county = make_panel_world(households=2)
    enter(county, 0, [30000, 50000, 52000, 55000, 87654])
    for who in (county.tina, county.sue):
        client.force_login(who)
        assert client.get(url(county)).status_code == 404  # A3: before the round is closed
    client.force_login(county.reviewers[0].user)
    assert client.get(f"/appraisal/my/{county.panel.pk}/decisions/").status_code == 404
    close(county)
    for who in (county.tina, county.pat, county.sue, county.ada):
        client.force_login(who)
        response = client.get(url(county))
        assert response.status_code == 200 and "87,654" in response.content.decode()
        assert ('id="accept-computed"' in response.content.decode()) == (who in (county.tina, county.ada))
    client.force_login(county.bob)
    assert client.get(url(county)).status_code == 404
    client.force_login(county.reviewers[0].user)
    assert client.get(url(county)).status_code == 404  # staff pages are not for reviewer logins
    page = client.get(f"/appraisal/my/{county.panel.pk}/decisions/")
    body = page.content.decode()
    assert page.status_code == 200 and "87,654" in body and "decision-form" not in body
    client.force_login(county.r_b.user)
    assert client.get(f"/appraisal/my/{county.panel.pk}/decisions/").status_code == 404
    assert client.get(url(county)).status_code == 404


@pytest.mark.parametrize("households", [3, 30])
def test_summary_reads_a_constant_number_of_queries(households):
    county = make_panel_world(households=households)
    enter(county, 0, [30000, 50000, 52000, 55000, 90000])
    close(county)
    scope = scope_for_user(county.tina)
    with activate(scope):
        panel = panel_or_404(scope, county.panel.pk)
    with activate(scope), CaptureQueriesContext(connection) as queries:
        summary = decisions_summary(panel)
        assert len(summary["rows"]) == households and summary["rows"][0]["entries"][4]["amount"] == Decimal(90000)
    assert len(queries) == 6


@pytest.mark.parametrize("households", [3, 30])
def test_page_reads_a_constant_number_of_queries(client, households, django_assert_max_num_queries):
    county = make_panel_world(households=households)
    close(county)
    client.force_login(county.tina)
    with django_assert_max_num_queries(16):
        assert client.get(url(county)).status_code == 200


# --- the appraisal sheet ------------------------------------------------------------------------------------

def pdf_text(content: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True,
                          check=True).stdout.decode()


def test_sheet_pdf_job(client, county, django_capture_on_commit_callbacks):
    services_decisions.decisions_accept_computed(scope=scope_for_user(county.tina), actor=county.tina,
                                                 panel_id=county.panel.pk)
    client.force_login(county.pat)  # a reader of the village may print it
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/appraisal/panels/{county.panel.pk}/sheet.pdf")
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'id="file-download"' in page.content.decode()
    opened = client.get(f"/files/{page.context['item'].pk}/open/")
    content = b"".join(opened.streaming_content)
    assert content.startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        text = pdf_text(content)
        assert _("Sunshine Credit household credit appraisal sheet") in text
        assert all(h.code in text for h in county.households)
        assert all(r.name in text for r in county.reviewers)
        assert "52,000" in text and "150,000" in text


def test_sheet_only_once_closed_and_in_scope(client, django_capture_on_commit_callbacks):
    county = make_panel_world(households=1)
    client.force_login(county.tina)
    assert client.post(f"/appraisal/panels/{county.panel.pk}/sheet.pdf").status_code == 404
    close(county)
    client.force_login(county.bob)
    assert client.post(f"/appraisal/panels/{county.panel.pk}/sheet.pdf").status_code == 404
    with scopes_disabled():
        assert not GeneratedFile.objects.exists()


def test_render_appraisal_sheet_command(county, tmp_path):
    out, stdout = tmp_path / "sheet.pdf", StringIO()
    call_command("render_appraisal_sheet", county.campaign.code, county.v_a.code, "--out", str(out), "--json",
                 stdout=stdout)
    result = json.loads(stdout.getvalue())
    assert result["ok"] and result["households"] == 4 and result["members"] == 5
    assert out.read_bytes().startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        assert county.households[0].code in pdf_text(out.read_bytes())


def test_render_appraisal_sheet_command_refuses_an_open_round(tmp_path):
    county = make_panel_world(households=1)
    stdout = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("render_appraisal_sheet", county.campaign.code, county.v_a.code, "--out",
                     str(tmp_path / "x.pdf"), "--json", stdout=stdout)
    assert exit_.value.code == 1 and json.loads(stdout.getvalue())["ok"] is False
    assert not (tmp_path / "x.pdf").exists()
    with pytest.raises(SystemExit) as exit_:
        call_command("render_appraisal_sheet", county.campaign.code, "NOPE", "--out", str(tmp_path / "x.pdf"),
                     "--json", stdout=StringIO())
    assert exit_.value.code == 2


def test_a_changed_decision_voids_earlier_sign_offs(client, county):
    services_decisions.decisions_accept_computed(scope=scope_for_user(county.tina), actor=county.tina,
                                                 panel_id=county.panel.pk)
    client.force_login(county.reviewers[0].user)
    client.post(f"/appraisal/my/{county.panel.pk}/sign-off/", {"confirmed": "1"})
    with scopes_disabled():
        assert SignOff.objects.count() == 1
    set_decision(county, amount=Decimal(52000))  # the same decision again: the sign-off stands
    with scopes_disabled():
        assert SignOff.objects.count() == 1
    set_decision(county, amount=Decimal(40000), reason="负债较多")
    with scopes_disabled():
        assert not SignOff.objects.exists()


def test_whoever_last_decided_the_amount_does_not_approve_it(county):
    """O3: an administrator who re-saved the escalated decision is one of its makers, though tina asked."""
    set_decision(county, household=2, amount=Decimal(150000))
    set_decision(county, who=county.ada, household=2, amount=Decimal(150000))
    approval = escalation(county)
    assert approval.requested_by == county.tina and decision_of(county, 2).decided_by == county.ada
    with pytest.raises(ApprovalRefused):
        decide(county.ada, approval)
    decide(county.sue, approval)
    assert decision_of(county, 2).escalation == "approved"


def test_signing_off_asks_first(client, county):
    """Issue 15 item 5: the seat's and the paper sign-off show what is confirmed (households, granted, total) and
    record nothing without confirmed=1."""
    services_decisions.decisions_accept_computed(scope=scope_for_user(county.tina), actor=county.tina,
                                                 panel_id=county.panel.pk)
    with scopes_disabled():
        decisions = list(Decision.objects.filter(panel=county.panel))
    granted = [d for d in decisions if d.status == DecisionStatus.GRANTED]
    expected = _("The decisions on %(households)d households are confirmed as shown in the summary: %(granted)d "
                 "proposed for credit, %(total)s yuan in all; %(others)d not.") % {
        "households": len(decisions), "granted": len(granted), "total": yuan(sum(d.amount for d in granted)),
        "others": len(decisions) - len(granted)}
    client.force_login(county.reviewers[0].user)
    page = client.post(f"/appraisal/my/{county.panel.pk}/sign-off/")
    assert page.status_code == 200 and escape(expected) in page.content.decode()
    client.force_login(county.tina)
    member = county.seats[4]
    page = client.post(f"/appraisal/panels/{county.panel.pk}/sign-off/paper/", {"member": member.pk})
    text = page.content.decode()
    assert escape(expected) in text and f'name="member" value="{member.pk}"' in text
    with scopes_disabled():
        assert not SignOff.objects.exists()
    client.post(f"/appraisal/panels/{county.panel.pk}/sign-off/paper/", {"member": member.pk, "confirmed": "1"})
    with scopes_disabled():
        assert SignOff.objects.get().member_id == member.pk


# --- issue 15 item 9: a refusal of one decision is shown in that household's row --------------------------------

def row_html(response, decision) -> str:
    body = response.content.decode()
    start = body.index(f'id="decision-{decision.pk}"')
    return body[start:body.index("</tr>", start)]


def test_a_refused_decision_is_shown_in_its_row_with_what_was_typed(client, county):
    client.force_login(county.tina)
    decision, other = decision_of(county), decision_of(county, 1)
    data = {"status": "granted", "amount": "3万", "reason": "", "version": decision.version}
    response = client.post(url(county, f"{decision.pk}/"), data)
    assert response.status_code == 400
    row = row_html(response, decision)
    needs_reason = _("Changing the computed amount needs a written reason.")
    assert f'id="decision-error-{decision.pk}"' in row and escape(needs_reason) in row
    assert 'value="3万"' in row and "<details class=\"mt-1\" open>" in row
    assert re.search(r'name="reason" class="[^"]*is-invalid', row)
    assert not re.search(r'name="amount" class="[^"]*is-invalid', row)
    assert "decision-error" not in row_html(response, other)          # only that household's row
    assert about("A-0001", needs_reason) in messages_of(response)       # and named at the top
    assert decision_of(county).version == decision.version


def test_a_stale_decision_is_shown_in_its_row_with_the_current_values(client, county):
    client.force_login(county.tina)
    decision = decision_of(county)
    set_decision(county, who=county.ada, amount=Decimal(52000))
    data = {"status": "granted", "amount": "40000", "reason": "改", "version": decision.version}
    response = client.post(url(county, f"{decision.pk}/"), data)
    assert response.status_code == 409
    row = row_html(response, decision)
    assert escape(_("This decision was changed by someone else meanwhile. Reload the page.")) in row
    assert 'value="52000"' in row and 'value="40000"' not in row       # the current values, not the stale ones
    assert f'name="version" value="{decision_of(county).version}"' in row


def test_an_invalid_decision_form_is_shown_in_its_row(client, county):
    client.force_login(county.tina)
    decision = decision_of(county)
    response = client.post(url(county, f"{decision.pk}/"), {"status": "granted", "amount": "abc", "reason": "",
                                                            "version": decision.version})
    assert response.status_code == 400
    row = row_html(response, decision)
    assert f'id="decision-error-{decision.pk}"' in row and 'value="abc"' in row
    assert re.search(r'name="amount" class="[^"]*is-invalid', row)
