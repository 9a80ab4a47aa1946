"""A6: the pre-check (数据核查) — rules per flag, the service run by closing the round, the override's
maker-checker (R2), the pages with their scope (R1), evidence masking (R5) and the referral export (R7)."""

import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from appraisal import rules
from appraisal.models import Decision, Panel, PreCheckFlag, PreCheckHit
from appraisal.services import entry as services_entry
from appraisal.services import panels as services_panels
from appraisal.services import precheck as services_precheck
from appraisal.services.entry import EntryInput
from households.models import ExistingLoan
from households.rules import mask_id
from sunshine_credit.approvals import ApprovalRefused, approval_decide
from sunshine_credit.models import Approval
from sunshine_credit.scoping import scope_for_user
from tests.appraisal.factories import make_panel_world
from tests.commands import run_json
from tests.factories import BlacklistEntryFactory, ExistingLoanFactory

pytestmark = pytest.mark.django_db

D = Decimal


# --- the rules, one household at a time (no database needed) ------------------------------------------------

def loan(**kwargs) -> rules.Loan:
    values = {"member_name": "张三", "id_number": "410902199001011234", "loan_number": "L1", "amount": D("50000"),
              "balance": D("20000"), "classification": "正常", **kwargs}
    return rules.Loan(**values)


def flags(facts: rules.Facts) -> list[int]:
    return [hit.flag for hit in rules.precheck_hits(facts)]


LISTED = {"on_list": True, "computed_amount": D("60000")}
CASES = [  # (flag, facts that hit, facts that do not)
    (1, rules.Facts(loans=(loan(),)), rules.Facts(loans=(loan(),), **LISTED)),
    (1, rules.Facts(loans=(loan(),)), rules.Facts(loans=(loan(balance=D(0)),))),
    (1, rules.Facts(loans=(loan(),)), rules.Facts(loans=(loan(as_guarantor=True),))),
    (2, rules.Facts(loans=(loan(), loan(loan_number="L2")), **LISTED), rules.Facts(loans=(loan(),), **LISTED)),
    (2, rules.Facts(loans=(loan(amount=D("60000.01")),), **LISTED),
     rules.Facts(loans=(loan(amount=D("60000")),), **LISTED)),
    (3, rules.Facts(loans=(loan(classification="次级"),)), rules.Facts(loans=(loan(classification="关注"),))),
    (3, rules.Facts(loans=(loan(classification="逾期"),)),
     rules.Facts(loans=(loan(classification="损失", balance=D(0)),))),
    (4, rules.Facts(loans=(loan(repaid_by_guarantor=True, balance=D(0)),)), rules.Facts(loans=(loan(),))),
    (5, rules.Facts(loans=(loan(written_off=True, balance=D(0)),)), rules.Facts(loans=(loan(),))),
    (6, rules.Facts(loans=(loan(as_guarantor=True, guarantee_defaulted=True),)),
     rules.Facts(loans=(loan(as_guarantor=True),))),
    (7, rules.Facts(loans=(loan(recovered_by_lawsuit=True, balance=D(0)),)), rules.Facts(loans=(loan(),))),
    (8, rules.Facts(blacklist=(rules.BlacklistHit("李四", "410902198001015678", "恶意逃废债", "法院"),)),
     rules.Facts()),
]


@pytest.mark.parametrize(("flag", "hit", "miss"), CASES)
def test_rule_hits_and_misses(flag, hit, miss):
    assert flag in flags(hit)
    assert flag not in flags(miss)


def test_rule_evidence_is_masked_and_json_ready():
    facts = rules.Facts(loans=(loan(classification="可疑"),),
                           blacklist=(rules.BlacklistHit("李四", "410902198001015678", "恶意逃废债", "法院"),))
    hits = {hit.flag: hit for hit in rules.precheck_hits(facts)}
    assert hits[3].evidence == ({"loan_number": "L1", "member": "张三", "id_masked": "410902********1234",
                                 "amount": "50000", "balance": "20000", "classification": "可疑"},)
    assert hits[8].evidence[0]["id_masked"] == "410902********5678" and hits[8].evidence[0]["source"] == "法院"
    text = json.dumps([h.evidence for h in hits.values()], ensure_ascii=False)
    assert "410902199001011234" not in text and "410902198001015678" not in text


def test_only_hits_3_to_8_remove():
    assert not rules.precheck_removes([1, 2])
    for flag in range(3, 9):
        assert rules.precheck_removes([1, flag])


# --- the service, run by closing the round ------------------------------------------------------------------

@pytest.fixture
def county(county):
    """make_panel_world: an open round over three households of 东岭村."""
    return make_panel_world(county)


def enter_granted(county, household=0):
    """Five reviewers give 30,000–90,000: granted at 52,000 (trimmed mean, rounded down)."""
    home = county.households[household]
    for reviewer, amount in zip(county.reviewers, [30000, 50000, 52000, 55000, 90000], strict=True):
        services_entry.appraisal_save(actor=reviewer.user, panel_id=county.panel.pk, household_id=home.pk,
                                      values=EntryInput(amount=D(amount), rating=2), version=0)


def add_loan(county, household=0, **kwargs):
    with scopes_disabled():
        return ExistingLoanFactory(member=county.households[household].representative, **kwargs)


def close(county):
    panel = county.panel
    with scopes_disabled():
        panel.refresh_from_db()
    return services_panels.round_close(scope=scope_for_user(county.tina), actor=county.tina,
                                       panel_id=panel.pk, version=panel.version)


def decision_of(county, household=0) -> Decision:
    with scopes_disabled():
        return Decision.objects.get(campaign=county.campaign, household=county.households[household])


def test_closing_the_round_flags_every_household(county):
    enter_granted(county, 0)
    add_loan(county, 0, amount=60000, balance=30000)                          # 2: above 52,000
    add_loan(county, 1, classification="次级", balance=1000)                   # 1 and 3
    add_loan(county, 2, classification="次级", balance=0, written_off=True)    # 5 only
    close(county)
    assert decision_of(county, 0).precheck_flags == [2]
    assert decision_of(county, 1).precheck_flags == [1, 3]
    assert decision_of(county, 2).precheck_flags == [5]
    assert not decision_of(county, 0).removed_by_precheck
    assert decision_of(county, 1).removed_by_precheck and decision_of(county, 2).removed_by_precheck
    with scopes_disabled():
        assert PreCheckHit.objects.filter(campaign=county.campaign).count() == 4


def test_each_loan_flag_through_the_service(county):
    with scopes_disabled():
        extra = [county.household(county.v_a) for _i in range(3)]
        services_panels.round_households_record(county.panel)  # there when the round opened (issue 15)
    county.households += extra
    add_loan(county, 0, repaid_by_guarantor=True, balance=0)
    add_loan(county, 1, as_guarantor=True, guarantee_defaulted=True)
    add_loan(county, 2, recovered_by_lawsuit=True, balance=0)
    add_loan(county, 3, as_guarantor=True)            # honoured guarantee, not a borrowing: nothing
    add_loan(county, 4, balance=0)                    # repaid normally: nothing
    close(county)
    assert [decision_of(county, i).precheck_flags for i in range(6)] == [[4], [6], [7], [], [], []]


def test_blacklist_by_id_number_of_any_member(county):
    home = county.households[0]
    with scopes_disabled():
        number = home.representative.id_number
        BlacklistEntryFactory(head_office=county.campaign.head_office, id_number=number, source="县法院")
        BlacklistEntryFactory(head_office=county.campaign.head_office, active=False,
                              id_number=county.households[1].representative.id_number)
    close(county)
    assert decision_of(county, 0).precheck_flags == [8]
    assert decision_of(county, 1).precheck_flags == []
    with scopes_disabled():
        hit = PreCheckHit.objects.get(household=home, flag=8)
    assert hit.evidence == [{"member": home.representative.name, "id_masked": mask_id(number),
                             "reason": "恶意逃废债", "source": "县法院"}]
    assert number not in json.dumps(hit.evidence)


def test_rerun_after_loan_data_changed_reopens_a_granted_decision(county):
    enter_granted(county, 0)
    close(county)
    with scopes_disabled():
        Decision.objects.filter(pk=decision_of(county).pk).update(status="granted", amount=52000)
    add_loan(county, 0, written_off=True, balance=0)
    result = services_precheck.precheck_run(scope=scope_for_user(county.tina), actor=county.tina,
                                            panel_id=county.panel.pk)
    assert result["flagged"] == 1 and result["counts"] == {5: 1}
    decision = decision_of(county)
    assert decision.precheck_flags == [5] and decision.status == ""
    with pytest.raises(PermissionDenied):
        services_precheck.precheck_run(scope=scope_for_user(county.sue), actor=county.sue,
                                       panel_id=county.panel.pk)
    with scopes_disabled():
        Panel.objects.filter(pk=county.panel.pk).update(status=Panel.Status.SIGNED)
    with pytest.raises(services_precheck.PrecheckRefused):
        services_precheck.precheck_run(scope=scope_for_user(county.tina), actor=county.tina,
                                       panel_id=county.panel.pk)


# --- the override: maker-checker (R2) -------------------------------------------------------------------------

def request_override(county, who=None, household=0, reason="贷款已于上月结清，核销系误录"):
    user = who or county.tina
    return services_precheck.precheck_override_request(scope=scope_for_user(user), actor=user,
                                                       decision_id=decision_of(county, household).pk, reason=reason)


def decide(user, approval, approve=True, note=""):
    return approval_decide(scope=scope_for_user(user), actor=user, approval_id=approval.pk, approve=approve, note=note)


@pytest.fixture
def removed(county):
    """A-0001 written off (flag 5): closing the round removes it, and the panel decided it as removed."""
    add_loan(county, 0, written_off=True, balance=0)
    close(county)
    with scopes_disabled():
        Decision.objects.filter(pk=decision_of(county).pk).update(status="removed")
    return county


@pytest.mark.usefixtures("removed")
def test_supervisor_approval_lifts_the_removal(county):
    approval = request_override(county)
    decide(county.sue, approval)
    decision = decision_of(county)
    assert decision.override_approved and not decision.removed_by_precheck
    assert decision.status == ""  # the panel decides again


@pytest.mark.usefixtures("removed")
def test_refusal_keeps_the_removal(county):
    approval = request_override(county)
    decide(county.sam, approval, approve=False, note="理由不充分")
    decision = decision_of(county)
    assert not decision.override_approved and decision.removed_by_precheck and decision.status == "removed"


@pytest.mark.usefixtures("removed")
def test_the_requester_never_approves_their_own_request(county):
    approval = request_override(county, who=county.ada)
    with pytest.raises(ApprovalRefused):
        decide(county.ada, approval)
    assert not decision_of(county).override_approved


@pytest.mark.usefixtures("removed")
def test_an_officer_cannot_approve(county):
    approval = request_override(county, who=county.ada)
    with pytest.raises(PermissionDenied):
        decide(county.tina, approval)
    assert not decision_of(county).override_approved


@pytest.mark.usefixtures("removed")
def test_a_second_pending_request_is_refused(county):
    request_override(county)
    with pytest.raises(ApprovalRefused):
        request_override(county, who=county.ada)
    with scopes_disabled():
        assert Approval.objects.filter(kind="precheck_override").count() == 1


@pytest.mark.usefixtures("removed")
def test_override_refused_without_a_removal_or_after_sign_off(county):
    add_loan(county, 1)  # flag 1 only: nothing to override
    services_precheck.precheck_run(scope=scope_for_user(county.tina), actor=county.tina,
                                   panel_id=county.panel.pk)
    with pytest.raises(services_precheck.PrecheckRefused):
        request_override(county, household=1)
    with pytest.raises(PermissionDenied):
        request_override(county, who=county.sue)
    with scopes_disabled():
        Panel.objects.filter(pk=county.panel.pk).update(status=Panel.Status.SIGNED)
    with pytest.raises(services_precheck.PrecheckRefused):
        request_override(county)
    with scopes_disabled():
        assert not Approval.objects.exists()


# --- pages ------------------------------------------------------------------------------------------------------

def list_url(county):
    return reverse("appraisal:precheck_list", args=[county.panel.pk])


def test_list_page_404_before_the_round_is_closed(client, county):
    client.force_login(county.tina)
    assert client.get(list_url(county)).status_code == 404


@pytest.mark.usefixtures("removed")
def test_list_page_shows_flags_with_masked_evidence_and_states(client, county):
    number = county.households[0].representative.id_number
    client.force_login(county.tina)
    response = client.get(list_url(county))
    page = response.content.decode()
    assert response.status_code == 200
    assert str(PreCheckFlag.WRITTEN_OFF.label) in page and mask_id(number) in page and number not in page
    assert _("Removed by the pre-check") in page and _("Request an override") in page
    response = client.post(reverse("appraisal:precheck_override", args=[county.panel.pk, decision_of(county).pk]),
                           {"reason": "核销系误录"}, follow=True)
    assert _("Override waiting for approval") in response.content.decode()
    with scopes_disabled():
        approval = Approval.objects.get(kind="precheck_override")
    decide(county.sue, approval)
    assert _("Removal overridden") in client.get(list_url(county)).content.decode()
    client.force_login(county.sue)  # a supervisor reads, and has no request form
    page = client.get(list_url(county)).content.decode()
    assert _("Removal overridden") in page and _("Request an override") not in page


@pytest.mark.usefixtures("removed")
def test_officer_of_another_branch_gets_404_and_writes_nothing(client, county):
    client.force_login(county.bob)
    assert client.get(list_url(county)).status_code == 404
    response = client.post(reverse("appraisal:precheck_override", args=[county.panel.pk, decision_of(county).pk]),
                           {"reason": "越权请求"})
    assert response.status_code == 404
    assert client.post(reverse("appraisal:precheck_run", args=[county.panel.pk])).status_code == 404
    assert client.get(reverse("appraisal:precheck_decision", args=[decision_of(county).pk])).status_code == 404
    with scopes_disabled():
        assert not Approval.objects.exists()
    with pytest.raises(Http404):  # the service refuses a decision outside the editable villages too
        request_override(county, who=county.bob)


def test_list_page_queries_do_not_grow(client, county):
    with scopes_disabled():
        county.households += [county.household(county.v_a) for _i in range(5)]
        services_panels.round_households_record(county.panel)  # there when the round opened (issue 15)
    add_loan(county, 0, written_off=True, balance=0)
    close(county)
    client.force_login(county.tina)
    request_override(county)
    with CaptureQueriesContext(connection) as few:
        client.get(list_url(county))
    for i in range(1, 6):
        add_loan(county, i, written_off=True, recovered_by_lawsuit=True, balance=0)
        add_loan(county, i, classification="可疑")
    services_precheck.precheck_run(scope=scope_for_user(county.tina), actor=county.tina, panel_id=county.panel.pk)
    for i in range(1, 4):
        request_override(county, household=i)
    with CaptureQueriesContext(connection) as many:
        response = client.get(list_url(county))
    assert len(response.context["rows"]) == 6
    assert len(many) == len(few)


@pytest.mark.usefixtures("removed")
def test_panel_page_links_the_list_with_its_count(client, county):
    client.force_login(county.pat)
    page = client.get(reverse("appraisal:panel_detail", args=[county.panel.pk])).content.decode()
    assert list_url(county) in page


@pytest.mark.usefixtures("removed")
def test_household_page_shows_its_hits(client, county):
    client.force_login(county.tina)
    home = county.households[0]
    page = client.get(reverse("households:household_detail", args=[home.pk])).content.decode()
    assert 'id="precheck-hits"' in page and str(PreCheckFlag.WRITTEN_OFF.label) in page
    assert county.campaign.name in page


def test_audit_referrals_list_and_export_guard_formulas(client, county):
    enter_granted(county, 0)
    add_loan(county, 0, amount=60000, balance=30000, loan_number="=HYPERLINK(\"http://x\")")
    close(county)
    url = reverse("appraisal:precheck_audit_list", args=[county.campaign.pk])
    client.force_login(county.tina)
    response = client.get(url)
    assert [row["household"].code for row in response.context["rows"]] == ["A-0001"]
    response = client.get(reverse("appraisal:precheck_audit_export", args=[county.campaign.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == _("Branch") and len(rows) == 2
    assert rows[1][6].startswith("'=") and rows[1][10] == 60000 and rows[1][11] == 52000
    assert rows[1][5] == mask_id(county.households[0].representative.id_number)
    client.force_login(county.bob)  # another branch: the referral is not theirs
    assert client.get(url).context["rows"] == []


# --- the batch interface (SPEC §11) ------------------------------------------------------------------------------

def run(*args):
    return run_json("precheck", *args)


def test_command_reruns_closed_panels(county):
    code, result = run(county.campaign.code, "--head-office", county.campaign.head_office.code)
    assert code == 1 and not result["ok"]  # no closed panel yet: refused
    close(county)
    add_loan(county, 1, classification="损失")
    code, result = run(county.campaign.code, "--user", county.tina.username)
    assert code == 0 and result["ok"] and result["flagged"] == 1
    assert result["panels"][0]["counts"] == {"1": 1, "3": 1}
    assert decision_of(county, 1).precheck_flags == [1, 3]
    code, result = run("NOPE", "--user", county.tina.username)
    assert code == 2 and not result["ok"]


def rerun(county):
    return services_precheck.precheck_run(scope=scope_for_user(county.tina), actor=county.tina,
                                          panel_id=county.panel.pk)


@pytest.mark.usefixtures("removed")
def test_new_removing_flags_withdraw_a_pending_override(county):
    """The checker approves only the flags shown with the request: new ones withdraw it (nobody decided it)."""
    approval = request_override(county)
    add_loan(county, 0, recovered_by_lawsuit=True, balance=0)
    rerun(county)
    with scopes_disabled():
        approval.refresh_from_db()
    assert approval.status == Approval.Status.WITHDRAWN and approval.decided_by is None
    with pytest.raises(ApprovalRefused):
        decide(county.sue, approval)
    decision = decision_of(county)
    assert decision.precheck_flags == [5, 7] and not decision.override_approved and decision.removed_by_precheck


@pytest.mark.usefixtures("removed")
def test_a_removed_decision_reopens_when_its_removing_flags_clear(county):
    with scopes_disabled():
        ExistingLoan.objects.filter(member=county.households[0].representative).update(written_off=False)
    rerun(county)
    decision = decision_of(county)
    assert decision.precheck_flags == [] and decision.status == ""  # the panel decides again
