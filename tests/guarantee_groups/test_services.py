"""G1–G4 and G7 through the services: forming, changing, dissolving groups; re-checking them when a member's
line changes (credit_use.services.line_change: requested by the officer, applied once head office approves) or is
revoked; R3 stale versions; scope (R1)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from django_scopes import scopes_disabled

from credit_use.models import CreditLine, CreditLineEvent, Drawdown, LineStatus
from credit_use.services.line_change import LineChangeRefused, line_change_request
from guarantee_groups import services
from guarantee_groups.models import GroupMember, GuaranteeGroup
from guarantee_groups.services import GroupRefused, group_drawdown_refusal, groups_recheck
from sunshine_credit.approvals import approval_decide
from sunshine_credit.errors import Stale
from sunshine_credit.scoping import activate, scope_for_user

from .factories import add_household, make_group, make_group_world, reload

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(county):
    """The shared county with five households of 东岭村 holding lines (make_group_world)."""
    return make_group_world(county)


def ids(county, *indexes):
    return [county.households[i].pk for i in indexes]


def form(county, indexes=(0, 1, 2), *, user="tina", leader=None, village=None, **kwargs):
    user = county[user]
    scope = scope_for_user(user)
    household_ids = ids(county, *indexes)
    leader_id = household_ids[0] if leader is None else leader
    with activate(scope):
        return services.group_form(scope=scope, actor=user, village_id=(village or county.v_a).pk,
                                   household_ids=household_ids, leader_id=leader_id, **kwargs)


def call(county, fn, user="tina", **kwargs):
    user = county[user]
    scope = scope_for_user(user)
    with activate(scope):
        return fn(scope=scope, actor=user, **kwargs)


def group_count():
    with scopes_disabled():
        return GuaranteeGroup.objects.count(), GroupMember.objects.count()


# --- forming: G1–G4 ----------------------------------------------------------------------------------------

def test_the_officer_forms_a_group_numbered_in_its_village(county):
    group = form(county, name="互助一组", allows_outside=False)
    group = reload(group)
    assert (group.number, group.name, group.allows_outside, group.status) == (1, "互助一组", False, "active")
    assert group.leader_id == county.households[0].pk and not group.flagged and group.checked_at
    with scopes_disabled():
        assert sorted(group.members.filter(active=True).values_list("household_id", flat=True)) == sorted(ids(county, 0, 1, 2))


def test_numbers_follow_on_in_the_village(county):
    first = form(county, (1, 2, 4))
    add_household(county, 20000, "A-0006")
    add_household(county, 10000, "A-0007")
    second = form(county, (0, 3, 5, 6))
    assert (first.number, second.number) == (1, 2)


def test_g1_two_households_are_refused(county):
    with pytest.raises(GroupRefused) as exc:
        form(county, (1, 2))
    assert str(exc.value).startswith("G1") and group_count() == (0, 0)


def test_g1_a_household_of_another_village_is_refused_by_its_code(county):
    user, scope = county.tina, scope_for_user(county.tina)
    with activate(scope), pytest.raises(GroupRefused) as exc:
        services.group_form(scope=scope, actor=user, village_id=county.v_a.pk,
                            household_ids=[*ids(county, 1, 2), county.h_a2.pk], leader_id=ids(county, 1)[0])
    assert exc.value.args[0] == gettext("G1: household %(code)s is not of the group's village.") % {"code": "A2-0001"}
    assert group_count() == (0, 0)


def test_a_household_outside_the_scope_is_not_named(county):
    user, scope = county.tina, scope_for_user(county.tina)
    with activate(scope), pytest.raises(GroupRefused) as exc:
        services.group_form(scope=scope, actor=user, village_id=county.v_a.pk,
                            household_ids=[*ids(county, 1, 2), county.h_b.pk], leader_id=ids(county, 1)[0])
    assert "B-0001" not in str(exc.value) and group_count() == (0, 0)
    group = make_group(county)
    with pytest.raises(GroupRefused) as exc:
        call(county, services.member_add, group_id=group.pk, household_id=county.h_b.pk, version=1)
    assert "B-0001" not in str(exc.value) and group_count() == (1, 3)


@pytest.mark.parametrize("change", [
    {"status": LineStatus.REVOKED},
    {"status": LineStatus.EXPIRED},
    {"expires_on": timezone.localdate() - datetime.timedelta(days=1)},     # expired, status not yet updated
    {"effective_on": timezone.localdate() + datetime.timedelta(days=1)},   # not yet in effect
])
def test_g1_a_household_without_a_line_in_effect_is_refused(county, change):
    line = county.lines[2]
    with scopes_disabled():
        if "effective_on" in change:
            change = {**change, "expires_on": change["effective_on"] + datetime.timedelta(days=365)}
        CreditLine.objects.filter(pk=line.pk).update(**change)
    with pytest.raises(GroupRefused) as exc:
        form(county)
    assert exc.value.args[0] == gettext("G1: household %(code)s holds no credit line in effect.") % {"code": "A-0003"}
    assert group_count() == (0, 0)


def test_g1_a_household_without_any_line_is_refused(county):
    with scopes_disabled():
        CreditLine.objects.filter(pk=county.lines[1].pk).delete()
    with pytest.raises(GroupRefused, match="A-0002"):
        form(county)


def test_g2_largest_equal_to_the_sum_of_the_others_is_allowed(county):
    group = form(county, (0, 1, 2))  # 50,000 = 30,000 + 20,000
    assert group.pk and not reload(group).flagged


def test_g2_one_yuan_more_is_refused_naming_the_amounts(county):
    with scopes_disabled():
        CreditLine.objects.filter(pk=county.lines[0].pk).update(amount=Decimal(50001))
    with pytest.raises(GroupRefused) as exc:
        form(county, (0, 1, 2))
    assert exc.value.args[0] == gettext(
        "G2: the largest member's line (%(largest)s yuan) exceeds the sum of the other members' lines "
        "(%(others)s yuan).") % {"largest": "50,001", "others": "50,000"}
    assert group_count() == (0, 0)


def test_g3_a_leader_who_is_not_a_member_is_refused(county):
    with pytest.raises(GroupRefused) as exc:
        form(county, (0, 1, 2), leader=county.households[3].pk)
    assert str(exc.value).startswith("G3") and group_count() == (0, 0)


def test_g4_a_household_already_in_an_active_group_is_refused_by_its_code(county):
    first = form(county, (0, 1, 2))
    with pytest.raises(GroupRefused) as exc:
        form(county, (2, 3, 4), leader=county.households[3].pk)
    assert exc.value.args[0] == gettext(
        "G4: household %(code)s is already a member of group %(number)d of its village.") % {
        "code": "A-0003", "number": first.number}
    assert group_count() == (1, 3)


def test_g4_the_household_may_join_again_once_its_group_is_dissolved(county):
    first = form(county, (0, 1, 2))
    call(county, services.group_dissolve, group_id=first.pk, version=first.version)
    second = form(county, (2, 3, 4), leader=county.households[3].pk)
    assert reload(first).status == "dissolved" and second.number == 2
    with scopes_disabled():
        assert GroupMember.objects.filter(household=county.households[2], active=True).get().group_id == second.pk


# --- who may --------------------------------------------------------------------------------------------------

def test_the_president_reads_but_does_not_form_groups(county):
    with pytest.raises(PermissionDenied):
        form(county, user="pat")
    assert group_count() == (0, 0)


def test_an_officer_of_another_branch_gets_404_and_nothing_is_written(county):
    with pytest.raises(Http404):
        form(county, user="bob")
    group = make_group(county)
    for fn, kwargs in [(services.group_update, {"name": "x", "leader_id": ids(county, 1)[0], "allows_outside": False}),
                       (services.member_add, {"household_id": ids(county, 3)[0]}),
                       (services.member_remove, {"household_id": ids(county, 2)[0]}),
                       (services.group_dissolve, {})]:
        with pytest.raises(Http404):
            call(county, fn, user="bob", group_id=group.pk, version=group.version, **kwargs)
    again = reload(group)
    assert (again.name, again.leader_id, again.status, again.version) == ("", group.leader_id, "active", 1)
    assert group_count() == (1, 3)


# --- changing a group ---------------------------------------------------------------------------------------

def test_the_leader_is_changed_among_the_members_and_the_version_bumps(county):
    group = form(county)
    call(county, services.group_update, group_id=group.pk, version=group.version, name="新名",
         leader_id=ids(county, 2)[0], allows_outside=False)
    again = reload(group)
    assert (again.name, again.leader_id, again.allows_outside, again.version) == ("新名", ids(county, 2)[0], False, 2)
    with pytest.raises(GroupRefused, match="^G3"):
        call(county, services.group_update, group_id=group.pk, version=2, name="新名", leader_id=ids(county, 3)[0],
             allows_outside=False)


def test_r3_a_stale_form_is_refused_and_writes_nothing(county):
    group = form(county)
    call(county, services.group_update, group_id=group.pk, version=1, name="甲", leader_id=ids(county, 1)[0],
         allows_outside=True)
    with pytest.raises(Stale):
        call(county, services.group_update, group_id=group.pk, version=1, name="乙", leader_id=ids(county, 2)[0],
             allows_outside=False)
    again = reload(group)
    assert (again.name, again.leader_id, again.allows_outside, again.version) == ("甲", ids(county, 1)[0], True, 2)
    with pytest.raises(Stale):
        call(county, services.member_add, group_id=group.pk, household_id=ids(county, 3)[0], version=1)
    with pytest.raises(Stale):
        call(county, services.group_dissolve, group_id=group.pk, version=1)
    assert group_count() == (1, 3) and reload(group).status == "active"


def test_a_member_is_added_when_the_rules_still_hold(county):
    group = form(county)
    call(county, services.member_add, group_id=group.pk, household_id=ids(county, 3)[0], version=1)
    with scopes_disabled():
        assert reload(group).members.filter(active=True).count() == 4
    extra = add_household(county, 10000, "A-0006")
    with scopes_disabled():
        CreditLine.objects.filter(household=extra).update(status=LineStatus.REVOKED)
    with pytest.raises(GroupRefused, match="A-0006"):  # G1: a household without a line in effect
        call(county, services.member_add, group_id=group.pk, household_id=extra.pk, version=2)


def test_adding_a_member_that_breaks_g2_is_refused(county):
    group = form(county, (1, 2, 3), leader=county.households[1].pk)  # 30,000 ≤ 40,000
    big = add_household(county, 80000, "A-0006")
    with pytest.raises(GroupRefused, match="^G2"):  # 80,000 > 70,000
        call(county, services.member_add, group_id=group.pk, household_id=big.pk, version=1)
    with scopes_disabled():
        assert reload(group).members.filter(active=True).count() == 3


def test_a_removal_is_allowed_only_when_the_rules_still_hold(county):
    group = form(county, (1, 2, 3, 4), leader=county.households[1].pk)  # 30 / 20 / 20 / 10 thousand
    call(county, services.member_remove, group_id=group.pk, household_id=ids(county, 4)[0], version=1)  # 30 ≤ 40
    with pytest.raises(GroupRefused) as exc:  # two left: G1
        call(county, services.member_remove, group_id=group.pk, household_id=ids(county, 3)[0], version=2)
    assert "A-0004" in str(exc.value) and "G1" in str(exc.value)
    with pytest.raises(GroupRefused, match="G3"):  # the leader leaves only after another is elected
        call(county, services.member_remove, group_id=group.pk, household_id=ids(county, 1)[0], version=2)
    with scopes_disabled():
        assert sorted(reload(group).members.filter(active=True).values_list("household_id", flat=True)) == \
            sorted(ids(county, 1, 2, 3))
        left = GroupMember.objects.get(household=county.households[4])
    assert not left.active and left.left_at


def test_a_removal_that_breaks_g2_is_refused(county):
    group = form(county, (0, 1, 2, 3), leader=county.households[0].pk)  # 50 ≤ 30 + 20 + 20
    with pytest.raises(GroupRefused) as exc:  # without the 30,000: 50,000 > 40,000
        call(county, services.member_remove, group_id=group.pk, household_id=ids(county, 1)[0], version=1)
    assert "A-0002" in str(exc.value) and "G2" in str(exc.value) and "40,000" in str(exc.value)
    call(county, services.member_remove, group_id=group.pk, household_id=ids(county, 3)[0], version=1)  # 50 ≤ 50
    with scopes_disabled():
        assert reload(group).members.filter(active=True).count() == 3


def drawdown(county, group, status, outstanding=0):
    home, line = county.households[0], county.lines[0]
    today = timezone.localdate()
    with scopes_disabled():
        return Drawdown.objects.create(
            head_office_id=home.head_office_id, village=county.v_a, household=home, line=line,
            number=f"D-{status}-{outstanding}", amount=Decimal(10000), purpose="种植", applied_on=today,
            due_on=today + datetime.timedelta(days=180), annual_rate=Decimal("0.065"), guarantee="group",
            group=group, status=status, principal_outstanding=Decimal(outstanding), created_by=county.tina)


@pytest.mark.parametrize("status,outstanding", [("submitted", 0), ("approved", 0), ("disbursed", 5000)])
def test_dissolving_is_refused_while_a_group_drawdown_is_open(county, status, outstanding):
    group = form(county)
    drawdown(county, group, status, outstanding)
    with pytest.raises(GroupRefused):
        call(county, services.group_dissolve, group_id=group.pk, version=1)
    assert reload(group).status == "active"


@pytest.mark.parametrize("status,outstanding", [("draft", 0), ("rejected", 0), ("repaid", 0), ("disbursed", 0)])
def test_dissolving_is_allowed_once_the_drawdowns_are_settled(county, status, outstanding):
    group = form(county)
    drawdown(county, group, status, outstanding)
    call(county, services.group_dissolve, group_id=group.pk, version=1)
    assert reload(group).status == "dissolved"
    assert group_drawdown_refusal(reload(group)) is not None
    with pytest.raises(GroupRefused):
        call(county, services.member_add, group_id=group.pk, household_id=ids(county, 3)[0], version=2)


# --- G7: checking again -------------------------------------------------------------------------------------

def request(county, line, amount, *, reason="x", user="tina", version=None):
    return call(county, line_change_request, user=user, line_id=line.pk, amount=amount, reason=reason,
                investigation="入户调查属实", version=line.version if version is None else version)


def change(county, index, amount, *, reason="年度调整", user="tina"):
    """The officer requests the change and head office's administrator (ada) approves it (R2)."""
    line = reload(county.lines[index])
    change_request = request(county, line, amount, reason=reason, user=user)
    assert reload(line).amount == line.amount  # nothing changes until head office approves
    call(county, approval_decide, user="ada", approval_id=change_request.approval_id, approve=True)
    return reload(line)


def test_g7_a_line_change_that_breaks_g2_flags_the_group_and_raising_it_back_clears_it(county):
    group = form(county, (0, 1, 2))  # 50,000 = 30,000 + 20,000
    assert group_drawdown_refusal(reload(group)) is None
    pending = request(county, reload(county.lines[2]), 19999)
    assert not reload(group).flagged and reload(county.lines[2]).amount == Decimal(20000)  # not before approval
    call(county, approval_decide, user="ada", approval_id=pending.approval_id, approve=True)
    flagged = reload(group)
    assert flagged.flagged and flagged.flag_reasons == ["G2"] and flagged.checked_at >= group.checked_at
    reason = group_drawdown_refusal(flagged)
    assert reason and "G2" in reason
    change(county, 2, 20000)
    cleared = reload(group)
    assert not cleared.flagged and cleared.flag_reasons == [] and group_drawdown_refusal(cleared) is None


def test_g7_a_revoked_line_flags_the_group_with_g1(county):
    group = form(county, (1, 2, 3, 4), leader=county.households[1].pk)  # 30 / 20 / 20 / 10 thousand
    with scopes_disabled():
        CreditLine.objects.filter(pk=county.lines[4].pk).update(status=LineStatus.REVOKED)
    assert groups_recheck(household_ids=ids(county, 4)) == [group.pk]
    again = reload(group)
    assert again.flagged and again.flag_reasons == ["G1"]
    assert group_drawdown_refusal(again) == gettext(
        "The joint-guarantee group no longer holds its rules (%(rules)s); no new drawdown until it is fixed."
    ) % {"rules": "G1"}
    with scopes_disabled():
        CreditLine.objects.filter(pk=county.lines[4].pk).update(status=LineStatus.ACTIVE)
    assert groups_recheck(household_ids=ids(county, 4)) == []
    assert not reload(group).flagged


def test_g7_only_the_households_active_groups_are_checked(county):
    dissolved = make_group(county, (0, 1, 2))
    with scopes_disabled():
        GuaranteeGroup.objects.filter(pk=dissolved.pk).update(status="dissolved")
        GroupMember.objects.filter(group=dissolved).update(active=False)
    other = make_group(county, (1, 2, 3), leader=1)
    with scopes_disabled():
        CreditLine.objects.filter(pk=county.lines[0].pk).update(status=LineStatus.REVOKED)
    assert groups_recheck(household_ids=ids(county, 0)) == []
    assert not reload(dissolved).flagged and reload(dissolved).checked_at == dissolved.checked_at
    assert reload(other).checked_at == other.checked_at
    assert groups_recheck(household_ids=[]) == []


def test_the_line_change_is_recorded_in_the_lines_history(county):
    line = change(county, 1, 25000, reason="经营缩小")
    again = reload(line)
    assert again.amount == Decimal(25000) and again.version == 2
    with scopes_disabled():
        event = CreditLineEvent.objects.get(line=line)
    assert (event.kind, event.amount_before, event.amount_after, event.reason, event.actor_id) == (
        "changed", Decimal(30000), Decimal(25000), "经营缩小", county.tina.pk)


def test_a_line_is_raised_at_most_back_to_what_took_effect(county):
    change(county, 1, 25000, reason="经营缩小")
    with pytest.raises(LineChangeRefused):  # above what the village saw on its board: a new appraisal
        change(county, 1, 30001, reason="经营扩大")
    assert change(county, 1, 30000, reason="恢复").amount == Decimal(30000)


@pytest.mark.parametrize("amount,reason", [(0, "x"), (-5, "x"), ("abc", "x"), (30000, "x"), (1000, "  ")])
def test_a_line_change_needs_a_new_positive_amount_and_a_reason(county, amount, reason):
    with pytest.raises(LineChangeRefused):
        change(county, 1, amount, reason=reason)
    assert reload(county.lines[1]).amount == Decimal(30000)


def test_r3_a_stale_line_change_is_refused(county):
    line = county.lines[1]
    change(county, 1, 29000)
    with pytest.raises(Stale):
        request(county, line, 1, version=1)
    assert reload(line).amount == Decimal(29000)


def test_line_change_outside_the_scope_is_404_and_for_readers_refused(county):
    line = county.lines[1]
    with pytest.raises(Http404):
        request(county, line, 1, user="bob", version=1)
    with pytest.raises(PermissionDenied):
        request(county, line, 1, user="pat", version=1)
    assert reload(line).amount == Decimal(30000) and reload(line).version == 1


def test_g7_a_line_run_out_by_date_refuses_drawdowns_before_any_check(county):
    group = form(county, (1, 2, 3, 4), leader=county.households[1].pk)
    with scopes_disabled():  # the line's last day has passed; no job has expired it or checked the group yet
        CreditLine.objects.filter(pk=county.lines[4].pk).update(
            effective_on=timezone.localdate() - datetime.timedelta(days=400),
            expires_on=timezone.localdate() - datetime.timedelta(days=1))
    again = reload(group)
    assert not again.flagged
    assert group_drawdown_refusal(again) == gettext(
        "The joint-guarantee group no longer holds its rules (%(rules)s); no new drawdown until it is fixed."
    ) % {"rules": "G1"}
    assert group_drawdown_refusal(None) is None


def test_every_broken_rule_is_reported_at_once(county):
    with pytest.raises(GroupRefused) as exc:
        form(county, (0, 4), leader=county.households[2].pk)  # 2 households, 50,000 > 10,000, leader outside
    assert [m[:2] for m in exc.value.messages] == ["G1", "G2", "G3"]
    assert str(exc.value) == " ".join(exc.value.messages)


def test_the_history_tells_the_checks_and_memberships(county):
    from guarantee_groups.selectors import group_history

    group = form(county, (0, 1, 2))
    change(county, 2, 19999)
    change(county, 2, 20000)
    call(county, services.member_add, group_id=group.pk, household_id=ids(county, 3)[0], version=1)
    with activate(scope_for_user(county.pat)):
        rows = [line for row in group_history(group=reload(group)) for line in row.what]
    assert rows[0] == gettext("Household %(code)s joined") % {"code": "A-0004"}
    assert gettext("Rule check: broken (%(rules)s)") % {"rules": "G2"} in rows
    assert gettext("Rule check: the rules hold again") in rows
    assert rows[-1] == gettext("Group formed")
