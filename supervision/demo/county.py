"""The demo county of `manage.py seed_demo`: deterministic, so a second run changes nothing.

The org tree uses the codes of ../shared/samples/org.xlsx (HQ01, BR01, BR02, BR01V01 …), so the
sample workbooks can be imported on top of the demo. Households are generated (seeded random) and
written through the roster import path (households.imports.roster_apply), like a real roster;
their codes (BR01V01-D001 …) and ID numbers differ from the sample roster's.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled
from stdnum.cn import ric

from households.imports import COLUMNS, roster_apply
from households.models import ArchiveStatus, Category, Exclusion, ExistingLoan, Household, LoanClass, Member
from sunshine_credit.commands import Refused
from sunshine_credit.models import BlacklistEntry, Branch, HeadOffice, Role, StaffProfile, Village, VillageGroup
from sunshine_credit.scoping import activate, scope_for_profile

from .appraisal import REVIEWERS, seed_appraisal
from .complaints import seed_complaints
from .disclosures import seed_disclosures
from .overview import seed_overview
from .post_loan import seed_post_loan
from .publicity import seed_publicity
from .reviews import seed_reviews

DEMO_PASSWORD = "demo12345"
HOUSEHOLDS_PER_VILLAGE = 16
SEED = 20261101

HEAD_OFFICE = {"code": "HQ01", "name": "澄源农村商业银行"}
BRANCHES = [
    {"code": "BR01", "name": "城关支行", "approval_authority": Decimal("300000.00"),
     "address": "澄源县城关镇人民路18号", "phone": "0393-6211801", "supervision_phone": "0393-6211000"},
    {"code": "BR02", "name": "王庄支行", "approval_authority": Decimal("200000.00"),
     "address": "澄源县王庄镇中心街6号", "phone": "0393-6355802", "supervision_phone": "0393-6211000"},
]
VILLAGES = [  # (branch, code, name, groups)
    ("BR01", "BR01V01", "东岭村", 3),
    ("BR01", "BR01V02", "西河村", 2),
    ("BR01", "BR01V03", "南沟村", 3),
    ("BR02", "BR02V01", "王庄村", 3),
    ("BR02", "BR02V02", "李寨村", 2),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str
    branch: str | None = None
    villages: tuple[str, ...] = ()
    phone: str = ""


USERS = [
    DemoUser("admin", "王建国", Role.ADMIN, phone="13903930001"),
    DemoUser("supervisor", "李文华", Role.SUPERVISOR, phone="13903930002"),
    DemoUser("auditor", "赵敏", Role.AUDITOR, phone="13903930003"),
    DemoUser("president1", "陈志强", Role.PRESIDENT, "BR01", phone="13903930011"),
    DemoUser("president2", "刘海峰", Role.PRESIDENT, "BR02", phone="13903930021"),
    DemoUser("officer1", "张伟", Role.OFFICER, "BR01", ("BR01V01", "BR01V02"), phone="13903930012"),
    DemoUser("officer3", "吴秀兰", Role.OFFICER, "BR01", ("BR01V03",), phone="13903930013"),
    DemoUser("officer2", "杨磊", Role.OFFICER, "BR02", ("BR02V01", "BR02V02"), phone="13903930022"),
    DemoUser("teller1", "周丽", Role.TELLER, "BR01", phone="13903930014"),
    DemoUser("teller2", "郑芳", Role.TELLER, "BR02", phone="13903930024"),
    DemoUser("reviewer1", "孙德胜", Role.REVIEWER, "BR01", phone="13903930015"),
]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
MALE_NAMES = ["建国", "志强", "国华", "海涛", "明", "军", "勇", "磊", "伟", "强", "超", "建军", "德明", "春生", "振华"]
FEMALE_NAMES = ["秀英", "桂英", "丽", "芳", "敏", "静", "艳", "霞", "玉兰", "秀兰", "海燕", "红梅", "丽娟", "春梅"]
REGIONS = ["422822", "422823", "422825", "422826"]  # valid for every birth year; not in the sample roster
EXCLUSIONS = [Exclusion.IDLE, Exclusion.POOR_CREDIT_ATTITUDE, Exclusion.BAD_RECORD, Exclusion.CANNOT_WORK,
              Exclusion.NO_CAPACITY]


class _Ids:
    """Valid, unique resident IDs (GB 11643) for generated people."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def make(self, birth: datetime.date, *, male: bool) -> str:
        while True:
            sequence = self.rng.randrange(0, 500) * 2 + (1 if male else 0)
            body = f"{self.rng.choice(REGIONS)}{birth:%Y%m%d}{sequence:03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.used:
                self.used.add(number)
                return number


def _birth(rng: random.Random, first_year: int, last_year: int) -> datetime.date:
    start = datetime.date(first_year, 1, 1).toordinal()
    return datetime.date.fromordinal(rng.randrange(start, datetime.date(last_year, 12, 28).toordinal()))


def roster_rows() -> list[list]:
    """The demo roster in the SPEC §11 template, header first; the same rows on every call."""
    rng = random.Random(SEED)
    ids = _Ids(rng)
    rows = [list(COLUMNS.values())]
    for branch, village_code, village_name, groups in VILLAGES:
        for n in range(1, HOUSEHOLDS_PER_VILLAGE + 1):
            code = f"{village_code}-D{n:03d}"
            group = f"{rng.randrange(1, groups + 1)}组"
            address = f"{village_name}{group}{rng.randrange(1, 120)}号"
            surname = rng.choice(SURNAMES)
            head_male = rng.random() < 0.8
            head_birth = _birth(rng, 1962, 1996)
            phone = f"1{rng.choice('3578')}{rng.randrange(10**8, 10**9)}"
            land = Decimal(rng.randrange(5, 120)) / 10
            consent = "否" if n % 11 == 0 else "是"
            people = [(surname + rng.choice(MALE_NAMES if head_male else FEMALE_NAMES), head_birth, head_male, "户主")]
            if rng.random() < 0.9:
                spouse_birth = _birth(rng, head_birth.year - 3, min(head_birth.year + 3, 1998))
                people.append((rng.choice(SURNAMES) + rng.choice(FEMALE_NAMES if head_male else MALE_NAMES),
                               spouse_birth, not head_male, "配偶"))
            for _child in range(rng.choice([0, 1, 1, 2, 2, 3])):
                male = rng.random() < 0.5
                birth = _birth(rng, min(head_birth.year + 22, 2020), min(head_birth.year + 32, 2022))
                people.append((surname + rng.choice(MALE_NAMES if male else FEMALE_NAMES), birth, male,
                               "子" if male else "女"))
            if head_birth.year > 1985 and rng.random() < 0.3:
                people.append((surname + rng.choice(MALE_NAMES), _birth(rng, 1950, 1960), True, "父亲"))
            for index, (name, birth, male, relation) in enumerate(people):
                head = index == 0
                rows.append([branch, village_code, village_name, group, code, name, ids.make(birth, male=male),
                             relation, address, phone if head else "", land if head else "",
                             consent if head else ""])
    return rows


def _status_plan(codes) -> tuple[list[str], dict[str, str], list[str]]:
    """Which households the demo shows archived, excluded (H5) or as small traders, by their number."""
    archived, excluded, traders = [], {}, []
    for code in sorted(codes):
        number = int(code[-3:])
        if number in (14, 16):
            excluded[code] = EXCLUSIONS[(number + int(code[2:4]) + int(code[5:7])) % len(EXCLUSIONS)]
        elif number <= 12:
            archived.append(code)
        if number in (3, 8):
            traders.append(code)
    return archived, excluded, traders


@transaction.atomic
def seed() -> dict:
    """Create what is missing of the demo; never change what exists. Returns totals and what was created."""
    created = dict.fromkeys(["head_offices", "branches", "villages", "users", "households", "members",
                             "groups", "status_changes", "loans", "blacklist", "campaigns", "reviewers", "panels",
                             "signed_panels", "notices", "lines", "post_loan"], 0)
    with scopes_disabled():
        office, new = HeadOffice.objects.get_or_create(code=HEAD_OFFICE["code"], defaults={"name": HEAD_OFFICE["name"]})
        created["head_offices"] += new
        branches = {}
        for spec in BRANCHES:
            branches[spec["code"]], new = Branch.objects.get_or_create(
                code=spec["code"], defaults={**spec, "head_office": office})
            created["branches"] += new
        villages = {}
        for branch, code, name, _groups in VILLAGES:
            villages[code], new = Village.objects.get_or_create(
                code=code, defaults={"name": name, "branch": branches[branch]})
            created["villages"] += new

        users = {}
        password = make_password(DEMO_PASSWORD)  # hashed once: ten hashes would cost ten seconds
        for spec in USERS:
            users[spec.username], new = _user(spec, office, branches, villages, password)
            created["users"] += new

        rows = roster_rows()
        demo = Household.objects.filter(head_office=office, code__in={row[4] for row in rows[1:]})
        # Households already there are left as they are (a demo edited by hand, or seeded by an
        # older version of this generator); only missing ones go through the roster import.
        existing = set(demo.values_list("code", flat=True))
        rows = rows[:1] + [row for row in rows[1:] if row[4] not in existing]
        if len(rows) > 1:
            scope = scope_for_profile(users["admin"].staff_profile)
            with activate(scope):
                plan, summary = roster_apply(rows, scope=scope, actor=users["admin"])
            if not plan.ok:
                raise Refused({"message": _("The demo roster was refused."), "errors": plan.errors[:20]})
            created["households"] = summary["households_created"]
            created["members"] = summary["members_created"]
            created["groups"] = summary["groups_created"]

        archived, excluded, traders = _status_plan(demo.values_list("code", flat=True))
        created["status_changes"] += demo.filter(code__in=archived,
                                                 archive_status=ArchiveStatus.ON_ROSTER).update(
            archive_status=ArchiveStatus.ARCHIVED)
        for code, reason in excluded.items():
            created["status_changes"] += demo.filter(code=code, archive_status=ArchiveStatus.ON_ROSTER).update(
                archive_status=ArchiveStatus.EXCLUDED, exclusion=reason)
        demo.filter(code__in=traders, category=Category.FARMER).update(category=Category.SOLE_TRADER)

        created["loans"] = _loans(demo, archived)
        created["blacklist"] = _blacklist(office, demo, excluded, users["admin"])
        appraisal = seed_appraisal(office, users, password)
        created.update(appraisal["created"])
        created.update(seed_publicity(office, users, appraisal["campaign"]))
        created.update(_later_stages(office, users))
        totals = _totals(office)
    return {"head_office": office.code, "created": created, "totals": totals,
            "logins": [_login(spec) for spec in USERS] + REVIEWER_LOGINS, "password": DEMO_PASSWORD,
            "campaign": appraisal["campaign"], "panel": appraisal["panel"]}


def _later_stages(office, users) -> dict:
    """The parts of the demo that need only the head office and the logins: the post-loan book, the eight
    disclosures (V3), a democratic review (V2), complaints and a suggestion-box opening (V4, V5), and last, when
    everything else is there, the dashboards' timetable and history (V1). What each created, by its key."""
    created = {}
    for seed_stage in (seed_post_loan, seed_disclosures, seed_reviews, seed_complaints, seed_overview):
        created.update(seed_stage(office, users))
    return created


def _user(spec: DemoUser, office, branches, villages, password: str):
    user, new = get_user_model().objects.get_or_create(username=spec.username, defaults={
        "first_name": spec.full_name, "password": password, "is_staff": spec.role == Role.ADMIN,
        "is_superuser": spec.role == Role.ADMIN})
    StaffProfile.objects.get_or_create(user=user, defaults={
        "role": spec.role, "head_office": office, "branch": branches.get(spec.branch), "phone": spec.phone})
    for code in spec.villages:
        villages[code].officers.add(user)  # 包片; adding an existing assignment writes nothing
    return user, new


def _loans(demo, archived: list[str]) -> int:
    """A few existing loans (H4) on archived heads, one under special mention, one written off."""
    heads = dict(Member.objects.filter(household__in=demo, relation="户主").values_list("household__code", "id"))
    specs = []
    for number, code in enumerate(archived[::5], start=1):
        specs.append((code, f"DEMO{number:04d}", Decimal(30000 + 10000 * (number % 5)), LoanClass.NORMAL, False))
    if len(specs) > 2:
        specs[1] = specs[1][:3] + (LoanClass.SPECIAL_MENTION, False)
        specs[2] = specs[2][:3] + (LoanClass.LOSS, True)
    made = 0
    for code, loan_number, amount, klass, written_off in specs:
        _loan, new = ExistingLoan.objects.get_or_create(member_id=heads[code], loan_number=loan_number, defaults={
            "amount": amount, "balance": amount / 2, "classification": klass, "written_off": written_off,
            "start_date": datetime.date(2025, 3, 1), "due_date": datetime.date(2026, 3, 1)})
        made += new
    return made


def _blacklist(office, demo, excluded: dict, admin) -> int:
    """C4: the head of a household excluded for a malicious bad record is on the blacklist."""
    code = next((c for c, reason in sorted(excluded.items()) if reason == Exclusion.BAD_RECORD), None)
    head = Member.objects.filter(household__in=demo, household__code=code, relation="户主").first()
    if head is None:
        return 0
    _entry, new = BlacklistEntry.objects.get_or_create(head_office=office, id_number=head.id_number, defaults={
        "name": head.name, "reason": "恶意拖欠贷款本息", "source": "人民银行征信系统", "created_by": admin})
    return int(new)


def _totals(office) -> dict:
    households = Household.objects.filter(head_office=office)
    return {
        "branches": Branch.objects.filter(head_office=office).count(),
        "villages": Village.objects.filter(branch__head_office=office).count(),
        "groups": VillageGroup.objects.filter(village__branch__head_office=office).count(),
        "users": StaffProfile.objects.filter(head_office=office).count(),
        "households": households.count(),
        "archived": households.filter(archive_status=ArchiveStatus.ARCHIVED).count(),
        "excluded": households.filter(archive_status=ArchiveStatus.EXCLUDED).count(),
        "members": Member.objects.filter(head_office=office).count(),
        "loans": ExistingLoan.objects.filter(member__head_office=office).count(),
        "blacklist": BlacklistEntry.objects.filter(head_office=office, active=True).count(),
    }


REVIEWER_LOGINS = [{"username": username, "password": DEMO_PASSWORD, "name": name, "role": Role.REVIEWER,
                    "branch": "BR01", "villages": []} for username, name, _k, _t in REVIEWERS[1:]]


def _login(spec: DemoUser) -> dict:
    return {"username": spec.username, "password": DEMO_PASSWORD, "name": spec.full_name, "role": spec.role,
            "branch": spec.branch or "", "villages": list(spec.villages)}

