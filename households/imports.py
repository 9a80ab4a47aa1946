"""H6: roster import (户籍信息导入).

`roster_validate` reads the whole sheet and every row is checked before anything is written;
`roster_apply` re-validates under a per-head-office lock and writes everything in one transaction,
set-based (COPY on PostgreSQL). Re-importing the same file writes nothing: households are matched
by 户号代码 and members by ID number, and only what differs is written.

Every cell is read by a column reader that returns its value or raises CellError (sunshine_credit.lib.columns
holds the generic ones: text, required, amounts). The domain readers below (身份证号码, 是/否) are shared
with the survey import (surveys.imports), so the same cell reads the same and fails with the same reason in
both files.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from sunshine_credit.import_jobs import import_locked_apply
from sunshine_credit.lib.bulk import bulk_insert
from sunshine_credit.lib.columns import CellError, RowErrors, cell_text, in_column, padded, read_header
from sunshine_credit.models import BlacklistEntry, Branch, Role, Village, VillageGroup
from sunshine_credit.scoping import Scope

from .models import Household, Member, Relation
from .rules import (
    ResidentId,
    RuleViolation,
    check_one_head,
    mask_id,
    normalise_phone,
    parse_land_area,
    parse_resident_id,
    parse_yes_no,
)

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


# --- Column readers, shared with the survey import (surveys.imports) --------------------------------
# Each reads one cell and returns its value or raises CellError with the reason the report shows.

def resident_id_cell(raw, *, numbers: tuple[type, ...] = (float,)) -> ResidentId:
    """身份证号码 (H2): the ID with its birth date and sex. A cell of one of the `numbers` types was typed as a
    number: a spreadsheet keeps 15 significant digits, so its last digits are gone."""
    if isinstance(raw, numbers):
        raise CellError(_("The ID number was typed as a number and has lost digits; format the column as text."))
    try:
        return parse_resident_id(cell_text(raw))
    except RuleViolation as exc:
        raise CellError(str(exc)) from None


def yes_no_cell(raw) -> bool:
    """是/否 (blank is 否)."""
    try:
        return parse_yes_no(raw)
    except RuleViolation as exc:
        raise CellError(str(exc)) from None


def phone_cell(raw) -> str:
    """联系电话: digits, with an optional + or area-code dash; blank allowed."""
    try:
        return normalise_phone(raw)
    except RuleViolation as exc:
        raise CellError(str(exc)) from None


def land_cell(raw) -> Decimal | None:
    """承包土地亩数: blank, or 亩 with at most two decimals."""
    try:
        return parse_land_area(raw)
    except RuleViolation as exc:
        raise CellError(str(exc)) from None


# --- Roster rows -----------------------------------------------------------------------------------

class _RosterReader:
    """Reads the rows of one roster into households (H6). A row stops at its first refused cell (reported);
    the land and consent cells of a head's row are reported without dropping the member."""

    def __init__(self, scope: Scope, *, index: dict[str, int], width: int, errors: RowErrors):
        self.scope, self.index, self.width, self.errors = scope, index, width, errors
        with scopes_disabled():
            self.branches = {b.code: b for b in Branch.objects.filter(head_office_id=scope.head_office_id)}
            self.villages = {v.code: v for v in Village.objects.filter(branch__head_office_id=scope.head_office_id)}
        self.households: dict[str, HouseholdRow] = {}
        self.seen_ids: dict[str, int] = {}
        self.touched_branches: set[int] = set()
        self.touched_villages: set[int] = set()

    def row(self, number: int, raw: list) -> None:
        raw = padded(raw, self.width)
        cells = {key: cell_text(raw[i]) for key, i in self.index.items()}
        if not any(cells.values()):
            return  # a blank line inside the sheet
        missing = [key for key in REQUIRED_CELLS if not cells[key]]
        for key in missing:
            self.errors.add(number, COLUMNS[key], _("This cell is required."))
        if missing:
            return
        try:
            self._place(cells)
            member = self._member(number, raw, cells)
            household = self._household(number, cells)
        except CellError as exc:
            self.errors.add(number, COLUMNS[exc.field], str(exc))
            return
        if member.relation == HEAD:
            self._head_cells(number, raw, cells, household, member.phone)
        household.members.append(member)

    def _place(self, cells: dict) -> None:
        """支行编码 and 村编码: a branch of the scope, and its village the user may edit (or a new one)."""
        branch = self.branches.get(cells["branch"])
        if branch is None or branch.id not in self.scope.branch_ids:
            # Missing and out-of-scope read the same (O2: no existence leak).
            raise CellError(_("Branch %(code)s does not exist or is outside your scope.") % {"code": cells["branch"]},
                            field="branch")
        self.touched_branches.add(branch.id)
        village = self.villages.get(cells["village_code"])
        if village is not None:
            if village.branch_id != branch.id or not self.scope.can_edit_village(village.id):
                raise CellError(_("Village %(code)s does not belong to branch %(branch)s or is outside your scope.")
                                % {"code": cells["village_code"], "branch": cells["branch"]}, field="village_code")
            self.touched_villages.add(village.id)
        elif not self.scope.is_maker:
            raise CellError(_("Village %(code)s does not exist or is outside your scope.")
                            % {"code": cells["village_code"]}, field="village_code")
        elif not cells["village_name"]:
            raise CellError(_("Village %(code)s is new: its name is required.") % {"code": cells["village_code"]},
                            field="village_name")

    def _member(self, number: int, raw: list, cells: dict) -> MemberRow:
        """身份证号码 (once in the file), 与户主关系, 联系电话 and 姓名 of the row's person."""
        resident = in_column("id_number", resident_id_cell, raw[self.index["id_number"]])
        if resident.number in self.seen_ids:
            raise CellError(_("This ID number already appears in row %(row)d.")
                            % {"row": self.seen_ids[resident.number]}, field="id_number")
        self.seen_ids[resident.number] = number
        if cells["relation"] not in RELATIONS:
            raise CellError(_("Unknown relation %(value)s; use one of: %(choices)s.")
                            % {"value": cells["relation"], "choices": " ".join(Relation.values)}, field="relation")
        phone = in_column("phone", phone_cell, raw[self.index["phone"]])
        if len(cells["name"]) > 50:
            raise CellError(_("The name is longer than 50 characters."), field="name")
        return MemberRow(number, cells["name"], resident.number, resident.sex, resident.birth_date, cells["relation"],
                         phone)

    def _household(self, number: int, cells: dict) -> HouseholdRow:
        """户号代码: the household the row belongs to; all its rows name the same branch and village."""
        household = self.households.get(cells["code"])
        if household is None:
            household = self.households[cells["code"]] = HouseholdRow(
                code=cells["code"], row=number, branch_code=cells["branch"], village_code=cells["village_code"],
                village_name=cells["village_name"])
        elif household.village_code != cells["village_code"] or household.branch_code != cells["branch"]:
            raise CellError(_("Household %(code)s is in village %(first)s in row %(row)d; all its rows must agree.")
                            % {"code": cells["code"], "first": household.village_code, "row": household.row},
                            field="village_code")
        return household

    def _head_cells(self, number: int, raw: list, cells: dict, household: HouseholdRow, phone: str) -> None:
        """The household's own cells, read from its head's row."""
        household.group = cells["group"]
        household.address = cells["address"][:200]
        household.phone = phone
        for key, read in (("land", land_cell), ("consent", yes_no_cell)):
            try:
                setattr(household, key, read(raw[self.index[key]]))
            except CellError as exc:
                self.errors.add(number, COLUMNS[key], str(exc))


def roster_validate(rows: list[list], *, scope: Scope) -> RosterPlan:
    """Check every row; nothing is written. Errors name the sheet row, the column and the reason."""
    errors = RowErrors()
    index = read_header(rows, COLUMNS, errors)
    if index is None:
        return RosterPlan(None, max(len(rows) - 1, 0), {}, errors, [], [], [])
    reader = _RosterReader(scope, index=index, width=len(rows[0]), errors=errors)
    for number, raw in enumerate(rows[1:], start=2):
        reader.row(number, raw)
    households = reader.households
    for household in households.values():
        try:
            check_one_head([m.relation for m in household.members])
        except RuleViolation as exc:
            errors.add(household.row, COLUMNS["relation"], _("Household %(code)s: %(reason)s")
                       % {"code": household.code, "reason": exc})
    _check_against_database(households, reader.villages, scope, errors, COLUMNS)
    hits = _blacklist_hits(reader.seen_ids, households, scope.head_office_id)
    errors.sort(key=lambda e: e["row"])
    return RosterPlan(scope.head_office_id, len(rows) - 1, households, errors, hits,
                      sorted(reader.touched_branches), sorted(reader.touched_villages))


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
    villages, villages_created = _write_villages(plan, scope=scope, actor=actor)
    groups, groups_created = _write_groups(plan, villages)
    households_created, households_updated = _write_households(plan, villages, groups, actor=actor)
    members_created, members_updated = _write_members(plan)
    if members_created:
        _set_missing_representatives(head_office_id)
    return {"villages_created": villages_created, "groups_created": groups_created,
            "households_created": households_created, "households_updated": households_updated,
            "members_created": members_created, "members_updated": members_updated}


def _write_villages(plan: RosterPlan, *, scope: Scope, actor) -> tuple[dict[str, Village], int]:
    """The head office's villages by code, with the roster's new ones created."""
    branches = {b.code: b for b in Branch.objects.filter(head_office_id=plan.head_office_id)}
    villages = {v.code: v for v in Village.objects.filter(branch__head_office_id=plan.head_office_id)}
    created = 0
    for household in plan.households.values():
        if household.village_code not in villages:
            village = Village.objects.create(branch=branches[household.branch_code], code=household.village_code,
                                             name=household.village_name[:100])
            if scope.role == Role.OFFICER and actor is not None:
                village.officers.add(actor)  # 包片: the officer who brings a village in looks after it
            villages[village.code] = village
            created += 1
    return villages, created


def _write_groups(plan: RosterPlan, villages: dict[str, Village]) -> tuple[dict[tuple[int, str], int], int]:
    """The head office's villagers' groups by (village id, name), with the roster's new ones created."""
    groups = {(g.village_id, g.name): g.id for g in VillageGroup.objects.filter(
        village__branch__head_office_id=plan.head_office_id)}
    created = 0
    for household in plan.households.values():
        key = (villages[household.village_code].id, household.group[:50])
        if household.group and key not in groups:
            groups[key] = VillageGroup.objects.create(village_id=key[0], name=key[1]).id
            created += 1
    return groups, created


def _write_households(plan: RosterPlan, villages: dict[str, Village], groups: dict, *, actor) -> tuple[int, int]:
    """Insert the new households and update those whose roster cells changed; (created, updated)."""
    head_office_id = plan.head_office_id
    now = timezone.now()
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
        objs = [Household(pk=pk, group_id=group_id, address=address, phone=phone, land_area=land,
                          publicity_consent=consent, updated_at=now, updated_by_id=actor_id)
                for pk, (group_id, address, phone, land, consent) in changed_households]
        Household.objects.bulk_update(objs, ["group", "address", "phone", "land_area", "publicity_consent",
                                             "updated_at", "updated_by"], batch_size=2000)
        # R3: a household changed by an import is a new version for anyone editing it.
        Household.objects.filter(pk__in=[o.pk for o in objs]).update(version=F("version") + 1)
    return len(new_households), len(changed_households)


def _write_members(plan: RosterPlan) -> tuple[int, int]:
    """Insert the new members and update those whose name, relation or phone changed; (created, updated)."""
    head_office_id = plan.head_office_id
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
    return len(new_members), len(changed_members)


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
