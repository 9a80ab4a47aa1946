"""Issue 15 item 2, the bank's own loans count: a drawdown this system disbursed that still owes principal shows among
the household page's loans, raises the pre-check's flags (A6 1 and 2), and lowers its household's capacity to
guarantee (G5); and the blacklist (C4) blocks a named guarantor, a group drawdown, the approval and the disbursement."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from appraisal import facts as appraisal_facts
from credit_use.models import Drawdown, GuaranteeKind
from credit_use.rules.drawdowns import risk_class_floor
from credit_use.rules.guarantee import guarantor_capacity
from credit_use.services.drawdowns import DrawdownRefused
from households.models import LoanClass
from sunshine_credit.approvals import ApprovalRefused
from sunshine_credit.models import BlacklistEntry
from tests.appraisal.factories import make_panel_world
from tests.appraisal.test_precheck import close, decision_of, enter_granted
from tests.credit_use.factories_drawdowns import (
    create,
    decide,
    disburse,
    make_drawdown_world,
    raw_drawdown,
    reload,
    submit,
)
from tests.guarantee_groups.factories import give_line

D = Decimal
TODAY = datetime.date(2026, 12, 6)


# --- rules, no database ----------------------------------------------------------------------------------

def test_capacity_is_the_line_less_guarantees_and_own_borrowing():
    assert guarantor_capacity(line_amount=D(40000), guaranteed=D(15000), borrowed=D(10000)) == D(15000)
    assert guarantor_capacity(line_amount=D(40000), guaranteed=D(15000), borrowed=D(30000)) == 0
    assert guarantor_capacity(line_amount=D(40000), guaranteed=D(0)) == D(40000)


@pytest.mark.parametrize(("due_on", "outstanding", "expected"), [
    (TODAY, D(100), LoanClass.NORMAL), (TODAY + datetime.timedelta(days=5), D(100), LoanClass.NORMAL),
    (TODAY - datetime.timedelta(days=1), D(100), LoanClass.SPECIAL_MENTION),
    (TODAY - datetime.timedelta(days=300), D(0), LoanClass.NORMAL),  # repaid: not overdue
    (TODAY - datetime.timedelta(days=90), D(100), LoanClass.SPECIAL_MENTION),
    (TODAY - datetime.timedelta(days=91), D(100), LoanClass.SUBSTANDARD),
    (TODAY - datetime.timedelta(days=270), D(100), LoanClass.SUBSTANDARD),
    (TODAY - datetime.timedelta(days=271), D(100), LoanClass.DOUBTFUL),
    (TODAY - datetime.timedelta(days=360), D(100), LoanClass.DOUBTFUL),
    (TODAY - datetime.timedelta(days=361), D(100), LoanClass.LOSS),
])
def test_the_class_floor_by_days_overdue(due_on, outstanding, expected):
    # counted from the due date (the first day overdue is 1 day overdue): 90 days is still 关注, the 91st is 次级 —
    # the same rule as post_loan's daily classification (sunshine_credit.lib.risk)
    assert risk_class_floor(due_on=due_on, outstanding=outstanding, today=TODAY) == expected


# --- the pre-check (A6) ----------------------------------------------------------------------------------

def own_drawdown(county, home, *, amount, outstanding, overdue_since=None) -> Drawdown:
    """A disbursed drawdown of `home` written straight to the table (its line too)."""
    line = give_line(home, 100000, campaign=county.campaign)
    today = timezone.localdate()
    # overdue since a day: due the day before (the classification counts from the due date)
    due_on = overdue_since - datetime.timedelta(days=1) if overdue_since else today + datetime.timedelta(days=150)
    with scopes_disabled():
        return Drawdown.objects.create(
            head_office=county.head_office, village=home.village, household=home, line=line,
            number=f"OWN{Drawdown.objects.count() + 1:05d}", loan_number=f"BRA{Drawdown.objects.count() + 1:08d}",
            amount=D(amount), purpose="养殖", applied_on=due_on - datetime.timedelta(days=180) if overdue_since else today,
            due_on=due_on,
            annual_rate=D("0.065"), guarantee=GuaranteeKind.GROUP, status=Drawdown.Status.DISBURSED,
            principal_outstanding=D(outstanding), disbursed_at=timezone.now(), overdue_since=overdue_since,
            created_by=county.tina, submitted_by=county.tina)


@pytest.mark.django_db
def test_the_systems_own_outstanding_drawdown_raises_the_a6_flag(county):
    make_panel_world(county, households=3)
    enter_granted(county, 0)                                   # granted at 52,000
    enter_granted(county, 1)
    own_drawdown(county, county.households[0], amount=52001, outstanding=25000)  # flag 2: 52,001 > 52,000
    own_drawdown(county, county.households[1], amount=52000, outstanding=25000)  # not above: no flag 2
    own_drawdown(county, county.households[2], amount=30000, outstanding=10000,  # not on the list: flag 1;
                 overdue_since=timezone.localdate() - datetime.timedelta(days=100))  # over 90 days: 3 too
    close(county)
    assert decision_of(county, 0).precheck_flags == [2]
    assert decision_of(county, 1).precheck_flags == []
    assert decision_of(county, 2).precheck_flags == [1, 3]


@pytest.mark.django_db
def test_a_repaid_own_drawdown_raises_nothing(county):
    make_panel_world(county, households=1)
    own_drawdown(county, county.households[0], amount=30000, outstanding=0)
    close(county)
    assert decision_of(county, 0).precheck_flags == []


def test_the_precheck_refuses_to_run_without_the_provider(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured
    monkeypatch.setattr(appraisal_facts, "_providers", {})
    with pytest.raises(ImproperlyConfigured):
        appraisal_facts.own_loans([1])


# --- the household page ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_household_page_shows_the_systems_own_loan(client, county):
    make_drawdown_world(county)
    home = county.h[0]
    client.force_login(county.tina)
    url = f"/households/{home.pk}/"
    assert _("No existing loans.") in client.get(url).content.decode()  # before: nothing to show
    drawdown = raw_drawdown(county, 0, amount=30000, outstanding=25000)
    raw_drawdown(county, 0, amount=5000, outstanding=0, number="RAWREPAID")  # repaid: not a current loan
    page = client.get(url).content.decode()
    assert _("No existing loans.") not in page and "无存量贷款" not in page
    loans = page[page.index('id="loan-table"'):page.index("</table>", page.index('id="loan-table"'))]
    # Among the loans only the one still owing; the repaid one is history (the drawdowns further down the page).
    assert drawdown.number in loans and "25,000.00" in loans and "RAWREPAID" not in loans
    assert _("current loan disbursed by this system") in page
    client.force_login(county.bob)  # 王庄支行's officer: not his household
    assert client.get(url).status_code == 404


# --- G5: the guarantor's own loans reduce its capacity ---------------------------------------------------

@pytest.fixture
def world(county):
    return make_drawdown_world(county)


def refused(call, *args, **kwargs):
    with pytest.raises(DrawdownRefused) as info:
        call(*args, **kwargs)
    return info.value


@pytest.mark.django_db
def test_a_guarantors_own_outstanding_loan_reduces_its_capacity(world):
    raw_drawdown(world, 1, amount=30000, outstanding=25000)  # h[1] (line 40,000) owes 25,000 of its own
    error = refused(create, world, 3, amount=D("15000.01"), guarantors=(("A-0002", None),))
    assert {e.code for e in error.errors} == {"G5"} and "A-0002" in str(error)
    create(world, 3, amount=D(15000), guarantors=(("A-0002", None),))  # 40,000 − 25,000: exactly enough


# --- C4: the blacklist blocks guarantors, group drawdowns, the approval and the disbursement -------------

def blacklist(county, home):
    with scopes_disabled():
        head = home.members.get(relation="户主")
        return BlacklistEntry.objects.create(head_office=county.head_office, id_number=head.id_number,
                                             reason="恶意逃废债")


@pytest.mark.django_db
def test_a_blacklisted_named_guarantor_is_refused_naming_the_household(world):
    blacklist(world, world.h[1])
    error = refused(create, world, 3, guarantors=(("A-0002", None),))
    assert "C4" in {e.code for e in error.errors} and "A-0002" in str(error)
    create(world, 3, guarantors=(("A-0001", None),))  # another guarantor: accepted


@pytest.mark.django_db
def test_a_group_drawdown_with_a_blacklisted_fellow_member_is_refused(world):
    blacklist(world, world.h[2])  # a member of the borrower's group
    error = refused(create, world, 0)
    assert "C4" in {e.code for e in error.errors} and "A-0003" in str(error)


@pytest.mark.django_db
def test_the_approval_and_the_disbursement_check_the_blacklist_again(world):
    drawdown = create(world, 0)
    submit(world, drawdown)
    entry = blacklist(world, world.h[0])
    with pytest.raises(ApprovalRefused):
        decide(world, drawdown)
    assert reload(drawdown).status == Drawdown.Status.SUBMITTED
    with scopes_disabled():
        BlacklistEntry.objects.filter(pk=entry.pk).update(active=False)
    decide(world, drawdown)
    blacklist(world, world.h[0])
    error = refused(disburse, world, drawdown)
    assert "C4" in {e.code for e in error.errors}
    assert reload(drawdown).status == Drawdown.Status.APPROVED and reload(drawdown).principal_outstanding == 0
