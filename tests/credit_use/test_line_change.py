"""R2, seed 000 第一篇 (常态化动态管理): a credit-line change is a request that head office decides. The officer's
request stores the proposal and changes nothing; the head office's administrator (never the maker) approves it,
and only then the line changes (CHANGED event, G7 re-check); a refused or stale request leaves the line as it
was; one change of a line waits at a time; another head office sees nothing of it (R1)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext
from django_scopes import scopes_disabled

from credit_use.models import CreditLine, CreditLineEvent, LineChangeRequest, LineStatus
from credit_use.services.line_change import LINE_CHANGE_KIND, LineChangeRefused, line_change_request
from sunshine_credit.approvals import ApprovalRefused, approval_decide
from sunshine_credit.models import Approval, HeadOffice, Role
from sunshine_credit.scoping import activate, scope_for_user
from tests.factories import StaffFactory
from tests.guarantee_groups.factories import make_group, make_group_world, reload

pytestmark = pytest.mark.django_db
STALE = "This credit line was changed by someone else meanwhile; nothing was saved. Reload the page."


@pytest.fixture
def county(county):
    """make_group_world on the shared county, plus what this file needs that the county has not: a second
    administrator of the same head office (ada2) and the administrator of another head office (olga)."""
    make_group_world(county)
    with scopes_disabled():
        county.ada2 = StaffFactory(role=Role.ADMIN, branch=None, head_office=county.head_office).user
        county.olga = StaffFactory(role=Role.ADMIN, branch=None,
                                   head_office=HeadOffice.objects.create(code="HQ2", name="另一家农商银行")).user
    return county


def call(county, fn, user, **kwargs):
    actor = county[user]
    scope = scope_for_user(actor)
    with activate(scope):
        return fn(scope=scope, actor=actor, **kwargs)


def request(county, index=2, amount=19999, *, user="tina", reason="经营缩小", investigation="入户调查：养殖规模减半"):
    line = reload(county.lines[index])
    return call(county, line_change_request, user, line_id=line.pk, amount=amount, reason=reason,
                investigation=investigation, version=line.version)


def decide(county, change, user="ada", approve=True, note=""):
    return call(county, approval_decide, user, approval_id=change.approval_id, approve=approve, note=note)


def events(line):
    with scopes_disabled():
        return list(CreditLineEvent.objects.filter(line=line).values_list("kind", "amount_before", "amount_after"))


def test_a_request_changes_nothing_until_head_office_approves_it(client, county):
    group = make_group(county, (0, 1, 2))  # 50,000 = 30,000 + 20,000
    line = county.lines[2]
    change = request(county)
    with scopes_disabled():
        change = LineChangeRequest.objects.select_related("approval").get(pk=change.pk)
    assert (change.line_id, change.amount_before, change.amount_proposed, change.reason, change.investigation,
            change.line_version) == (line.pk, Decimal(20000), Decimal(19999), "经营缩小", "入户调查：养殖规模减半", 1)
    assert (change.approval.kind, change.approval.subject_id, change.approval.status) == (
        LINE_CHANGE_KIND, line.pk, "pending")
    assert reload(line).amount == Decimal(20000) and reload(line).version == 1 and events(line) == []
    assert not reload(group).flagged
    client.force_login(county.tina)
    page = client.get(f"/lines/{line.pk}/").content.decode()
    assert 'id="line-change-pending"' in page and "入户调查：养殖规模减半" in page
    assert f"/lines/{line.pk}/change/" not in page  # no second change while one waits
    client.force_login(county.ada)
    inbox = client.get("/approvals/").content.decode()
    assert f'id="approval-{change.approval_id}"' in inbox and f"/lines/{line.pk}/" in inbox

    decide(county, change)
    again = reload(line)
    assert again.amount == Decimal(19999) and again.version == 2
    assert events(line) == [("changed", Decimal(20000), Decimal(19999))]
    assert reload(group).flagged and reload(group).flag_reasons == ["G2"]  # G7, once approved
    assert reload(change.approval).status == "approved" and reload(change.approval).decided_by == county.ada


def test_the_maker_cannot_decide_their_own_line_change(county):
    change = request(county, user="ada")  # an administrator makes data too
    with pytest.raises(ApprovalRefused):
        decide(county, change, user="ada")
    assert reload(county.lines[2]).amount == Decimal(20000) and reload(change.approval).status == "pending"
    decide(county, change, user="ada2")
    assert reload(county.lines[2]).amount == Decimal(19999)


@pytest.mark.parametrize("user", ["tina", "pat", "sue"])
def test_only_the_head_offices_administrator_decides_a_line_change(county, user):
    change = request(county)
    with pytest.raises(PermissionDenied):
        decide(county, change, user=user)
    assert reload(county.lines[2]).amount == Decimal(20000) and reload(change.approval).status == "pending"


def test_a_second_pending_change_of_the_same_line_is_refused(client, county):
    request(county)
    with pytest.raises(ApprovalRefused):
        request(county, amount=15000, user="ada")
    line = county.lines[2]
    client.force_login(county.tina)
    page = client.post(f"/lines/{line.pk}/change/",
                       {"version": 1, "amount": "15000", "reason": "再调", "investigation": "x"})
    assert page.status_code == 200
    assert gettext("A request for this is already waiting for approval.") in page.content.decode()
    with scopes_disabled():
        assert LineChangeRequest.objects.filter(line=line).count() == 1
        assert Approval.objects.filter(kind=LINE_CHANGE_KIND).count() == 1
    request(county, index=1, amount=25000)  # another line's change is its own request


def test_a_request_needs_the_investigation(county):
    with pytest.raises(LineChangeRefused):
        request(county, investigation="  ")
    with scopes_disabled():
        assert not LineChangeRequest.objects.exists() and not Approval.objects.exists()


@pytest.mark.parametrize("meanwhile", ["changed", "revoked"])
def test_approving_a_request_the_line_moved_on_from_writes_nothing(county, meanwhile):
    change = request(county)
    with scopes_disabled():  # e.g. the line was revoked and restored (U9) between request and decision
        CreditLine.objects.filter(pk=change.line_id).update(
            version=2, status=LineStatus.ACTIVE if meanwhile == "changed" else LineStatus.REVOKED)
    with pytest.raises(ApprovalRefused) as refused:
        decide(county, change)
    if meanwhile == "changed":
        assert str(refused.value) == gettext(STALE)  # R3
    line = reload(county.lines[2])
    assert line.amount == Decimal(20000) and line.version == 2 and events(line) == []
    assert reload(change.approval).status == "pending"
    decide(county, change, approve=False, note="线上额度已变，请重新提交")  # the checker closes it instead
    assert reload(change.approval).status == "rejected" and reload(county.lines[2]).amount == Decimal(20000)


def test_a_refused_request_leaves_the_line_unchanged(county):
    group = make_group(county, (0, 1, 2))
    change = request(county)
    with pytest.raises(ApprovalRefused):
        decide(county, change, approve=False)  # a refusal says why
    decide(county, change, approve=False, note="调查不充分")
    line = reload(county.lines[2])
    assert line.amount == Decimal(20000) and line.version == 1 and events(line) == []
    assert not reload(group).flagged and reload(change.approval).status == "rejected"
    request(county, amount=19000)  # a new request may follow


def test_another_head_offices_administrator_gets_404(client, county):
    change = request(county)
    line = county.lines[2]
    client.force_login(county.olga)
    assert client.get(f"/lines/{line.pk}/").status_code == 404
    assert f'id="approval-{change.approval_id}"' not in client.get("/approvals/").content.decode()
    assert client.post(f"/approvals/{change.approval_id}/decide/", {"decision": "approve"}).status_code == 404
    assert reload(line).amount == Decimal(20000) and reload(change.approval).status == "pending"
