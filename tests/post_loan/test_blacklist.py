"""C4/R2 (issue 16 item 5): the blacklist's life in the services — adding (ID validated, duplicates refused, makers
only), the removal by maker-checker, the erase date and the daily job that lifts an entry on it, and the checks of
the lower apps that read `active`."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django_scopes import scopes_disabled

from credit_use.selectors.drawdowns import blacklist_hits
from households.selectors import blacklisted_households
from post_loan.rules.blacklist import add_years, erase_date
from post_loan.services import blacklist as services
from sunshine_credit.approvals import ApprovalRefused, approval_decide, approval_inbox
from sunshine_credit.errors import Stale
from sunshine_credit.models import Approval, BlacklistEntry, Role
from sunshine_credit.scoping import activate
from tests.factories import BranchFactory, HeadOfficeFactory, StaffFactory, VillageFactory, make_id_number

D = datetime.date


def add(county, user, number=None, **kwargs):
    values = {"id_number": number or make_id_number(), "name": "钱多多", "reason": "恶意拖欠贷款本息",
              "source": "清收台账", "evidence": "(2026)执字第7号", **kwargs}
    return services.blacklist_add(scope=county.scope(user), actor=user, **values)


def request_removal(county, user, entry, reason="已结清并经核实"):
    return services.blacklist_removal_request(scope=county.scope(user), actor=user, pk=entry.pk, reason=reason)


def decide(county, user, approval, approve=True, note=""):
    return approval_decide(scope=county.scope(user), actor=user, approval_id=approval.pk, approve=approve,
                           note=note)


def inbox(county, user) -> list[Approval]:
    scope = county.scope(user)
    with activate(scope):
        return list(approval_inbox(scope=scope))


def status(approval) -> str:
    with scopes_disabled():
        return Approval.objects.get(pk=approval.pk).status


def fresh(entry) -> BlacklistEntry:
    with scopes_disabled():
        return BlacklistEntry.objects.get(pk=entry.pk)


# --- the rules: the erase date ----------------------------------------------------------------------------------

def test_erase_date_is_five_years_after_settlement_and_feb_29_becomes_feb_28():
    assert erase_date(D(2026, 3, 15), years=5) == D(2031, 3, 15)
    assert erase_date(D(2024, 2, 29), years=5) == D(2029, 2, 28)   # 2029 has no 29 February
    assert erase_date(D(2024, 2, 29), years=4) == D(2028, 2, 29)   # 2028 has one
    assert add_years(D(2024, 2, 28), 5) == D(2029, 2, 28)


# --- adding ---------------------------------------------------------------------------------------------------

def test_officer_and_admin_add_with_reason_source_and_evidence(county):
    entry = add(county, county.tina, number=make_id_number(sequence=11))
    assert (entry.active, entry.created_by, entry.source, entry.evidence) == (True, county.tina, "清收台账",
                                                                               "(2026)执字第7号")
    assert add(county, county.ada).created_by == county.ada


@pytest.mark.parametrize("who", ["pat", "sue", "aude", "tom"])
def test_only_makers_add(county, who):
    with pytest.raises(PermissionDenied):
        add(county, county[who])
    assert not BlacklistEntry.objects.exists()


def test_id_number_is_validated_and_a_lower_case_x_stored_upper_case(county):
    number = make_id_number(sequence=12)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(services.BlacklistRefused) as exc:
        add(county, county.tina, number=wrong)
    assert exc.value.errors[0][0] == "id_number"
    with pytest.raises(services.BlacklistRefused):
        add(county, county.tina, number="12345")
    x_number = next(n for n in (make_id_number(sequence=s) for s in range(13, 200)) if n.endswith("X"))
    assert add(county, county.tina, number=x_number.lower()).id_number == x_number


def test_reason_and_source_are_required(county):
    for field in ("reason", "source", "name"):
        with pytest.raises(services.BlacklistRefused) as exc:
            add(county, county.tina, **{field: "  "})
        assert exc.value.errors[0][0] == field
    assert not BlacklistEntry.objects.exists()


def test_an_id_on_the_active_list_is_refused_a_removed_one_may_come_back(county):
    number = make_id_number(sequence=14)
    first = add(county, county.tina, number=number)
    with pytest.raises(services.BlacklistRefused) as exc:
        add(county, county.ada, number=number)
    assert exc.value.errors[0][0] == "id_number"
    BlacklistEntry.objects.filter(pk=first.pk).update(active=False)
    assert add(county, county.ada, number=number).active


# --- removal: maker-checker -------------------------------------------------------------------------------------

def test_an_administrator_alone_cannot_remove_an_entry_they_asked_to_remove(county):
    entry = add(county, county.tina)
    approval = request_removal(county, county.ada, entry)
    with pytest.raises(ApprovalRefused):
        decide(county, county.ada, approval)
    assert fresh(entry).active
    assert status(approval) == Approval.Status.PENDING


def test_a_second_administrator_approves_and_the_removal_is_recorded(county):
    ada2 = StaffFactory(head_office=county.head_office, role=Role.ADMIN, branch=None).user
    entry = add(county, county.tina)
    approval = request_removal(county, county.ada, entry, reason="法院裁定撤销")
    decide(county, ada2, approval)
    entry = fresh(entry)
    assert (entry.active, entry.removed_by, entry.removal_reason) == (False, ada2, "法院裁定撤销")
    assert entry.removed_at is not None and entry.lifted_at is None
    changes = LogEntry.objects.get_for_object(entry).filter(action=LogEntry.Action.UPDATE).first().changes
    assert changes["active"] == ["True", "False"]


def test_the_officers_request_goes_to_their_branch_president_who_approves(county):
    entry = add(county, county.ada)
    approval = request_removal(county, county.tina, entry)
    assert approval.village_id in county.scope(county.tina).village_ids
    assert approval in inbox(county, county.pat)
    assert approval not in inbox(county, county.pete)   # another branch's president
    with pytest.raises(Approval.DoesNotExist):
        decide(county, county.pete, approval)
    decide(county, county.pat, approval)
    assert fresh(entry).removed_by == county.pat


def test_the_requesting_officer_cannot_decide_and_refusing_keeps_the_entry(county):
    entry = add(county, county.tina)
    approval = request_removal(county, county.tina, entry)
    with pytest.raises(PermissionDenied):           # an officer's role does not decide at all
        decide(county, county.tina, approval)
    with pytest.raises(ApprovalRefused):             # a refusal needs its reason
        decide(county, county.pat, approval, approve=False)
    decide(county, county.pat, approval, approve=False, note="证据不足")
    assert fresh(entry).active


def test_a_second_removal_request_while_one_waits_is_refused(county):
    entry = add(county, county.tina)
    request_removal(county, county.tina, entry)
    with pytest.raises(ApprovalRefused):
        request_removal(county, county.ada, entry)
    with scopes_disabled():
        assert Approval.objects.filter(kind=services.REMOVAL_KIND).count() == 1


@pytest.mark.parametrize("who", ["pat", "sue", "aude"])
def test_checkers_and_readers_do_not_request_removals(county, who):
    entry = add(county, county.tina)
    with pytest.raises(PermissionDenied):
        request_removal(county, county[who], entry)


def test_another_head_office_neither_requests_nor_decides(county):
    entry = add(county, county.tina)
    other = HeadOfficeFactory(code="HQ2", name="另一家")
    VillageFactory(branch=BranchFactory(head_office=other))
    admin2 = StaffFactory(head_office=other, role=Role.ADMIN, branch=None).user
    with pytest.raises(Http404):
        request_removal(county, admin2, entry)
    approval = request_removal(county, county.tina, entry)
    with pytest.raises(Approval.DoesNotExist):
        decide(county, admin2, approval)
    with pytest.raises(Http404):
        services.blacklist_settle(scope=county.scope(admin2), actor=admin2, pk=entry.pk, settled_on=D(2026, 1, 1),
                                  version=entry.version)
    assert fresh(entry).active and status(approval) == Approval.Status.PENDING


# --- settlement and the erase date -----------------------------------------------------------------------------

def settle(county, user, entry, day, today=None):
    return services.blacklist_settle(scope=county.scope(user), actor=user, pk=entry.pk, settled_on=day,
                                     version=fresh(entry).version, today=today)


def test_settling_sets_the_erase_date_from_the_setting(county, settings):
    entry = add(county, county.tina)
    today = timezone.localdate()
    assert settle(county, county.tina, entry, today).erase_on == add_years(today, 5)
    settings.BLACKLIST_ERASE_YEARS = 3
    assert settle(county, county.ada, entry, today).erase_on == add_years(today, 3)


def test_settled_on_29_february_is_erased_on_28_february(county):
    entry = add(county, county.tina)
    BlacklistEntry.objects.filter(pk=entry.pk).update(created_at=timezone.make_aware(datetime.datetime(2024, 1, 1)))
    assert settle(county, county.tina, entry, D(2024, 2, 29), today=D(2024, 3, 1)).erase_on == D(2029, 2, 28)


def test_settlement_date_neither_in_the_future_nor_before_the_listing(county):
    entry = add(county, county.tina)
    today = timezone.localdate()
    for day in (today + datetime.timedelta(days=1), today - datetime.timedelta(days=1)):
        with pytest.raises(services.BlacklistRefused) as exc:
            settle(county, county.tina, entry, day)
        assert exc.value.errors[0][0] == "settled_on"
    assert fresh(entry).erase_on is None


def test_settling_with_a_stale_version_writes_nothing_and_readers_may_not(county):
    entry = add(county, county.tina)
    with pytest.raises(Stale):
        services.blacklist_settle(scope=county.scope(county.tina), actor=county.tina, pk=entry.pk,
                                  settled_on=timezone.localdate(), version=entry.version + 1)
    with pytest.raises(PermissionDenied):
        settle(county, county.sue, entry, timezone.localdate())
    assert fresh(entry).settled_on is None


# --- the daily job's step ---------------------------------------------------------------------------------------

def test_lift_expired_on_the_erase_date_not_the_day_before_and_only_once(county):
    due = add(county, county.tina)
    tomorrow = add(county, county.tina)
    unsettled = add(county, county.tina)
    today = D(2031, 3, 15)
    BlacklistEntry.objects.filter(pk=due.pk).update(erase_on=today)
    BlacklistEntry.objects.filter(pk=tomorrow.pk).update(erase_on=today + datetime.timedelta(days=1))
    assert services.lift_expired(today=today) == 1
    assert services.lift_expired(today=today) == 0     # idempotent: three runs, one result
    assert services.lift_expired(today=today) == 0
    assert (fresh(due).active, fresh(tomorrow).active, fresh(unsettled).active) == (False, True, True)
    assert fresh(due).lifted_at is not None and fresh(due).removed_by is None
    kind = ContentType.objects.get_for_model(BlacklistEntry)
    log = LogEntry.objects.filter(content_type=kind, object_pk=str(due.pk), action=LogEntry.Action.UPDATE).get()
    assert log.changes["active"] == ["True", "False"] and log.actor is None     # recorded, by nobody
    assert services.lift_expired(today=today + datetime.timedelta(days=1)) == 1
    assert not fresh(tomorrow).active


def test_lifting_withdraws_a_waiting_removal_request(county):
    entry = add(county, county.tina)
    approval = request_removal(county, county.tina, entry)
    BlacklistEntry.objects.filter(pk=entry.pk).update(erase_on=D(2030, 1, 1))
    services.lift_expired(today=D(2030, 1, 1))
    assert status(approval) == Approval.Status.WITHDRAWN
    with pytest.raises(ApprovalRefused):
        decide(county, county.pat, approval)


# --- the checks of the lower apps read `active` ------------------------------------------------------------------

def test_a_lifted_entry_no_longer_blocks_the_drawdown_and_archive_checks_an_active_one_does(county):
    home = county.household()
    number = home.representative.id_number
    entry = add(county, county.tina, number=number)
    assert blacklist_hits(head_office_id=county.head_office.pk, household_ids=[home.pk]) == [
        (home.code, "恶意拖欠贷款本息")]
    assert blacklisted_households(head_office_id=county.head_office.pk, household_ids=[home.pk]) == {
        home.pk: home.code}
    BlacklistEntry.objects.filter(pk=entry.pk).update(erase_on=D(2030, 1, 1))
    services.lift_expired(today=D(2030, 1, 1))
    assert blacklist_hits(head_office_id=county.head_office.pk, household_ids=[home.pk]) == []
    assert blacklisted_households(head_office_id=county.head_office.pk, household_ids=[home.pk]) == {}
