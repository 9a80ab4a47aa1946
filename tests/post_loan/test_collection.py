"""C3/C7: collection cases — opened on the first day overdue (once), closed when repaid; the limitation clock
moved by a signed receipt of a demand only, and its 90-day warning; classification at three months, not before;
hardship → an instalment plan by maker-checker, followed (completed / broken); malicious → legal action, the
blacklist and U9's revocation notice reused; the log and its promises; scope."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from credit_use.models import Drawdown, Repayment, RevocationCase
from credit_use.services.overdue import overdue_sweep
from post_loan.models import CollectionCase, CollectionEntry, InstalmentPlan, Letter
from post_loan.rules import collection as rules
from post_loan.rules.collection import Instalment
from post_loan.services import collection as services
from post_loan.services.letters import issue_due_letters, receipt_record
from publicity.models import Notice
from sunshine_credit.approvals import ApprovalRefused, approval_decide
from sunshine_credit.models import Approval, BlacklistEntry, Role, StaffProfile
from tests.post_loan.collection_world import DUE, make_collection_world, overdue_loan

D = datetime.date
ONE = datetime.timedelta(days=1)
FIRST = D(2027, 2, 1)        # first day overdue
THREE_MONTHS = D(2027, 5, 1)  # three months overdue (day 90 by the D − due_on count)


@pytest.fixture
def world(county):
    return make_collection_world(county)


def reload(obj):
    with scopes_disabled():
        return type(obj).objects.get(pk=obj.pk)


def case_of(loan) -> CollectionCase:
    with scopes_disabled():
        return CollectionCase.objects.get(drawdown=loan)


# --- opening and closing -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_case_opens_on_the_first_day_overdue_once(world):
    loan = overdue_loan(world, 0)
    assert services.open_cases(today=DUE) == 0
    assert services.open_cases(today=FIRST) == 1
    assert services.open_cases(today=FIRST) == 0 and services.open_cases(today=FIRST + ONE) == 0
    case = case_of(loan)
    assert (case.opened_on, case.limitation_from, case.limitation_ends_on) == (FIRST, FIRST, D(2030, 2, 1))
    assert case.status == CollectionCase.Status.OPEN


@pytest.mark.django_db
def test_a_case_closes_when_the_loan_is_repaid(world):
    loan = overdue_loan(world, 0)
    services.open_cases(today=FIRST)
    with scopes_disabled():
        Drawdown.objects.filter(pk=loan.pk).update(status=Drawdown.Status.REPAID, principal_outstanding=0)
    services.open_cases(today=FIRST + ONE)
    case = case_of(loan)
    assert case.status == CollectionCase.Status.CLOSED and case.closed_on == FIRST + ONE


# --- the limitation clock (C7) -----------------------------------------------------------------------------

def overdue_letter(world, loan, recipient=None) -> Letter:
    services.open_cases(today=FIRST)
    issue_due_letters(today=FIRST)
    with scopes_disabled():
        return Letter.objects.get(drawdown=loan, kind="overdue", recipient=recipient or loan.household)


@pytest.mark.django_db
def test_a_signed_receipt_of_a_demand_restarts_the_period_an_unsigned_one_does_not(world):
    loan = overdue_loan(world, 0)
    letter = overdue_letter(world, loan)
    receipt_record(scope=world.scope(world.tina), actor=world.tina, letter_id=letter.pk, version=letter.version,
                   delivered_on=D(2027, 2, 3), delivered_to="王一明", signed=False, today=D(2027, 2, 5))
    assert case_of(loan).limitation_ends_on == D(2030, 2, 1)
    letter = reload(letter)
    receipt_record(scope=world.scope(world.tina), actor=world.tina, letter_id=letter.pk, version=letter.version,
                   delivered_on=D(2027, 2, 4), delivered_to="王一明", signed=True, today=D(2027, 2, 5))
    case = case_of(loan)
    assert (case.limitation_from, case.limitation_ends_on) == (D(2027, 2, 4), D(2030, 2, 4))
    with scopes_disabled():
        assert CollectionEntry.objects.filter(case=case, kind="letter", letter=letter).count() == 2


@pytest.mark.django_db
def test_a_signed_maturity_notice_is_no_demand(world):
    loan = overdue_loan(world, 0)
    issue_due_letters(today=DUE - datetime.timedelta(days=14))
    services.open_cases(today=FIRST)
    with scopes_disabled():
        letter = Letter.objects.get(drawdown=loan, kind="maturity")
    receipt_record(scope=world.scope(world.tina), actor=world.tina, letter_id=letter.pk, version=letter.version,
                   delivered_on=D(2027, 1, 20), delivered_to="王一明", signed=True, today=D(2027, 2, 5))
    assert case_of(loan).limitation_from == FIRST


@pytest.mark.parametrize(("days_left", "state"), [(91, "running"), (90, "warning"), (0, "warning"), (-1, "ended")])
def test_the_limitation_warning_starts_90_days_before(days_left, state):
    today = D(2029, 11, 1)
    assert rules.limitation_state(ends_on=today + datetime.timedelta(days=days_left), today=today) == state


@pytest.mark.django_db
def test_the_list_filter_and_badge_for_periods_ending_within_90_days(client, world):
    soon, later = overdue_loan(world, 0), overdue_loan(world, 1)
    services.open_cases(today=FIRST)
    today = timezone.localdate()
    with scopes_disabled():
        CollectionCase.objects.filter(drawdown=soon).update(limitation_ends_on=today + datetime.timedelta(days=90))
        CollectionCase.objects.filter(drawdown=later).update(limitation_ends_on=today + datetime.timedelta(days=91))
    world.login(client, world.tina)
    page = client.get(reverse("post_loan:case_list"), {"limitation": "on"}).content.decode()
    assert f'data-case="{case_of(soon).pk}"' in page and f'data-case="{case_of(later).pk}"' not in page
    page = client.get(reverse("post_loan:case_list")).content.decode()
    assert page.count("limitation-badge") == 1


# --- classification at three months ------------------------------------------------------------------------

def classify(world, loan, cause, *, today, user=None):
    user = user or world.tina
    case = case_of(loan)
    return services.case_classify(scope=world.scope(user), actor=user, case_id=case.pk, version=case.version,
                                  cause=cause, note="外出务工，收入中断", today=today)


@pytest.mark.django_db
def test_classification_at_three_months_not_a_day_before(world):
    loan = overdue_loan(world, 0)
    services.open_cases(today=FIRST)
    assert (THREE_MONTHS - DUE).days == 90
    with pytest.raises(services.CollectionRefused):
        classify(world, loan, "hardship", today=THREE_MONTHS - ONE)  # day 89
    assert classify(world, loan, "hardship", today=THREE_MONTHS).cause == "hardship"


def propose(world, loan, *, amounts=("8000", "12000"), user=None, today=THREE_MONTHS):
    user = user or world.tina
    case = case_of(loan)
    items = [Instalment(today + datetime.timedelta(days=30 * (n + 1)), Decimal(a)) for n, a in enumerate(amounts)]
    return services.plan_propose(scope=world.scope(user), actor=user, case_id=case.pk, version=case.version,
                                 items=items, note="暂时困难，分两期归还", today=today)


def decide(world, plan, user, approve=True):
    with scopes_disabled():
        approval = Approval.objects.get(kind="instalment_plan", subject_id=plan.pk, status="pending")
    return approval_decide(scope=world.scope(user), actor=user, approval_id=approval.pk, approve=approve)


@pytest.mark.django_db
def test_hardship_plan_must_add_up_and_its_maker_cannot_approve_it(world):
    loan = overdue_loan(world, 0)
    services.open_cases(today=FIRST)
    classify(world, loan, "hardship", today=THREE_MONTHS)
    with pytest.raises(services.CollectionRefused):
        propose(world, loan, amounts=("8000", "11999"))
    plan = propose(world, loan)
    for user in (world.tina, world.ada):  # an officer or an administrator decides no plan
        with pytest.raises(PermissionDenied):
            decide(world, plan, user)
    with scopes_disabled():  # tina made president of her branch: still the plan's maker (O3)
        StaffProfile.objects.filter(user=world.tina).update(role=Role.PRESIDENT)
        world.tina.staff_profile.refresh_from_db()
    with pytest.raises(ApprovalRefused):
        decide(world, plan, world.tina)
    decide(world, plan, world.pat)
    assert reload(plan).status == InstalmentPlan.Status.ACTIVE
    assert case_of(loan).status == CollectionCase.Status.INSTALMENTS


def active_plan(world, loan) -> InstalmentPlan:
    services.open_cases(today=FIRST)
    classify(world, loan, "hardship", today=THREE_MONTHS)
    plan = propose(world, loan)
    decide(world, plan, world.pat)
    return reload(plan)


def pay(world, loan, amount, on):
    with scopes_disabled():
        Repayment.objects.create(drawdown=loan, kind=Repayment.Kind.PRINCIPAL, amount=Decimal(amount), paid_on=on,
                                 recorded_by=world.tom)


@pytest.mark.django_db
def test_instalments_are_followed_oldest_first_and_the_plan_completes(world):
    loan = overdue_loan(world, 0)
    plan = active_plan(world, loan)
    approved = timezone.localdate()
    pay(world, loan, "5000", approved - ONE)  # before the approval: not the plan's
    pay(world, loan, "9000", approved)
    services.follow_instalments(today=approved)
    with scopes_disabled():
        assert [i.paid for i in plan.items.all()] == [Decimal(8000), Decimal(1000)]
    assert reload(plan).status == InstalmentPlan.Status.ACTIVE
    pay(world, loan, "11000", approved)
    assert services.follow_instalments(today=approved)["completed"] == 1
    assert reload(plan).status == InstalmentPlan.Status.COMPLETED


@pytest.mark.django_db
def test_an_instalment_unpaid_30_days_after_its_date_breaks_the_plan(world, settings):
    settings.POST_LOAN_INSTALMENT_GRACE_DAYS = 30
    loan = overdue_loan(world, 0)
    plan = active_plan(world, loan)
    with scopes_disabled():
        first = plan.items.first()
    services.follow_instalments(today=first.due_on + datetime.timedelta(days=29))
    assert reload(plan).status == InstalmentPlan.Status.ACTIVE
    services.follow_instalments(today=first.due_on + datetime.timedelta(days=30))
    assert reload(plan).status == InstalmentPlan.Status.BROKEN
    assert case_of(loan).status == CollectionCase.Status.OPEN


# --- malicious default -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_malicious_default_blacklists_and_reuses_the_revocation_notice(world):
    loan = overdue_loan(world, 0, group=True)
    overdue_sweep(today=FIRST)  # U9 revokes and publishes the village notice
    services.open_cases(today=FIRST)
    with scopes_disabled():
        revocation = RevocationCase.objects.get(drawdown=loan, notice__isnull=False)
        notices = Notice.objects.count()
    assert revocation.notice_id is not None
    case = classify(world, loan, "malicious", today=THREE_MONTHS)
    assert case.status == CollectionCase.Status.LEGAL and case.revocation_id == revocation.pk
    with scopes_disabled():
        assert Notice.objects.count() == notices  # no second notice
        head = world.h[0].members.get(relation="户主")
        entry = BlacklistEntry.objects.get(id_number=head.id_number, active=True)
    assert entry.source == "collection" and loan.loan_number in entry.reason


@pytest.mark.django_db
def test_malicious_default_without_a_revocation_opens_one_through_u9(world):
    loan = overdue_loan(world, 0, group=True)
    services.open_cases(today=FIRST)
    case = classify(world, loan, "malicious", today=THREE_MONTHS)
    with scopes_disabled():
        revocation = RevocationCase.objects.get(drawdown=loan, cause="overdue")
    assert case.revocation_id == revocation.pk and revocation.notice_id is not None


# --- the log -----------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_promises_past_their_date_are_judged_from_the_repayments(world):
    kept_loan, broken_loan = overdue_loan(world, 0), overdue_loan(world, 1)
    services.open_cases(today=FIRST)
    for loan in (kept_loan, broken_loan):
        services.entry_add(scope=world.scope(world.tina), actor=world.tina, case_id=case_of(loan).pk,
                           kind="promise", on=D(2027, 2, 10), promised_amount=Decimal(3000),
                           promised_by=D(2027, 2, 20), today=D(2027, 2, 10))
    pay(world, kept_loan, "3000", D(2027, 2, 20))
    pay(world, broken_loan, "3000", D(2027, 2, 21))  # a day late
    assert services.follow_instalments(today=D(2027, 2, 20))["promises_kept"] == 0  # not past its date yet
    counts = services.follow_instalments(today=D(2027, 2, 21))
    assert (counts["promises_kept"], counts["promises_broken"]) == (1, 1)
    with scopes_disabled():
        assert CollectionEntry.objects.get(case__drawdown=kept_loan).promise_kept is True
        assert CollectionEntry.objects.get(case__drawdown=broken_loan).promise_kept is False


@pytest.mark.django_db
def test_case_page_shows_loan_letters_log_and_clock_and_the_officer_logs_a_visit(client, world):
    loan = overdue_loan(world, 3, guarantors=(1,))
    services.open_cases(today=FIRST)
    issue_due_letters(today=FIRST)
    case = case_of(loan)
    world.login(client, world.tina)
    response = client.post(reverse("post_loan:case_entry", args=[case.pk]),
                           {"kind": "visit", "on": timezone.localdate().isoformat(), "note": "上门催收，本人不在"})
    assert response.status_code == 302
    page = client.get(reverse("post_loan:case_detail", args=[case.pk])).content.decode()
    assert "上门催收，本人不在" in page and 'id="limitation-clock"' in page and "2030-02-01" in page
    assert page.count("<tr><td>2027-02-01</td>") == 2  # the two overdue notices
    assert loan.loan_number in page


@pytest.mark.django_db
def test_another_branchs_case_is_404_and_nothing_is_written(client, world):
    loan = overdue_loan(world, 0)
    services.open_cases(today=FIRST)
    case = case_of(loan)
    world.login(client, world.bob)
    assert client.get(reverse("post_loan:case_detail", args=[case.pk])).status_code == 404
    assert client.post(reverse("post_loan:case_entry", args=[case.pk]),
                       {"kind": "note", "on": "2027-02-02", "note": "x"}).status_code == 404
    with pytest.raises(Http404):
        services.entry_add(scope=world.scope(world.bob), actor=world.bob, case_id=case.pk, kind="note",
                           on=D(2027, 2, 2), note="x", today=D(2027, 2, 2))
    with scopes_disabled():
        assert not CollectionEntry.objects.exists()


@pytest.mark.django_db
def test_case_list_queries_do_not_grow_with_the_cases(client, world, django_assert_max_num_queries):
    for i in range(2):
        overdue_loan(world, i)
    services.open_cases(today=FIRST)
    world.login(client, world.pat)
    with django_assert_max_num_queries(14) as few:
        assert client.get(reverse("post_loan:case_list")).status_code == 200
    for i in range(2, 4):
        overdue_loan(world, i)
    services.open_cases(today=FIRST)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("post_loan:case_list")).content.decode()
    assert page.count("data-case=") == 4


@pytest.mark.django_db
def test_the_officer_judges_a_promise_by_hand(client, world):
    loan = overdue_loan(world, 0)
    services.open_cases(today=FIRST)
    today = timezone.localdate()
    entry = services.entry_add(scope=world.scope(world.tina), actor=world.tina, case_id=case_of(loan).pk,
                               kind="promise", on=today, promised_amount=Decimal(500), promised_by=today)
    world.login(client, world.tina)
    response = client.post(reverse("post_loan:promise_mark", args=[entry.pk]), {"kept": "0"})
    assert response.status_code == 302 and reload(entry).promise_kept is False
    world.login(client, world.pat)  # a president reads the case but writes nothing in it
    assert client.post(reverse("post_loan:promise_mark", args=[entry.pk]), {"kept": "1"}).status_code == 403
    assert reload(entry).promise_kept is False
