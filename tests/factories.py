"""Factories for the org tree, staff and households. Tests build their own data."""

import datetime
import itertools

import factory
from django.contrib.auth import get_user_model
from stdnum.cn import ric

from households.models import ExistingLoan, Household, Member
from sunshine_credit.models import BlacklistEntry, Branch, HeadOffice, Role, StaffProfile, Village, VillageGroup

_seq = itertools.count(1)


def make_id_number(birth: datetime.date = datetime.date(1980, 5, 17), *, region: str = "420302",
                   sequence: int | None = None, male: bool = True) -> str:
    """A valid 18-digit resident ID; the sequence makes it unique."""
    seq = sequence if sequence is not None else next(_seq) % 500
    seq = seq * 2 + (1 if male else 0)
    body = f"{region}{birth:%Y%m%d}{seq % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


class HeadOfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HeadOffice
        django_get_or_create = ("code",)

    code = "HQ"
    name = "澄源农村商业银行"


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    head_office = factory.SubFactory(HeadOfficeFactory)
    code = factory.Sequence(lambda n: f"BR{n:02d}")
    name = factory.Sequence(lambda n: f"第{n}支行")
    approval_authority = 300000


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    branch = factory.SubFactory(BranchFactory)
    code = factory.Sequence(lambda n: f"V{n:04d}")
    name = factory.Sequence(lambda n: f"第{n}村")


class VillageGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VillageGroup

    village = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"{n % 9 + 1}组")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "测试"
    password = factory.django.Password("pass-word-123")


class StaffFactory(factory.django.DjangoModelFactory):
    """A staff profile; `villages=[...]` assigns an officer's villages (包片)."""

    class Meta:
        model = StaffProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    role = Role.OFFICER
    branch = factory.SubFactory(BranchFactory)
    head_office = factory.SelfAttribute("branch.head_office")

    @factory.post_generation
    def villages(self, create, extracted, **kwargs):
        for village in extracted or ():
            village.officers.add(self.user)


class HouseholdFactory(factory.django.DjangoModelFactory):
    """A household with its head (户主) as the credit representative, archived (建档): only archived households
    enter the credit stages (issue 15); pass archive_status="roster" for one only on the roster."""

    class Meta:
        model = Household
        skip_postgeneration_save = True

    village = factory.SubFactory(VillageFactory)
    archive_status = "archived"
    head_office = factory.SelfAttribute("village.branch.head_office")
    code = factory.Sequence(lambda n: f"H{n:06d}")
    address = "东岭村1组1号"
    phone = "13812345678"

    @factory.post_generation
    def head(self, create, extracted, **kwargs):
        if not create:
            return
        member = MemberFactory(household=self, relation="户主", **kwargs)
        self.representative = member
        self.save(update_fields=["representative"])


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    household = factory.SubFactory(HouseholdFactory)
    head_office = factory.SelfAttribute("household.head_office")
    name = factory.Sequence(lambda n: f"张{'三四五六七八九'[n % 7]}{n}")
    id_number = factory.LazyFunction(make_id_number)
    relation = "配偶"
    sex = factory.LazyAttribute(lambda m: "M" if int(m.id_number[16]) % 2 else "F")
    birth_date = factory.LazyAttribute(lambda m: ric.get_birth_date(m.id_number))


class ExistingLoanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExistingLoan

    member = factory.SubFactory(MemberFactory)
    loan_number = factory.Sequence(lambda n: f"L{n:08d}")
    amount = 50000
    balance = 20000


class BlacklistEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BlacklistEntry

    head_office = factory.SubFactory(HeadOfficeFactory)
    id_number = factory.LazyFunction(make_id_number)
    name = "黑名单"
    reason = "恶意逃废债"


def staff_for(*villages, role=Role.OFFICER, **kwargs) -> StaffProfile:
    """A staff member of the first village's branch; officers are assigned (包片) all `villages`."""
    return StaffFactory(branch=villages[0].branch, role=role,
                        villages=list(villages) if role == Role.OFFICER else [], **kwargs)
