"""Household write services: scope (R1), rules (H1–H5, C4), optimistic locking (R3), audit (R4)."""

import datetime
import re
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.utils import translation
from django.utils.translation import gettext
from django_scopes import scopes_disabled

from households.models import ExistingLoan, Household, Member
from households.services import archive as services
from households.services.archive import ArchiveInvalid, MemberInput
from sunshine_credit.errors import Stale
from tests.factories import (
    BlacklistEntryFactory,
    HouseholdFactory,
    MemberFactory,
    make_id_number,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("homes")]


def zh(msgid: str, **params) -> str:
    """The message as the user sees it: the product's msgid and placeholders in the default language."""
    with translation.override("zh-hans"):
        text = gettext(msgid)
    return text % params if params else text


@pytest.fixture
def homes(county, unscoped):
    """Household h_a (A-0001, at 旧地址) in 东岭村 with the spouse, and h_b (B-0001) in 西河村."""
    county.h_a = HouseholdFactory(village=county.v_a, code="A-0001", address="旧地址")
    county.h_b = HouseholdFactory(village=county.v_b, code="B-0001")
    county.spouse = MemberFactory(household=county.h_a, relation="配偶")
    return county


def fields_for(household, **changes):
    values = {name: getattr(household, name) for name in services.HOUSEHOLD_FIELDS}
    values.update(changes)
    return values


def inputs_for(household, **by_name):
    """MemberInputs for the household's members as saved; by_name overrides fields of one member."""
    with scopes_disabled():
        members = list(Member.objects.filter(household=household).order_by("id"))
    return [MemberInput(**{"row": i, "pk": m.pk, "name": m.name, "id_number": m.id_number, "relation": m.relation,
                           "works_away": m.works_away, "phone": m.phone, **by_name.get(m.name, {})})
            for i, m in enumerate(members, start=1)]


def update(county, household, *, user=None, version=None, members=None, **changes):
    """Save `household` with `changes` as `user` (tina, the officer of 东岭村, by default)."""
    user = user or county.tina
    with scopes_disabled():
        household.refresh_from_db()
    return services.household_update(scope=county.scope(user), actor=user, household_id=household.pk,
                                     version=household.version if version is None else version,
                                     fields=fields_for(household, **changes),
                                     members=inputs_for(household) if members is None else members)


def test_update_saves_and_increments_the_version(county):
    household = update(county, county.h_a, address="新地址")
    assert household.address == "新地址" and household.version == 2
    assert household.updated_by == county.tina


def test_stale_version_is_refused_and_writes_nothing(county):
    with pytest.raises(Stale) as exc:
        update(county, county.h_a, version=0, address="过时的地址", land_area=Decimal("7.00"))
    labels = {str(row["label"]) for row in exc.value.differences}
    assert {zh("address"), zh("contracted land (mu)")} <= labels   # 家庭住址, 承包土地（亩）
    assert exc.value.current.version == 1
    with scopes_disabled():
        county.h_a.refresh_from_db()
    assert county.h_a.address == "旧地址" and county.h_a.version == 1


def test_stale_differences_list_members_changed_meanwhile(county):
    members = inputs_for(county.h_a)
    update(county, county.h_a, members=[members[0], MemberInput(**{**members[1].__dict__, "name": "改名"})])
    with pytest.raises(Stale) as exc:
        update(county, county.h_a, version=1, members=members)
    assert any("改名" in str(row["saved"]) for row in exc.value.differences)


def test_update_outside_the_editable_scope_writes_nothing(county):
    with pytest.raises(Household.DoesNotExist):
        update(county, county.h_b, address="越权")
    with scopes_disabled():
        county.h_b.refresh_from_db()
    assert county.h_b.address != "越权"


def test_read_only_roles_are_refused(county):
    with pytest.raises(PermissionDenied):
        update(county, county.h_a, user=county.pat, address="越权")


def test_create_derives_sex_and_birth_date(county):
    officer = county.tina
    number = make_id_number(datetime.date(1990, 2, 3), male=False)
    household = services.household_create(
        scope=county.scope(officer), actor=officer,
        fields={"village_id": county.v_a.pk, "group_id": county.g1.pk, "code": "A-NEW", "category": "farmer",
                "archive_status": "archived"},
        members=[MemberInput(row=1, pk=None, name="林", id_number=number.lower(), relation="户主")])
    with scopes_disabled():
        member = Member.objects.get(household=household)
    assert member.sex == "F" and member.birth_date == datetime.date(1990, 2, 3)
    assert household.representative_id == member.pk and household.version == 1


def test_create_into_another_branch_is_refused(county):
    officer = county.tina
    with pytest.raises(ArchiveInvalid) as exc:
        services.household_create(scope=county.scope(officer), actor=officer,
                                  fields={"village_id": county.v_b.pk, "code": "X", "category": "farmer",
                                          "archive_status": "roster"},
                                  members=[MemberInput(row=1, pk=None, name="林", id_number=make_id_number(),
                                                       relation="户主")])
    assert exc.value.errors[0][1] == "village"
    with scopes_disabled():
        assert not Household.objects.filter(code="X").exists()


def test_one_head_exactly(county):
    members = inputs_for(county.h_a)
    demoted = [MemberInput(**{**members[0].__dict__, "relation": "其他"}), members[1]]
    with pytest.raises(ArchiveInvalid, match=re.escape(zh("The household has no member whose relation is 户主."))):
        update(county, county.h_a, members=demoted)


def test_duplicate_id_inside_the_submission(county):
    members = inputs_for(county.h_a)
    twin = MemberInput(row=3, pk=None, name="双胞胎", id_number=members[1].id_number, relation="子")
    with pytest.raises(ArchiveInvalid) as exc:
        update(county, county.h_a, members=members + [twin])
    assert (3, "id_number") in {(row, field) for row, field, _message in exc.value.errors}


def test_active_blacklist_blocks_archiving_inactive_does_not(county):
    with scopes_disabled():
        entry = BlacklistEntryFactory(head_office=county.h_a.head_office, id_number=county.spouse.id_number)
    with pytest.raises(ArchiveInvalid) as exc:
        update(county, county.h_a, archive_status="archived")
    assert exc.value.errors[0][1] == "archive_status"
    assert county.spouse.id_number not in str(exc.value)   # masked in the message
    with scopes_disabled():
        entry.active = False
        entry.save()
    assert update(county, county.h_a, archive_status="archived").archive_status == "archived"


def test_leaving_exclusion_clears_the_reason(county):
    update(county, county.h_a, archive_status="excluded", exclusion="other", exclusion_note="外出多年")
    household = update(county, county.h_a, archive_status="roster")
    assert household.exclusion == "" and household.exclusion_note == ""


def test_swapping_the_head_keeps_one_head(county):
    head = county.h_a.representative
    members = inputs_for(county.h_a, **{head.name: {"relation": "配偶"},
                                          county.spouse.name: {"relation": "户主"}})
    update(county, county.h_a, members=members)
    with scopes_disabled():
        assert Member.objects.get(pk=county.spouse.pk).relation == "户主"
        assert Member.objects.get(pk=head.pk).relation == "配偶"


def test_member_changes_are_audited_with_masked_numbers(county):
    new_phone = "13700001234"
    members = inputs_for(county.h_a, **{county.spouse.name: {"phone": new_phone}})
    update(county, county.h_a, members=members)
    entry = LogEntry.objects.get_for_object(county.spouse).order_by("-pk").first()
    assert entry.changes["phone"][1] == "137****1234"
    assert new_phone not in str(entry.changes)


def test_existing_loan_services(county):
    officer = county.tina
    scope = county.scope(officer)
    loan = services.existing_loan_create(scope=scope, actor=officer, member_id=county.spouse.pk,
                                         fields={"amount": Decimal("30000"), "balance": Decimal("1000"),
                                                 "classification": "关注"})
    with pytest.raises(ArchiveInvalid):
        services.existing_loan_update(scope=scope, actor=officer, loan_id=loan.pk,
                                      member_id=county.spouse.pk,
                                      fields={"amount": Decimal("100"), "balance": Decimal("1000")})
    with scopes_disabled():
        b_member = Member.objects.filter(household=county.h_b).first()
    with pytest.raises(Member.DoesNotExist):
        services.existing_loan_create(scope=scope, actor=officer, member_id=b_member.pk,
                                      fields={"amount": Decimal("1"), "balance": Decimal("1")})
    services.existing_loan_delete(scope=scope, actor=officer, loan_id=loan.pk)
    with scopes_disabled():
        assert not ExistingLoan.objects.exists()
