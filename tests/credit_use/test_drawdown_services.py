"""Drawdown services: U1–U6 on application, submission, approval and disbursement; maker-checker (R2); who may
disburse; the pre-disbursement notice (P6); nothing half-written."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django_scopes import scopes_disabled

from credit_use.models import CreditLine, Drawdown, DrawdownGuarantor, GuaranteeKind, LineStatus
from credit_use.rules.drawdowns import latest_due_on
from credit_use.services.drawdowns import DRAWDOWN_KIND, DrawdownRefused
from publicity.models import Notice, NoticeKind
from sunshine_credit.approvals import ApprovalRefused, approval_request
from sunshine_credit.models import Approval, BlacklistEntry, Role, StaffProfile
from sunshine_credit.scoping import scope_for_user
from tests.credit_use.factories_drawdowns import (
    create,
    decide,
    disburse,
    disbursed,
    make_drawdown_world,
    pending_approval,
    post_loan_check,
    raw_drawdown,
    reload,
    submit,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def county(county):
    """The shared county with 东岭村's four households, their lines and group 1 (make_drawdown_world)."""
    return make_drawdown_world(county)


def refused(call, *args, **kwargs) -> DrawdownRefused:
    with pytest.raises(DrawdownRefused) as info:
        call(*args, **kwargs)
    return info.value


def codes(exc: DrawdownRefused) -> set[str]:
    return {error.code for error in exc.errors}


def fields(exc: DrawdownRefused) -> set[str]:
    return {error.field for error in exc.errors}


def count() -> int:
    with scopes_disabled():
        return Drawdown.objects.count()


# --- the happy path -----------------------------------------------------------------------------------

def test_apply_submit_approve_disburse(county):
    drawdown = create(county, 0)
    assert drawdown.status == Drawdown.Status.DRAFT and drawdown.number.startswith("YXBRA")
    assert drawdown.group == county.group and drawdown.created_by == county.tina
    submitted = submit(county, drawdown)
    assert submitted.status == Drawdown.Status.SUBMITTED and submitted.complete_at is not None
    assert submitted.submitted_by == county.tina and submitted.is_first
    approval = pending_approval(drawdown)
    assert approval.reason == "同意发放" and drawdown.number in approval.title
    decide(county, drawdown)
    approved = reload(drawdown)
    assert approved.status == Drawdown.Status.APPROVED and approved.decided_by == county.pat
    done = disburse(county, drawdown)
    today = timezone.localdate()
    assert done.status == Drawdown.Status.DISBURSED and done.loan_number == f"BRA{today:%Y%m%d}0001"
    assert done.principal_outstanding == D(20000) and done.disbursed_by == county.tom
    assert disbursed(county, 3).loan_number == f"BRA{today:%Y%m%d}0002"  # h[3]: named guarantors


def test_the_teller_records_the_settlement_account_and_a_core_loan_number_unique_in_the_head_office(county):
    first = disbursed(county, 0)
    assert (first.settlement_account, first.core_loan_number) == ("6228480012345678901", f"CORE-{first.pk:08d}")
    second = create(county, 3)
    submit(county, second)
    decide(county, second)
    with pytest.raises(DrawdownRefused) as refused:  # the same core number again
        disburse(county, second, core_loan_number=first.core_loan_number.lower())
    assert [(e.field, e.code) for e in refused.value.errors] == [("core_loan_number", "disbursement")]
    with pytest.raises(DrawdownRefused) as refused:  # none at all
        disburse(county, second, settlement_account="", core_loan_number=" ")
    assert {e.field for e in refused.value.errors} == {"settlement_account", "core_loan_number"}
    assert reload(second).status == Drawdown.Status.APPROVED
    assert disburse(county, second).core_loan_number == f"CORE-{second.pk:08d}"


def test_rejected_drawdown(county):
    drawdown = create(county, 0)
    submit(county, drawdown)
    decide(county, drawdown, approve=False, note="用途不实")
    rejected = reload(drawdown)
    assert rejected.status == Drawdown.Status.REJECTED and rejected.decision_note == "用途不实"
    with pytest.raises(DrawdownRefused):
        disburse(county, drawdown)


# --- U1 -----------------------------------------------------------------------------------------------

def test_over_the_available_amount_is_refused(county):
    create(county, 0, amount=D(50000))
    error = refused(create, county, 0, amount=D("50000.01"))
    assert codes(error) == {"U1"} and fields(error) == {"amount"}


def test_available_follows_outstanding_and_what_waits(county):
    first = disbursed(county, 0, amount=D(30000))
    assert "amount" in fields(refused(create, county, 0, amount=D(25000)))  # 50,000 − 30,000 outstanding
    with scopes_disabled():
        Drawdown.objects.filter(pk=first.pk).update(principal_outstanding=D(10000))  # 20,000 repaid
    waiting = create(county, 0, amount=D(25000))
    submit(county, waiting)  # submitted: holds 25,000 of the line
    refused(create, county, 0, amount=D(15001))
    create(county, 0, amount=D(15000))


def test_the_line_must_be_in_effect(county):
    with scopes_disabled():
        CreditLine.objects.filter(pk=county.lines[3].pk).update(status=LineStatus.REVOKED)
    assert codes(refused(create, county, 3)) == {"U1"}


def test_approval_rechecks_the_line(county):
    drawdown = create(county, 0, amount=D(40000), investigated_on=timezone.localdate(), investigation="实地调查")
    submit(county, drawdown)
    with scopes_disabled():
        CreditLine.objects.filter(pk=county.lines[0].pk).update(amount=D(30000))
    with pytest.raises(ApprovalRefused):
        decide(county, drawdown)
    assert reload(drawdown).status == Drawdown.Status.SUBMITTED
    assert pending_approval(drawdown).status == Approval.Status.PENDING  # rolled back whole


def test_disbursement_never_exceeds_the_line(county):
    """The line was lowered under two approved drawdowns: the first disbursed wins, the second is refused."""
    a = raw_drawdown(county, 1, amount=30000, status=Drawdown.Status.APPROVED)  # a line of 40,000
    b = raw_drawdown(county, 1, amount=20000, status=Drawdown.Status.APPROVED)
    disburse(county, a)
    assert codes(refused(disburse, county, b)) == {"U1"}
    assert reload(b).status == Drawdown.Status.APPROVED and reload(b).loan_number == ""


# --- U2 -----------------------------------------------------------------------------------------------

def test_nine_months_ok_and_a_day_more_refused(county):
    today = timezone.localdate()
    create(county, 0, due_on=latest_due_on(today))
    error = refused(create, county, 0, due_on=latest_due_on(today) + datetime.timedelta(days=1))
    assert codes(error) == {"U2"} and fields(error) == {"due_on"}


def test_never_past_the_lines_expiry(county):
    today = timezone.localdate()
    with scopes_disabled():
        CreditLine.objects.filter(pk=county.lines[0].pk).update(expires_on=today + datetime.timedelta(days=60))
    create(county, 0, due_on=today + datetime.timedelta(days=60))
    assert fields(refused(create, county, 0, due_on=today + datetime.timedelta(days=61))) == {"due_on"}


def test_purpose_required_and_errors_name_their_fields(county):
    error = refused(create, county, 0, purpose=" ", amount=D(90000))
    assert {"purpose", "amount"} <= fields(error) and count() == 0


# --- U3 / G5 / G6 -------------------------------------------------------------------------------------

def test_group_guarantee_needs_an_active_unflagged_group(county):
    assert fields(refused(create, county, 3, guarantee=GuaranteeKind.GROUP)) == {"guarantee"}  # in no group
    with scopes_disabled():
        county.group.flagged, county.group.flag_reasons = True, ["G2"]
        county.group.save()
    assert codes(refused(create, county, 0)) == {"G7"}


def test_guarantor_capacity_boundary(county):
    raw_drawdown(county, 0, amount=15000, guarantors=[1])  # h[1] (line 40,000) guarantees 15,000 already
    create(county, 3, amount=D(25000), guarantors=(("A-0002", D(25000)),))
    drawdown = create(county, 3, amount=D(25000), guarantors=(("A-0002", D(25000)),))
    submit(county, drawdown)  # now 40,000 guaranteed: nothing left
    error = refused(create, county, 3, amount=D(1000), guarantors=(("A-0002", None),))
    assert codes(error) == {"G5"} and "A-0002" in str(error)


def test_guarantor_capacity_counts_only_open_drawdowns(county):
    raw_drawdown(county, 0, amount=40000, guarantors=[1], outstanding=0)  # repaid: guarantees nothing now
    create(county, 3, amount=D(40000), guarantors=(("A-0002", None),))


def test_a_group_that_agreed_no_outside_guarantees(county):
    with scopes_disabled():
        county.group.allows_outside = False
        county.group.save()
    assert codes(refused(create, county, 3)) == {"G5"}


def test_guarantors_must_exist_and_hold_a_line(county):
    assert fields(refused(create, county, 3, guarantors=(("NO-SUCH", None),))) == {"guarantors"}
    with scopes_disabled():
        CreditLine.objects.filter(pk=county.lines[1].pk).update(status=LineStatus.REVOKED)
    assert codes(refused(create, county, 3)) == {"G5"}
    assert codes(refused(create, county, 3, guarantors=(("A-0004", None),))) == {"U3"}  # the borrower itself


def test_a_for_b_then_b_for_a_is_refused(county):
    raw_drawdown(county, 1, amount=10000, guarantors=[3])  # h[3] guarantees a loan of h[1]
    error = refused(create, county, 3, guarantors=(("A-0002", None),))  # h[1] for h[3]: a circle
    assert codes(error) == {"G6"} and "A-0004 → A-0002 → A-0004" in str(error)
    create(county, 3, guarantors=(("A-0001", None),))  # someone else is fine


def test_a_three_household_circle_is_refused(county):
    raw_drawdown(county, 0, amount=10000, guarantors=[3])  # h[3] for h[0]
    raw_drawdown(county, 1, amount=10000, guarantors=[0])  # h[0] for h[1]
    assert codes(refused(create, county, 3, guarantors=(("A-0002", None),))) == {"G6"}  # h[1] for h[3]


# --- U4 / U5 ------------------------------------------------------------------------------------------

def test_first_drawdown_needs_both_spouses_and_the_group_contract(county):
    drawdown = create(county, 0, documents=("borrower_id", "application", "officer_form"))
    error = refused(submit, county, drawdown)
    assert codes(error) == {"U4"} and fields(error) == {"documents"}
    with scopes_disabled():
        assert reload(drawdown).status == Drawdown.Status.DRAFT and not Approval.objects.filter(subject_id=drawdown.pk)


def test_later_drawdown_up_to_30000_needs_only_the_borrower(county):
    disbursed(county, 0, amount=D(10000))
    small = create(county, 0, amount=D(30000), documents=("borrower_id", "application"))
    assert not submit(county, small).is_first


def test_later_drawdown_above_30000_spouse_or_officer_confirmation(county):
    disbursed(county, 0, amount=D(5000))
    above = {"amount": D(30001), "investigated_on": timezone.localdate(), "investigation": "实地调查"}
    drawdown = create(county, 0, documents=("borrower_id", "application"), **above)
    assert fields(refused(submit, county, drawdown)) == {"documents"}
    away = create(county, 0, documents=("borrower_id", "application", "officer_confirmation"), spouse_away=True,
                  **{**above, "amount": D(10000)})
    assert submit(county, away).status == Drawdown.Status.SUBMITTED


def test_no_spouse_no_spouse_documents(county):
    drawdown = create(county, 1, documents=("borrower_id", "group_contract", "application", "officer_form"))
    assert submit(county, drawdown).status == Drawdown.Status.SUBMITTED


def test_30000_needs_no_investigation_30001_does(county):
    submit(county, create(county, 0, amount=D(30000)))
    drawdown = create(county, 1, amount=D(30001))
    error = refused(submit, county, drawdown)
    assert codes(error) == {"U5"} and fields(error) == {"investigated_on"}


# --- U6 -----------------------------------------------------------------------------------------------

def test_second_member_waits_for_the_first_members_post_loan_check(county):
    first = disbursed(county, 0)
    second = create(county, 1)
    error = refused(submit, county, second)
    assert codes(error) == {"U6"} and first.loan_number in str(error)
    post_loan_check(county, first)
    assert submit(county, second).status == Drawdown.Status.SUBMITTED


def test_a_post_loan_check_that_found_a_problem_holds_the_next_member_back(county):
    from credit_use.services.drawdowns import drawdown_post_loan_check

    first = disbursed(county, 0)
    tina = county.tina

    def check(problem):
        drawdown_post_loan_check(scope=scope_for_user(tina), actor=tina, drawdown_id=first.pk,
                                 checked_on=timezone.localdate(), note="资金挪用" if problem else "已整改", problem=problem)

    check(True)
    second = create(county, 1)
    assert codes(refused(submit, county, second)) == {"U6"}
    check(False)  # a later check finds it fixed
    assert submit(county, second).status == Drawdown.Status.SUBMITTED


def test_post_loan_check_only_on_a_disbursed_drawdown(county):
    drawdown = create(county, 0)
    refused(post_loan_check, county, drawdown)
    with pytest.raises(PermissionDenied):
        from credit_use.services.drawdowns import drawdown_post_loan_check
        drawdown_post_loan_check(scope=scope_for_user(county.tom), actor=county.tom, drawdown_id=drawdown.pk,
                                 checked_on=timezone.localdate(), note="x")


# --- R2: maker-checker --------------------------------------------------------------------------------

def test_the_maker_cannot_approve(county):
    drawdown = create(county, 0)
    submit(county, drawdown)
    with pytest.raises(PermissionDenied):
        decide(county, drawdown, user=county.tina)  # an officer does not approve
    with scopes_disabled():
        StaffProfile.objects.filter(user=county.tina).update(role=Role.PRESIDENT)  # promoted meanwhile
    with pytest.raises(ApprovalRefused):
        decide(county, drawdown, user=reload(county.tina))
    assert reload(drawdown).status == Drawdown.Status.SUBMITTED


def test_a_second_pending_request_is_refused(county):
    drawdown = create(county, 0)
    submit(county, drawdown)
    assert codes(refused(submit, county, drawdown)) == {"state"}
    with pytest.raises(ApprovalRefused):
        approval_request(scope=scope_for_user(county.tina), actor=county.tina, kind=DRAWDOWN_KIND,
                         subject_id=drawdown.pk, village_id=drawdown.village_id, title="x", reason="again")
    with scopes_disabled():
        assert Approval.objects.filter(kind=DRAWDOWN_KIND, subject_id=drawdown.pk).count() == 1


def test_submission_needs_the_officers_opinion(county):
    drawdown = create(county, 0)
    assert fields(refused(submit, county, drawdown, opinion=" ")) == {"opinion"}
    assert reload(drawdown).status == Drawdown.Status.DRAFT


def test_stale_edit_is_refused(county):
    from credit_use.services.drawdowns import drawdown_update
    from tests.credit_use.factories_drawdowns import application
    drawdown = create(county, 0)
    scope = scope_for_user(county.tina)
    drawdown_update(scope=scope, actor=county.tina, drawdown_id=drawdown.pk, version=1,
                    data=application(amount=D(12000)))
    error = refused(drawdown_update, scope=scope, actor=county.tina, drawdown_id=drawdown.pk, version=1,
                    data=application(amount=D(13000)))
    assert codes(error) == {"R3"} and reload(drawdown).amount == D(12000)


# --- who disburses ------------------------------------------------------------------------------------

def test_the_teller_cannot_disburse_an_unapproved_drawdown(county):
    drawdown = create(county, 0)
    assert codes(refused(disburse, county, drawdown)) == {"state"}
    submit(county, drawdown)
    assert codes(refused(disburse, county, drawdown)) == {"state"}
    assert reload(drawdown).loan_number == ""


@pytest.mark.parametrize("who", ["tina", "pat"])
def test_officer_and_president_cannot_disburse(county, who):
    drawdown = create(county, 0)
    submit(county, drawdown)
    decide(county, drawdown)
    with pytest.raises(PermissionDenied):
        disburse(county, drawdown, user=county[who])
    assert reload(drawdown).status == Drawdown.Status.APPROVED


def test_out_of_scope_is_not_found_and_nothing_written(county):
    drawdown = create(county, 0)
    submit(county, drawdown)
    decide(county, drawdown)
    with scopes_disabled():
        other_teller = StaffProfile.objects.create(user=county.bob.__class__.objects.create(username="tb"),
                                                   role=Role.TELLER, head_office=county.head_office,
                                                   branch=county.v_b.branch).user
    with pytest.raises(Drawdown.DoesNotExist):
        disburse(county, drawdown, user=other_teller)
    with pytest.raises(CreditLine.DoesNotExist):
        from credit_use.services.drawdowns import drawdown_create
        from tests.credit_use.factories_drawdowns import application
        drawdown_create(scope=scope_for_user(county.bob), actor=county.bob, line_id=county.lines[0].pk,
                        data=application())
    assert reload(drawdown).status == Drawdown.Status.APPROVED and count() == 1


def test_blacklisted_borrower_cannot_submit(county):
    drawdown = create(county, 0)  # the entry is made after the draft was saved
    with scopes_disabled():
        head = county.h[0].members.get(relation="户主")
        BlacklistEntry.objects.create(head_office=county.head_office, id_number=head.id_number, reason="恶意逃废债")
    error = refused(submit, county, drawdown)
    assert codes(error) == {"C4"} and head.id_number not in str(error)


# --- P6: the pre-disbursement notice ------------------------------------------------------------------

def test_above_the_threshold_approval_publishes_the_notice_and_disbursement_waits(county, settings):
    settings.PREDISBURSEMENT_NOTICE_THRESHOLD, settings.PREDISBURSEMENT_NOTICE_DAYS = 30000, 3
    small = create(county, 1, amount=D(30000))
    submit(county, small)
    decide(county, small)
    big = create(county, 0, amount=D(40000), investigated_on=timezone.localdate(), investigation="实地调查")
    submit(county, big)
    decide(county, big)
    with scopes_disabled():
        notices = list(Notice.objects.filter(kind=NoticeKind.PREDISBURSEMENT))
    assert len(notices) == 1 and big.number in notices[0].title and notices[0].village == county.v_a
    today = timezone.localdate()
    assert notices[0].starts_on == today and notices[0].ends_on == today + datetime.timedelta(days=2)
    rows = notices[0].snapshot["groups"][0]["rows"]
    assert rows == [[1, "王*明", "40,000", "种植葡萄", str(Drawdown(guarantee="group").get_guarantee_display())]]
    assert notices[0].snapshot["groups"][0]["name"] == county.g1.name
    assert county.spouse.id_number not in str(notices[0].snapshot)
    assert codes(refused(disburse, county, big, today=notices[0].ends_on + datetime.timedelta(days=1))) == {"P6"}
    from publicity.services import notice_render

    notice_render(notices[0].pk)  # printed (the job, after commit) and posted in the village
    error = refused(disburse, county, big, today=notices[0].ends_on)
    assert codes(error) == {"P6"}
    assert disburse(county, big, today=notices[0].ends_on + datetime.timedelta(days=1)).status == "disbursed"
    assert disburse(county, small).status == "disbursed"  # at the threshold: no notice needed


def test_nothing_half_written_when_guarantors_are_refused(county):
    drawdown = create(county, 3)
    from credit_use.services.drawdowns import drawdown_update
    from tests.credit_use.factories_drawdowns import application
    with scopes_disabled():
        before = list(DrawdownGuarantor.objects.filter(drawdown=drawdown).values_list("household_id", "amount"))
    refused(drawdown_update, scope=scope_for_user(county.tina), actor=county.tina, drawdown_id=drawdown.pk,
            version=1, data=application(guarantee=GuaranteeKind.GUARANTORS, guarantors=(("A-0001", None), ("X", None))))
    with scopes_disabled():
        after = list(DrawdownGuarantor.objects.filter(drawdown=drawdown).values_list("household_id", "amount"))
    assert before == after and reload(drawdown).version == 1
