"""O3/R2: the shared checker inbox at /approvals/: what it lists to whom (kinds the role decides, within the
scope), own requests shown but not decidable, approve and refuse through the page, refusals as messages with
nothing written, 404 outside the scope (R1)."""

from decimal import Decimal

import pytest
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from appraisal.approvals import ESCALATION_KIND
from appraisal.models import Decision
from appraisal.services import decisions as services_decisions
from appraisal.services import entry as services_entry
from appraisal.services import panels as services_panels
from appraisal.services.entry import EntryInput
from sunshine_credit import approvals
from sunshine_credit.models import Approval, Role
from sunshine_credit.scoping import scope_for_user
from tests.appraisal.factories import make_panel_world

pytestmark = pytest.mark.django_db
BRANCH_KIND = "test_branch_only"


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def branch_kind(monkeypatch):
    """A kind only branch presidents decide (as drawdowns will be), to check the inbox filters by role."""
    monkeypatch.setitem(approvals.KINDS, BRANCH_KIND, approvals.Kind(
        label="branch-only", approver_roles=frozenset({Role.PRESIDENT}), on_decided=lambda approval, ok: None))


@pytest.fixture
def county(county, branch_kind):
    """An escalation filed by tina (household A-0001 granted 150,000 above the authority of 100,000), a
    branch-only request in v_a by ada, and an escalation-kind request in branch B's village by bob."""
    make_panel_world(county, households=1)
    home = county.households[0]
    for reviewer in county.reviewers:
        services_entry.appraisal_save(actor=reviewer.user, panel_id=county.panel.pk, household_id=home.pk,
                                      values=EntryInput(amount=Decimal(150000), rating=2), version=0)
    tina = county.tina
    services_panels.round_close(scope=scope_for_user(tina), actor=tina, panel_id=county.panel.pk,
                                version=county.panel.version)
    services_decisions.decisions_accept_computed(scope=scope_for_user(tina), actor=tina, panel_id=county.panel.pk)
    with scopes_disabled():
        county.escalation = Approval.objects.get(kind=ESCALATION_KIND, status="pending")
        county.branch_request = Approval.objects.create(
            head_office=county.head_office, village=county.v_a, kind=BRANCH_KIND, subject_id=1,
            title="分行事项", reason="测试", requested_by=county.ada)
        county.other_branch = Approval.objects.create(
            head_office=county.head_office, village=county.v_b, kind=ESCALATION_KIND, subject_id=999,
            title=f"{county.v_b.name}事项", reason="测试", requested_by=county.bob)
    return county


def pending_ids(client, user) -> set[int]:
    client.force_login(user)
    response = client.get("/approvals/")
    assert response.status_code == 200
    return {row["approval"].pk for row in response.context["pending"]}


def test_inbox_lists_only_kinds_the_role_decides_in_scope(client, county):
    esc, branch, other = county.escalation.pk, county.branch_request.pk, county.other_branch.pk
    assert pending_ids(client, county.sue) == {esc, other}  # head office: both branches, not the branch kind
    assert pending_ids(client, county.pat) == {branch}       # branch A's president: not B, not escalations
    assert pending_ids(client, county.tina) == set()         # an officer decides nothing
    page = client.get("/approvals/").content.decode()
    assert "A-0001" in page and 'id="inbox-mine"' in page  # her own request, with its state
    assert client.get("/approvals/").context["mine"][0]["approval"].pk == esc


def test_inbox_row_links_to_the_subject(client, county):
    client.force_login(county.sue)
    row = next(r for r in client.get("/approvals/").context["pending"] if r["approval"].pk == county.escalation.pk)
    assert row["may_decide"] and str(row["label"]) == _("Limit above the branch's authority")
    target = client.get(row["url"])
    assert target.status_code == 302 and f"#decision-{county.escalation.subject_id}" in target["Location"]
    assert client.get(target["Location"]).status_code == 200


def test_own_request_is_listed_but_not_decidable(client, county):
    client.force_login(county.ada)
    response = client.get("/approvals/")
    row = next(r for r in response.context["pending"] if r["approval"].pk == county.escalation.pk)
    assert row["may_decide"]
    with scopes_disabled():
        Approval.objects.filter(pk=county.escalation.pk).update(requested_by=county.ada)
    response = client.get("/approvals/")
    row = next(r for r in response.context["pending"] if r["approval"].pk == county.escalation.pk)
    assert row["own"] and not row["may_decide"]
    assert _("Your own request: another person decides it (maker-checker).") in response.content.decode()
    response = client.post(f"/approvals/{county.escalation.pk}/decide/", {"decision": "approve"}, follow=True)
    assert _("You made this request: another person must approve it (maker-checker).") in messages_of(response)
    with scopes_disabled():
        assert Approval.objects.get(pk=county.escalation.pk).status == "pending"


def test_approve_and_refuse_through_the_page(client, county):
    client.force_login(county.sue)
    url = f"/approvals/{county.escalation.pk}/decide/"
    response = client.post(url, {"decision": "refuse", "note": " "}, follow=True)
    assert _("Write why you refuse.") in messages_of(response)
    with scopes_disabled():
        assert Approval.objects.get(pk=county.escalation.pk).status == "pending"
    response = client.post(url, {"decision": "approve"}, follow=True)
    assert _("The request was approved.") in messages_of(response)
    with scopes_disabled():
        approval = Approval.objects.get(pk=county.escalation.pk)
        decision = Decision.objects.get(pk=approval.subject_id)
    assert (approval.status, approval.decided_by, decision.escalation) == ("approved", county.sue, "approved")
    client.force_login(county.tina)
    mine = client.get("/approvals/").context["mine"]
    assert mine[0]["approval"].status == "approved"


def test_refusal_with_a_note(client, county):
    client.force_login(county.sam)
    response = client.post(f"/approvals/{county.escalation.pk}/decide/", {"decision": "refuse", "note": "过高"},
                           follow=True)
    assert _("The request was refused.") in messages_of(response)
    with scopes_disabled():
        assert Decision.objects.get(pk=county.escalation.subject_id).escalation == "rejected"


def test_wrong_role_and_outside_scope_write_nothing(client, county):
    url = f"/approvals/{county.escalation.pk}/decide/"
    client.force_login(county.tina)
    response = client.post(url, {"decision": "approve"}, follow=True)
    assert _("Your role does not approve this.") in messages_of(response)
    client.force_login(county.bob)  # branch B: the request is outside his scope
    assert client.post(url, {"decision": "approve"}).status_code == 404
    client.force_login(county.pat)
    assert client.post(f"/approvals/{county.other_branch.pk}/decide/", {"decision": "approve"}).status_code == 404
    client.force_login(county.reviewers[0].user)  # reviewer logins reach only their own seats
    assert client.get("/approvals/").status_code == 404
    with scopes_disabled():
        assert set(Approval.objects.values_list("status", flat=True)) == {"pending"}


def test_the_maker_of_the_subject_is_offered_no_decision_in_the_inbox(client, county, django_assert_max_num_queries):
    """O3 in the inbox too: who decided the escalated amount is not the requester, yet may not decide it — the
    row says so instead of offering buttons that would be refused. The makers of a page of requests are read
    in one query per kind."""
    with scopes_disabled():
        Decision.objects.filter(pk=county.escalation.subject_id).update(decided_by=county.sue)
    client.force_login(county.sue)
    response = client.get("/approvals/")
    row = next(r for r in response.context["pending"] if r["approval"].pk == county.escalation.pk)
    assert row["own"] and not row["may_decide"]
    assert f'action="/approvals/{county.escalation.pk}/decide/"' not in response.content.decode()
    other = next(r for r in response.context["pending"] if r["approval"].pk == county.other_branch.pk)
    assert other["may_decide"] and not other["own"]  # decided by nobody yet: sue may decide it
    with django_assert_max_num_queries(12) as queries:
        client.get("/approvals/")
    makers_queries = [q for q in queries.captured_queries if '"appraisal_decision"' in q["sql"]]
    assert len(makers_queries) == 1
