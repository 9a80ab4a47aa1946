"""U9: an overdue drawdown, or quarterly interest unpaid a month past its date, revokes the credit of the
borrower and of every guarantor, publishes the village's revocation notice and marks the case for legal
action — once (the sweep is idempotent); reversal is maker-checker (R2); the pages are scoped (R1)."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django_scopes import scopes_disabled

from credit_use.models import CreditLineEvent, Drawdown, LineStatus, RevocationCase
from credit_use.services.overdue import REVERSAL_KIND, overdue_sweep, revocation_reversal_request
from guarantee_groups.models import GroupMember, GuaranteeGroup
from publicity.models import Notice, NoticeKind
from sunshine_credit.approvals import ApprovalRefused, approval_decide
from sunshine_credit.models import Approval
from sunshine_credit.scoping import scope_for_user
from tests.credit_use.factories_loans import household_with_line, make_drawdown, make_group

pytestmark = pytest.mark.django_db

D = datetime.date
DISBURSED, DUE = D(2025, 12, 21), D(2026, 6, 30)
QUARTERS_PAID = D(2026, 6, 20)  # the quarterly interest before maturity is paid: only the overdue cause applies
DAY_AFTER = D(2026, 7, 1)


@pytest.fixture
def county(county):
    """A loan of a borrower of 东岭村 1组, guaranteed by a household of 2组 and one of 南坡村 (no villagers' group),
    due on 30 June 2026; another household of 东岭村 holds a line and owes nothing."""
    county.borrower, county.b_line = household_with_line(county, group=county.g1, head_name="王大明")
    county.guarantor_1, county.guarantor_1_line = household_with_line(county, group=county.g2, head_name="李四",
                                                                      amount=Decimal(30000))
    county.guarantor_2, county.guarantor_2_line = household_with_line(county, county.v_a2, head_name="赵小红")
    county.other, county.other_line = household_with_line(county)
    county.loan = make_drawdown(county, county.borrower, county.b_line, amount=Decimal(40000),
                                disbursed_on=DISBURSED, due_on=DUE, guarantors=[county.guarantor_1, county.guarantor_2],
                                interest_paid_until=QUARTERS_PAID)
    return county


def reload(obj):
    with scopes_disabled():
        return type(obj).objects.get(pk=obj.pk)


def counts():
    with scopes_disabled():
        return (RevocationCase.objects.count(), CreditLineEvent.objects.filter(kind="revoked").count(),
                Notice.objects.filter(kind=NoticeKind.REVOCATION).count())


def test_an_overdue_drawdown_revokes_the_borrower_and_every_named_guarantor(county):
    assert overdue_sweep(today=DUE)["cases"] == 0  # due today: not overdue yet
    result = overdue_sweep(today=DAY_AFTER)
    assert (result["overdue"], result["cases"], result["lines_revoked"], result["notices"]) == (1, 1, 3, 1)
    revoked = [county.b_line, county.guarantor_1_line, county.guarantor_2_line]
    assert all(reload(line).status == LineStatus.REVOKED for line in revoked)
    assert reload(county.other_line).status == LineStatus.ACTIVE
    with scopes_disabled():
        case = RevocationCase.objects.get()
        assert (case.drawdown_id, case.cause, case.found_on, case.legal_action) == (
            county.loan.pk, RevocationCase.Cause.OVERDUE, DAY_AFTER, True)
        assert set(case.lines.values_list("pk", flat=True)) == {line.pk for line in revoked}
        events = list(CreditLineEvent.objects.filter(kind=CreditLineEvent.Kind.REVOKED))
        assert len(events) == 3 and all(e.actor is None and e.status_after == LineStatus.REVOKED for e in events)
        assert all(county.loan.number in e.reason and county.loan.loan_number in e.reason for e in events)
        notice = case.notice
        assert (notice.kind, notice.village_id, notice.published_by) == (NoticeKind.REVOCATION, county.v_a.pk,
                                                                         county.tina)
        rows = [row for group in notice.snapshot["groups"] for row in group["rows"]]
        groups = [group["name"] for group in notice.snapshot["groups"]]
        assert groups[:2] == [county.g1.name, county.g2.name] and len(groups) == 3  # guarantor_2: no group, last
        assert sorted(row[1] for row in rows) == sorted(["王*明", "李*", "赵*红"])
        assert "王大明" not in str(notice.snapshot)
    assert reload(county.loan).overdue_since == DAY_AFTER


def test_running_the_sweep_again_changes_nothing(county):
    overdue_sweep(today=DAY_AFTER)
    first = counts()
    assert overdue_sweep(today=DAY_AFTER)["cases"] == 0
    assert overdue_sweep(today=DAY_AFTER + datetime.timedelta(days=1))["cases"] == 0
    assert counts() == first == (1, 3, 1)


def test_a_repaid_or_unexpired_drawdown_is_left_alone(county):
    with scopes_disabled():
        Drawdown.objects.filter(pk=county.loan.pk).update(status=Drawdown.Status.REPAID, principal_outstanding=0,
                                                            interest_paid_until=DUE)
    assert overdue_sweep(today=DAY_AFTER)["cases"] == 0 and counts() == (0, 0, 0)


def test_a_group_drawdown_revokes_the_other_members_and_flags_the_group(county):
    m1, l1 = household_with_line(county)
    m2, l2 = household_with_line(county)
    m3, l3 = household_with_line(county)
    gone, gone_line = household_with_line(county)
    group = make_group(county, [m1, m2, m3, gone])
    with scopes_disabled():
        GroupMember.objects.filter(group=group, household=gone).update(active=False)
    loan = make_drawdown(county, m1, l1, group=group, disbursed_on=DISBURSED, due_on=D(2026, 6, 15),
                         interest_paid_until=D(2026, 3, 20))
    result = overdue_sweep(today=D(2026, 6, 16))
    assert result["cases"] == 1
    assert [reload(line).status for line in (l1, l2, l3)] == [LineStatus.REVOKED] * 3
    assert reload(gone_line).status == LineStatus.ACTIVE  # left the group before
    assert reload(county.b_line).status == LineStatus.ACTIVE
    with scopes_disabled():
        case = RevocationCase.objects.get(drawdown=loan)
        assert case.lines.count() == 3 and case.notice is not None
        group = GuaranteeGroup.objects.get(pk=group.pk)
    assert group.flagged and "G1" in group.flag_reasons  # G7: its members hold no line any more


def test_interest_unpaid_a_month_past_its_settlement_date_revokes(county):
    with scopes_disabled():
        Drawdown.objects.filter(pk=county.loan.pk).update(interest_paid_until=None)
    # interest due on 20 March 2026 is unpaid: on 20 April not yet a month past, on 21 April it is
    assert overdue_sweep(today=D(2026, 4, 20))["cases"] == 0
    result = overdue_sweep(today=D(2026, 4, 21))
    assert (result["interest"], result["overdue"], result["cases"], result["notices"]) == (1, 0, 1, 1)
    with scopes_disabled():
        case = RevocationCase.objects.get()
        assert case.cause == RevocationCase.Cause.INTEREST and case.lines.count() == 3
        assert "2026-03-20" in case.notice.snapshot["intro"]
    assert reload(county.loan).overdue_since is None
    assert overdue_sweep(today=D(2026, 4, 22))["cases"] == 0 and counts() == (1, 3, 1)


def test_interest_paid_up_to_the_settlement_date_does_not_revoke(county):
    with scopes_disabled():
        Drawdown.objects.filter(pk=county.loan.pk).update(interest_paid_until=D(2026, 3, 20), due_on=D(2026, 9, 15))
    assert overdue_sweep(today=D(2026, 6, 1))["cases"] == 0
    assert overdue_sweep(today=D(2026, 7, 20))["cases"] == 0   # 20 June + 1 month is 20 July
    result = overdue_sweep(today=D(2026, 7, 21))
    assert (result["interest"], result["overdue"], result["cases"]) == (1, 0, 1)


def test_an_overdue_loan_with_unpaid_interest_opens_both_cases_but_revokes_once(county):
    with scopes_disabled():
        Drawdown.objects.filter(pk=county.loan.pk).update(interest_paid_until=None)
    result = overdue_sweep(today=DAY_AFTER)
    assert (result["overdue"], result["interest"], result["lines_revoked"], result["notices"]) == (1, 1, 3, 1)
    assert counts() == (2, 3, 1)  # the second case finds the lines revoked already: no second notice
    assert overdue_sweep(today=DAY_AFTER)["cases"] == 0


def test_the_interest_left_at_an_early_payoff_counts_too(county):
    with scopes_disabled():
        Drawdown.objects.filter(pk=county.loan.pk).update(interest_paid_until=D(2026, 3, 20))
    from credit_use.models import Repayment

    with scopes_disabled():
        loan = Drawdown.objects.get(pk=county.loan.pk)
        Repayment.objects.create(drawdown=loan, kind=Repayment.Kind.PRINCIPAL, amount=loan.amount,
                                 paid_on=D(2026, 4, 10), recorded_by=county.tom)
        Drawdown.objects.filter(pk=loan.pk).update(status=Drawdown.Status.REPAID, principal_outstanding=0)
    assert overdue_sweep(today=D(2026, 5, 10))["cases"] == 0
    assert overdue_sweep(today=D(2026, 5, 11))["interest"] == 1


# --- reversal (maker-checker) ----------------------------------------------------------------------------

def _scope(user):
    with scopes_disabled():
        return scope_for_user(user)


@pytest.fixture
def case(county):
    overdue_sweep(today=DAY_AFTER)
    with scopes_disabled():
        return RevocationCase.objects.get()


def request_reversal(county, case, user="tina"):
    return revocation_reversal_request(scope=_scope(county[user]), actor=county[user], case_id=case.pk,
                                       reason="借款人已结清本息")


def decide(county, approval, user):
    return approval_decide(scope=_scope(county[user]), actor=county[user], approval_id=approval.pk, approve=True)


def test_the_maker_cannot_approve_their_own_reversal(county, case):
    approval = request_reversal(county, case, user="ada")
    with pytest.raises(ApprovalRefused):
        decide(county, approval, "ada")  # an administrator may approve, but not their own request
    with pytest.raises(ApprovalRefused):
        request_reversal(county, case)  # a second pending request for the same case
    assert reload(case).status == RevocationCase.Status.ACTIVE
    assert reload(county.b_line).status == LineStatus.REVOKED


def test_the_requesting_officer_does_not_decide_and_the_president_restores_the_lines(county, case):
    approval = request_reversal(county, case)
    assert (approval.kind, approval.subject_id, approval.requested_by) == (REVERSAL_KIND, case.pk, county.tina)
    with pytest.raises(PermissionDenied):
        decide(county, approval, "tina")
    with pytest.raises(Approval.DoesNotExist):
        decide(county, approval, "pete")  # the president of the other branch: outside his scope
    decide(county, approval, "pat")
    case = reload(case)
    assert case.status == RevocationCase.Status.REVERSED and case.reversed_at is not None
    for line in (county.b_line, county.guarantor_1_line, county.guarantor_2_line):
        assert reload(line).status == LineStatus.ACTIVE
    with scopes_disabled():
        restored = list(CreditLineEvent.objects.filter(kind=CreditLineEvent.Kind.RESTORED))
    assert len(restored) == 3 and all(e.actor == county.pat and e.status_after == LineStatus.ACTIVE
                                      for e in restored)
    with pytest.raises(ApprovalRefused):
        request_reversal(county, case)  # reversed already


def test_a_reader_or_someone_outside_cannot_request_a_reversal(county, case):
    with pytest.raises(PermissionDenied):
        request_reversal(county, case, user="pat")
    with pytest.raises(Http404):
        request_reversal(county, case, user="bob")
    with scopes_disabled():
        assert not Approval.objects.exists()


# --- pages and the job -----------------------------------------------------------------------------------

def test_the_revocation_pages_for_the_branch_and_outside_it(client, county, case):
    client.force_login(county.pat)
    response = client.get("/lines/revocations/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert f"/lines/revocations/{case.pk}/" in response.content.decode()
    page = client.get(f"/lines/revocations/{case.pk}/").content.decode()
    assert f"/publicity/notices/{case.notice_id}/" in page and 'id="legal-action"' in page
    assert county.borrower.code in page and 'id="reversal-form"' not in page
    for user in ("pete", "bob", "tom"):
        client.force_login(county[user])
        assert client.get(f"/lines/revocations/{case.pk}/").status_code == 404
    client.force_login(county.pete)
    assert f"/lines/revocations/{case.pk}/" not in client.get("/lines/revocations/").content.decode()


def test_the_officer_requests_a_reversal_on_the_detail_page(client, county, case):
    client.force_login(county.tina)
    page = client.get(f"/lines/revocations/{case.pk}/").content.decode()
    assert 'id="reversal-form"' in page
    response = client.post(f"/lines/revocations/{case.pk}/", {"reason": "借款人已结清本息"})
    assert response.status_code == 302
    with scopes_disabled():
        approval = Approval.objects.get()
    assert (approval.kind, approval.subject_id, approval.status) == (REVERSAL_KIND, case.pk, Approval.Status.PENDING)
    assert 'id="reversal-pending"' in client.get(f"/lines/revocations/{case.pk}/").content.decode()
    client.force_login(county.bob)
    assert client.post(f"/lines/revocations/{case.pk}/", {"reason": "x"}).status_code == 404


def test_the_job_is_registered_under_the_beat_schedule_name():
    from credit_use.tasks import overdue_sweep as task

    assert task.name == settings.CELERY_BEAT_SCHEDULE["overdue-sweep"]["task"]
    assert task.name == "credit_use.overdue_sweep"


# --- review fixes: a line two cases revoke; the members a group loan binds -----------------------------------

def test_reversing_one_case_keeps_the_lines_another_active_case_holds(county):
    with scopes_disabled():
        Drawdown.objects.filter(pk=county.loan.pk).update(interest_paid_until=None)
    overdue_sweep(today=DAY_AFTER)  # an overdue case and an interest case on the same loan
    with scopes_disabled():
        overdue = RevocationCase.objects.get(cause=RevocationCase.Cause.OVERDUE)
        interest = RevocationCase.objects.get(cause=RevocationCase.Cause.INTEREST)
        assert set(interest.lines.all()) == set(overdue.lines.all())
    decide(county, request_reversal(county, overdue), "pat")
    assert reload(overdue).status == RevocationCase.Status.REVERSED
    assert reload(county.b_line).status == LineStatus.REVOKED  # the interest case still holds it


def test_a_group_loan_binds_the_members_it_was_disbursed_with(county):
    m1, l1 = household_with_line(county)
    m2, l2 = household_with_line(county)
    m3, l3 = household_with_line(county)
    newcomer, new_line = household_with_line(county)
    group = make_group(county, [m1, m2, m3])
    loan = make_drawdown(county, m1, l1, group=group, disbursed_on=DISBURSED, due_on=D(2026, 6, 15),
                         interest_paid_until=D(2026, 3, 20))
    with scopes_disabled():
        Drawdown.objects.filter(pk=loan.pk).update(group_members=[m2.pk, m3.pk])  # as disbursed
        GroupMember.objects.filter(group=group, household=m3).update(active=False)  # left since
        GroupMember.objects.create(group=group, household=newcomer)  # joined since
    overdue_sweep(today=D(2026, 6, 16))
    assert [reload(line).status for line in (l1, l2, l3)] == [LineStatus.REVOKED] * 3
    assert reload(new_line).status == LineStatus.ACTIVE  # never backed this loan
