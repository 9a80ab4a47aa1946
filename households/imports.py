"""H6: roster import (户籍信息导入).

`roster_validate` reads the whole sheet and every row is checked before anything is written;
`roster_apply` re-validates under a per-head-office lock and writes everything in one transaction,
set-based (COPY on PostgreSQL). Re-importing the same file writes nothing: households are matched
by 户号代码 and members by ID number, and only what differs is written.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from sunshine_credit.bulk import bulk_insert
from sunshine_credit.import_jobs import import_locked_apply
from sunshine_credit.models import BlacklistEntry, Branch, Role, Village, VillageGroup
from sunshine_credit.scoping import Scope

from .models import Household, Member, Relation
from .rules import (RuleViolation, check_one_head, mask_id, normalise_phone, parse_land_area, parse_resident_id,
                    parse_yes_no)

COLUMNS = {
    "branch": "支行编码", "village_code": "村编码", "village_name": "村名称", "group": "村民小组",
    "code": "户号代码", "name": "姓名", "id_number": "身份证号码", "relation": "与户主关系",
    "address": "家庭住址", "phone": "联系电话", "land": "承包土地亩数", "consent": "公示同意",
}
REQUIRED_CELLS = ("branch", "village_code", "code", "name", "id_number", "relation")
RELATIONS = frozenset(Relation.values)
MAX_STORED_ERRORS = 2000
HEAD = Relation.HEAD.value


@dataclass
class MemberRow:
    row: int
    name: str
    id_number: str
    sex: str
    birth_date: object
    relation: str
    phone: str


@dataclass
class HouseholdRow:
    code: str
    row: int                      # first row of the household in the sheet
    branch_code: str
    village_code: str
    village_name: str
    group: str = ""
    address: str = ""
    phone: str = ""
    land: Decimal | None = None
    consent: bool = False
    members: list[MemberRow] = field(default_factory=list)


@dataclass
class RosterPlan:
    head_office_id: int | None
    rows_total: int
    households: dict[str, HouseholdRow]
    errors: list[dict]
    blacklist_hits: list[dict]
    branch_ids: list[int]
    village_ids: list[int]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def members_total(self) -> int:
        return sum(len(h.members) for h in self.households.values())

    def by_village(self) -> list[dict]:
        """What the file holds per village, for the preview a person checks before confirming."""
        villages: dict[str, dict] = {}
        for household in self.households.values():
            row = villages.setdefault(household.village_code, {
                "branch": household.branch_code, "code": household.village_code, "name": household.village_name,
                "households": 0, "members": 0, "consenting": 0})
            row["households"] += 1
            row["members"] += len(household.members)
            row["consenting"] += household.consent
        return sorted(villages.values(), key=lambda v: (v["branch"], v["code"]))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _Errors(list):
    def add(self, row: int, column: str, message: str) -> None:
        self.append({"row": row, "column": column, "message": message})


def _header_map(header: list) -> tuple[dict[str, int], list[str]]:
    names = [_text(h) for h in header]
    index = {}
    missing = []
    for key, title in COLUMNS.items():
        if title in names:
            index[key] = names.index(title)
        else:
            missing.append(title)
    return index, missing


def roster_validate(rows: list[list], *, scope: Scope) -> RosterPlan:
    """Check every row; nothing is written. Errors name the sheet row, the column and the reason."""
    errors = _Errors()
    if not rows:
        errors.add(1, "", _("The sheet is empty."))
        return RosterPlan(None, 0, {}, errors, [], [], [])
    index, missing = _header_map(rows[0])
    if missing:
        errors.add(1, "", _("Row 1 must be the template's header; missing columns: %(cols)s.")
                   % {"cols": "、".join(missing)})
        return RosterPlan(None, max(len(rows) - 1, 0), {}, errors, [], [], [])

    with scopes_disabled():
        branches = {b.code: b for b in Branch.objects.filter(head_office_id=scope.head_office_id)}
        villages = {v.code: v for v in Village.objects.filter(branch__head_office_id=scope.head_office_id)}
    may_create_villages = scope.role in (Role.ADMIN, Role.OFFICER)
    households: dict[str, HouseholdRow] = {}
    seen_ids: dict[str, int] = {}
    width = len(rows[0])
    col = {key: COLUMNS[key] for key in COLUMNS}
    get = {key: index[key] for key in COLUMNS}
    touched_branches, touched_villages = set(), set()

    for number, raw in enumerate(rows[1:], start=2):
        if len(raw) < width:
            raw = list(raw) + [""] * (width - len(raw))
        cells = {key: _text(raw[i]) for key, i in get.items()}
        if not any(cells.values()):
            continue  # a blank line inside the sheet
        row_ok = True
        for key in REQUIRED_CELLS:
            if not cells[key]:
                errors.add(number, col[key], _("This cell is required."))
                row_ok = False
        if not row_ok:
            continue

        branch = branches.get(cells["branch"])
        if branch is None or branch.id not in scope.branch_ids:
            # Missing and out-of-scope read the same (O2: no existence leak).
            errors.add(number, col["branch"], _("Branch %(code)s does not exist or is outside your scope.")
                       % {"code": cells["branch"]})
            continue
        touched_branches.add(branch.id)
        village = villages.get(cells["village_code"])
        if village is not None:
            if village.branch_id != branch.id or not scope.can_edit_village(village.id):
                errors.add(number, col["village_code"],
                           _("Village %(code)s does not belong to branch %(branch)s or is outside your scope.")
                           % {"code": cells["village_code"], "branch": cells["branch"]})
                continue
            touched_villages.add(village.id)
        elif not may_create_villages:
            errors.add(number, col["village_code"], _("Village %(code)s does not exist or is outside your scope.")
                       % {"code": cells["village_code"]})
            continue
        elif not cells["village_name"]:
            errors.add(number, col["village_name"], _("Village %(code)s is new: its name is required.")
                       % {"code": cells["village_code"]})
            continue

        raw_id = raw[get["id_number"]]
        if isinstance(raw_id, float):
            errors.add(number, col["id_number"],
                       _("The ID number was typed as a number and has lost digits; format the column as text."))
            continue
        try:
            resident = parse_resident_id(cells["id_number"])
        except RuleViolation as exc:
            errors.add(number, col["id_number"], str(exc))
            continue
        if resident.number in seen_ids:
            errors.add(number, col["id_number"], _("This ID number already appears in row %(row)d.")
                       % {"row": seen_ids[resident.number]})
            continue
        seen_ids[resident.number] = number

        if cells["relation"] not in RELATIONS:
            errors.add(number, col["relation"], _("Unknown relation %(value)s; use one of: %(choices)s.")
                       % {"value": cells["relation"], "choices": " ".join(Relation.values)})
            continue
        try:
            phone = normalise_phone(raw[get["phone"]])
        except RuleViolation as exc:
            errors.add(number, col["phone"], str(exc))
            continue
        if len(cells["name"]) > 50:
            errors.add(number, col["name"], _("The name is longer than 50 characters."))
            continue

        household = households.get(cells["code"])
        if household is None:
            household = households[cells["code"]] = HouseholdRow(
                code=cells["code"], row=number, branch_code=cells["branch"], village_code=cells["village_code"],
                village_name=cells["village_name"])
        elif household.village_code != cells["village_code"] or household.branch_code != cells["branch"]:
            errors.add(number, col["village_code"],
                       _("Household %(code)s is in village %(first)s in row %(row)d; all its rows must agree.")
                       % {"code": cells["code"], "first": household.village_code, "row": household.row})
            continue
        if cells["relation"] == HEAD:
            household.group = cells["group"]
            household.address = cells["address"][:200]
            household.phone = phone
            try:
                household.land = parse_land_area(raw[get["land"]])
            except RuleViolation as exc:
                errors.add(number, col["land"], str(exc))
            try:
                household.consent = parse_yes_no(raw[get["consent"]])
            except RuleViolation as exc:
                errors.add(number, col["consent"], str(exc))
        household.members.append(MemberRow(number, cells["name"], resident.number, resident.sex,
                                           resident.birth_date, cells["relation"], phone))

    for household in households.values():
        try:
            check_one_head([m.relation for m in household.members])
        except RuleViolation as exc:
            errors.add(household.row, col["relation"], _("Household %(code)s: %(reason)s")
                       % {"code": household.code, "reason": exc})

    _check_against_database(households, villages, scope, errors, col)
    hits = _blacklist_hits(seen_ids, households, scope.head_office_id)
    errors.sort(key=lambda e: e["row"])
    return RosterPlan(scope.head_office_id, len(rows) - 1, households, errors, hits,
                      sorted(touched_branches), sorted(touched_villages))


def _check_against_database(households, villages, scope, errors, col):
    """H3 across the head office: an ID belongs to one member, a code to one village."""
    with scopes_disabled():
        existing = dict(Household.objects.filter(head_office_id=scope.head_office_id)
                        .values_list("code", "village__code"))
        owners = {}
        heads = {}
        for id_number, code, relation in (Member.objects.filter(head_office_id=scope.head_office_id)
                                          .values_list("id_number", "household__code", "relation").iterator(5000)):
            owners[id_number] = code
            if relation == HEAD:
                heads[code] = id_number
    for household in households.values():
        known_village = existing.get(household.code)
        if known_village is not None and known_village != household.village_code:
            village = villages.get(known_village)
            where = known_village if village and scope.can_read_village(village.id) else _("another village")
            errors.add(household.row, col["village_code"],
                       _("Household %(code)s is already registered in %(where)s.")
                       % {"code": household.code, "where": where})
        file_ids = {m.id_number for m in household.members}
        file_head = next((m.id_number for m in household.members if m.relation == HEAD), None)
        db_head = heads.get(household.code)
        if db_head and file_head and db_head != file_head and db_head not in file_ids:
            errors.add(household.row, col["relation"],
                       _("Household %(code)s already has a different head; list the current head in the file too.")
                       % {"code": household.code})
        for member in household.members:
            owner = owners.get(member.id_number)
            if owner is not None and owner != household.code:
                errors.add(member.row, col["id_number"],
                           _("This ID number is already registered to another household (%(code)s).")
                           % {"code": owner if owner in existing and _readable(owner, existing, villages, scope)
                              else _("outside your scope")})


def _readable(code, existing, villages, scope) -> bool:
    village = villages.get(existing[code])
    return village is not None and scope.can_read_village(village.id)


def _blacklist_hits(seen_ids: dict[str, int], households, head_office_id) -> list[dict]:
    if not seen_ids:
        return []
    with scopes_disabled():
        listed = {e.id_number: e.reason for e in BlacklistEntry.objects.filter(head_office_id=head_office_id,
                                                                                active=True)}
    if not listed:
        return []
    names = {m.id_number: m.name for h in households.values() for m in h.members}
    return [{"row": row, "name": names.get(number, ""), "id_masked": mask_id(number), "reason": listed[number]}
            for number, row in sorted(seen_ids.items(), key=lambda item: item[1]) if number in listed]


def roster_apply(rows: list[list], *, scope: Scope, actor=None) -> tuple[RosterPlan, dict]:
    """Validate again under the head office's import lock, then write everything or nothing.

    Returns (plan, summary). When the plan has errors, nothing is written and summary is empty.
    """
    return import_locked_apply(head_office_id=scope.head_office_id,
                               validate=lambda: roster_validate(rows, scope=scope),
                               write=lambda plan: _write(plan, scope=scope, actor=actor))


def _write(plan: RosterPlan, *, scope: Scope, actor) -> dict:
    head_office_id = plan.head_office_id
    now = timezone.now()
    summary = {"villages_created": 0, "groups_created": 0, "households_created": 0, "households_updated": 0,
               "members_created": 0, "members_updated": 0}
    branches = {b.code: b for b in Branch.objects.filter(head_office_id=head_office_id)}
    villages = {v.code: v for v in Village.objects.filter(branch__head_office_id=head_office_id)}
    for household in plan.households.values():
        if household.village_code not in villages:
            village = Village.objects.create(branch=branches[household.branch_code], code=household.village_code,
                                             name=household.village_name[:100])
            if scope.role == Role.OFFICER and actor is not None:
                village.officers.add(actor)  # 包片: the officer who brings a village in looks after it
            villages[village.code] = village
            summary["villages_created"] += 1
    groups = {(g.village_id, g.name): g.id for g in VillageGroup.objects.filter(
        village__branch__head_office_id=head_office_id)}
    for household in plan.households.values():
        key = (villages[household.village_code].id, household.group[:50])
        if household.group and key not in groups:
            groups[key] = VillageGroup.objects.create(village_id=key[0], name=key[1]).id
            summary["groups_created"] += 1

    existing = {row[0]: row for row in Household.objects.filter(head_office_id=head_office_id).values_list(
        "code", "id", "group_id", "address", "phone", "land_area", "publicity_consent")}
    new_households, changed_households = [], []
    actor_id = getattr(actor, "pk", None)
    for household in plan.households.values():
        village_id = villages[household.village_code].id
        group_id = groups.get((village_id, household.group[:50])) if household.group else None
        values = (group_id, household.address, household.phone, household.land, household.consent)
        current = existing.get(household.code)
        if current is None:
            new_households.append((head_office_id, village_id, household.code, "farmer", "roster", "", "", 1, now,
                                   now, actor_id) + values)
        elif tuple(current[2:]) != values:
            changed_households.append((current[1], values))
    bulk_insert(Household, ["head_office", "village", "code", "category", "archive_status", "exclusion",
                            "exclusion_note", "version", "created_at", "updated_at", "updated_by", "group",
                            "address", "phone", "land_area", "publicity_consent"], new_households)
    if changed_households:
        objs = []
        for pk, (group_id, address, phone, land, consent) in changed_households:
            objs.append(Household(pk=pk, group_id=group_id, address=address, phone=phone, land_area=land,
                                  publicity_consent=consent, updated_at=now, updated_by_id=actor_id))
        Household.objects.bulk_update(objs, ["group", "address", "phone", "land_area", "publicity_consent",
                                             "updated_at", "updated_by"], batch_size=2000)
        # R3: a household changed by an import is a new version for anyone editing it.
        Household.objects.filter(pk__in=[o.pk for o in objs]).update(version=F("version") + 1)
    summary["households_created"] = len(new_households)
    summary["households_updated"] = len(changed_households)

    ids = dict(Household.objects.filter(head_office_id=head_office_id).values_list("code", "id"))
    members = {row[0]: row for row in Member.objects.filter(head_office_id=head_office_id).values_list(
        "id_number", "id", "name", "relation", "phone")}
    new_members, changed_members = [], []
    for household in plan.households.values():
        household_id = ids[household.code]
        for m in household.members:
            current = members.get(m.id_number)
            if current is None:
                new_members.append((head_office_id, household_id, m.name, m.id_number, m.relation, m.sex,
                                    m.birth_date, False, m.phone))
            elif (current[2], current[3], current[4]) != (m.name, m.relation, m.phone):
                changed_members.append(Member(pk=current[1], name=m.name, relation=m.relation, phone=m.phone))
    if changed_members:
        # Demote before promoting, so that "one head per household" holds after every statement.
        changed_members.sort(key=lambda member: member.relation == HEAD)
        for member in changed_members:
            Member.objects.filter(pk=member.pk).update(name=member.name, relation=member.relation,
                                                       phone=member.phone)
    bulk_insert(Member, ["head_office", "household", "name", "id_number", "relation", "sex", "birth_date",
                         "works_away", "phone"], new_members)
    summary["members_created"] = len(new_members)
    summary["members_updated"] = len(changed_members)
    if new_members:
        _set_missing_representatives(head_office_id)
    return summary


def _set_missing_representatives(head_office_id: int) -> None:
    """H1: the credit representative defaults to the head (户主); one set-based statement."""
    household = Household._meta.db_table
    member = Member._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {household} SET representative_id = ("
            f" SELECT m.id FROM {member} m WHERE m.household_id = {household}.id AND m.relation = %s)"
            f" WHERE head_office_id = %s AND representative_id IS NULL",
            [HEAD, head_office_id],
        )
