"""The archive: create and edit a household with its members, its existing loans (H1–H5, C4, R3, R4), and the
archive export (R5). Every service re-checks the scope it is given (R1)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from sunshine_credit.errors import Refusal, Stale
from sunshine_credit.models import BlacklistEntry, VillageGroup
from sunshine_credit.scoping import Scope, activate

from ..exports import archive_export
from ..models import ArchiveExport, ArchiveStatus, ExistingLoan, Household, Member, Relation
from ..rules import (
    ARCHIVE_EXPORT_DENIED_ROLES,
    RuleViolation,
    archive_export_full,
    check_one_head,
    mask_id,
    parse_resident_id,
)

# --- Household archive: create and edit with members (H1–H5, C4, R3, R4) -------------------------
# Audit (R4) comes from django-auditlog's signals on every save() and delete() below; the request's
# actor and remote address are attached by AuditlogMiddleware. Nothing here uses bulk writes, so
# every row change is logged.

HOUSEHOLD_FIELDS = ("village_id", "group_id", "code", "address", "category", "land_area", "phone",
                    "publicity_consent", "archive_status", "exclusion", "exclusion_note")


@dataclass(frozen=True)
class MemberInput:
    """One member row as the user submitted it. `row` is its 1-based position in the form."""

    row: int
    pk: int | None
    name: str
    id_number: str
    relation: str
    works_away: bool = False
    phone: str = ""
    representative: bool = False
    delete: bool = False


class ArchiveInvalid(Refusal):
    """The submission breaks a domain rule; nothing was written.

    `.errors` lists (row or None, field or None, message): a member's error carries its row in the form, so
    it holds triples where other refusals hold (field, message) pairs (`messages` reads both shapes alike).
    """

    def __init__(self, errors: list[tuple[int | None, str | None, str]]):
        super().__init__("; ".join(message for _row, _field, message in errors))
        self.errors = errors

    @property
    def messages(self) -> list[str]:
        return [str(message) for _row, _field, message in self.errors]


def _stale_edit(current: Household, differences: list[dict]) -> Stale:
    """R3: someone saved the household after the form was loaded. Nothing was written.

    `.current` is the household as saved now; `.differences` lists the fields whose saved value
    differs from the submission (label, saved, submitted).
    """
    return Stale(_("This household was changed by someone else while you were editing it."), current=current,
                 differences=differences)


@transaction.atomic
def household_create(*, scope: Scope, actor, fields: dict, members: list[MemberInput]) -> Household:
    """Create a household with its members. Raises ArchiveInvalid (nothing written) or PermissionDenied."""
    scope.require_maker()
    with activate(scope):
        household = Household(head_office_id=scope.head_office_id)
        _check_and_write(scope=scope, actor=actor, household=household, fields=fields, members=members,
                         existing={})
    return household


@transaction.atomic
def household_update(*, scope: Scope, actor, household_id: int, version: int, fields: dict,
                     members: list[MemberInput]) -> Household:
    """Save an edit made on `version` of the household (R3).

    Raises Stale when the household was saved meanwhile, ArchiveInvalid when a rule refuses the
    input, Household.DoesNotExist outside the user's editable scope. In every case nothing is written.
    """
    scope.require_maker()
    with activate(scope):
        # The row lock serialises concurrent saves: the second waits here, then sees the new version.
        household = (Household.objects.select_for_update()
                     .filter(village_id__in=scope.editable_village_ids, pk=household_id).first())
        if household is None:
            raise Household.DoesNotExist
        existing = {m.pk: m for m in Member.objects.filter(household=household).order_by("id")}
        if household.version != version:
            raise _stale_edit(household, household_differences(household=household, existing=existing,
                                                                fields=fields, members=members))
        _check_and_write(scope=scope, actor=actor, household=household, fields=fields, members=members,
                         existing=existing)
    return household


def _check_and_write(*, scope, actor, household, fields, members, existing) -> None:
    errors: list = []
    final = _final_members(members, existing, errors)
    _check_household(scope, household, fields, final, errors)
    if errors:
        raise ArchiveInvalid(errors)
    for name in HOUSEHOLD_FIELDS:
        setattr(household, name, fields.get(name, getattr(household, name)))
    if household.archive_status != ArchiveStatus.EXCLUDED:
        household.exclusion, household.exclusion_note = "", ""
    household.updated_by = actor
    household.version = (household.version or 0) + 1 if household.pk else 1
    household.full_clean(validate_unique=False, validate_constraints=False, exclude=["representative"])
    try:
        with transaction.atomic():
            household.save()
            _write_members(household, members, existing, final)
    except IntegrityError:
        # A concurrent save took the same code or ID number, or two members swapped ID numbers.
        raise ArchiveInvalid([(None, None, _("The household could not be saved because it conflicts with "
                                             "another record (a household code or ID number already in "
                                             "use). Check the entries and save again."))]) from None


def _final_members(members: list[MemberInput], existing: dict, errors: list) -> list[tuple[MemberInput | None, Member]]:
    """The members the household will have: (input or None when untouched, unsaved state)."""
    touched = {}
    final = []
    for item in members:
        if item.pk is not None and item.pk not in existing:
            errors.append((item.row, None, _("Row %(row)d: this member no longer belongs to the household.")
                           % {"row": item.row}))
            continue
        if item.pk is not None:
            touched[item.pk] = item
        if item.delete:
            continue
        member = Member(pk=item.pk) if item.pk else Member()
        try:
            resident = parse_resident_id(item.id_number)
        except RuleViolation as exc:
            errors.append((item.row, "id_number", str(exc)))
            continue
        member.name, member.id_number, member.relation = item.name.strip(), resident.number, item.relation
        member.sex, member.birth_date = resident.sex, resident.birth_date
        member.works_away, member.phone = item.works_away, item.phone
        final.append((item, member))
    for pk, member in existing.items():
        if pk not in touched:
            final.append((None, member))
        elif touched[pk].delete and ExistingLoan.objects.filter(member_id=pk).exists():
            errors.append((touched[pk].row, None,
                           _("Row %(row)d: %(name)s has existing loans; delete those first.")
                           % {"row": touched[pk].row, "name": member.name}))
    return final


def _check_household(scope: Scope, household: Household, fields: dict, final: list, errors: list) -> None:
    village_id, group_id = fields.get("village_id"), fields.get("group_id")
    if not scope.can_edit_village(village_id):
        errors.append((None, "village", _("Choose one of your villages.")))
    elif group_id and not VillageGroup.objects.filter(pk=group_id, village_id=village_id).exists():
        errors.append((None, "group", _("This group does not belong to the chosen village.")))
    if fields.get("archive_status") == ArchiveStatus.EXCLUDED and not fields.get("exclusion"):
        errors.append((None, "exclusion", _("Give the reason why the household is not archived.")))
    with scopes_disabled():  # H1/H3 hold across the whole head office, beyond the user's scope
        taken = (Household.objects.filter(head_office_id=scope.head_office_id, code=fields.get("code"))
                 .exclude(pk=household.pk).exists())
    if taken:
        errors.append((None, "code", _("This household code is already in use.")))
    try:
        check_one_head([member.relation for _item, member in final])
    except RuleViolation as exc:
        errors.append((None, None, str(exc)))
    chosen = [item for item, _member in final if item is not None and item.representative]
    if len(chosen) > 1:
        errors.append((None, None, _("Choose one credit representative, not %(n)d.") % {"n": len(chosen)}))
    _check_id_numbers(scope, household, final, errors)
    if fields.get("archive_status") == ArchiveStatus.ARCHIVED:
        _check_blacklist(scope, final, errors)


def _check_id_numbers(scope: Scope, household: Household, final: list, errors: list) -> None:
    """H3: an ID number belongs to one member in the whole head office."""
    seen: dict[str, int] = {}
    for item, member in final:
        if item is None:
            continue
        if member.id_number in seen:
            errors.append((item.row, "id_number", _("Row %(row)d: this ID number is also in row %(other)d.")
                           % {"row": item.row, "other": seen[member.id_number]}))
        seen.setdefault(member.id_number, item.row)
    if not seen:
        return
    with scopes_disabled():
        owners = {number: (village_id, code) for number, village_id, code in (
            Member.objects.filter(head_office_id=scope.head_office_id, id_number__in=list(seen))
            .exclude(household_id=household.pk).values_list("id_number", "household__village_id",
                                                            "household__code"))}
    for item, member in final:
        if item is not None and member.id_number in owners:
            village_id, code = owners[member.id_number]
            # O2: name the other household only when the user may see it.
            where = code if scope.can_read_village(village_id) else _("a household outside your villages")
            errors.append((item.row, "id_number",
                           _("Row %(row)d: this ID number is already registered to another household (%(where)s).")
                           % {"row": item.row, "where": where}))


def _check_blacklist(scope: Scope, final: list, errors: list) -> None:
    """C4: a household with a member on the active blacklist is not archived."""
    numbers = {member.id_number: member.name for _item, member in final}
    listed = BlacklistEntry.objects.filter(head_office_id=scope.head_office_id, active=True,
                                           id_number__in=list(numbers)).values_list("id_number", flat=True)
    for number in sorted(set(listed)):
        errors.append((None, "archive_status",
                       _("%(name)s (%(id)s) is on the blacklist; the household cannot be archived.")
                       % {"name": numbers[number], "id": mask_id(number)}))


def _write_members(household: Household, members: list[MemberInput], existing: dict, final: list) -> None:
    for item in members:
        if item.delete and item.pk in existing:
            if household.representative_id == item.pk:
                household.representative = None
            existing[item.pk].delete()
    # Demote before promoting and free ID numbers before reusing them, so every constraint holds
    # after every statement (one head per household, one ID per head office).
    changed = [(item, member) for item, member in final if item is not None]
    changed.sort(key=lambda pair: (pair[1].relation == Relation.HEAD, pair[1].pk is None))
    for _item, member in changed:
        member.household, member.head_office_id = household, household.head_office_id
        if member.pk is None:
            member.full_clean(validate_unique=False, validate_constraints=False)
            member.save()
        else:
            old = existing[member.pk]
            names = [f for f in ("name", "id_number", "relation", "sex", "birth_date", "works_away", "phone")
                     if getattr(old, f) != getattr(member, f)]
            for name in names:
                setattr(old, name, getattr(member, name))
            if names:
                old.full_clean(validate_unique=False, validate_constraints=False)
                old.save(update_fields=names)
    chosen = next((member for item, member in final if item is not None and item.representative), None)
    head = next((member for _item, member in final if member.relation == Relation.HEAD), None)
    representative = chosen or (household.representative if household.representative_id else None) or head
    if representative is not None and representative.pk != household.representative_id:
        household.representative = representative
        household.save(update_fields=["representative"])


def household_differences(*, household: Household, existing: dict, fields: dict,
                          members: list[MemberInput]) -> list[dict]:
    """R3: what the saved household says where it differs from a stale submission."""
    rows = []
    for name in HOUSEHOLD_FIELDS:
        saved, submitted = getattr(household, name), fields.get(name)
        if name == "land_area" and saved is not None and submitted is not None:
            same = Decimal(saved) == Decimal(submitted)
        else:
            same = (saved or None) == (submitted or None) if not isinstance(saved, bool) else saved == submitted
        if not same:
            field = Household._meta.get_field(name.removesuffix("_id"))
            rows.append({"label": field.verbose_name, "saved": _display(field, saved),
                         "submitted": _display(field, submitted)})
    submitted_pks = set()
    for item in members:
        old = existing.get(item.pk) if item.pk else None
        if item.pk is None:
            continue
        submitted_pks.add(item.pk)
        if old is None:
            rows.append({"label": _("Member %(name)s") % {"name": item.name},
                         "saved": _("no longer in the household"),
                         "submitted": _("deleted") if item.delete else _("kept")})
            continue
        for name in ("name", "id_number", "relation", "works_away", "phone"):
            mine = getattr(item, name)
            if name == "id_number":
                try:
                    mine = parse_resident_id(mine).number
                except RuleViolation:
                    pass
            if getattr(old, name) != mine:
                field = Member._meta.get_field(name)
                rows.append({"label": _("Member %(name)s: %(field)s") % {"name": old.name,
                                                                         "field": field.verbose_name},
                             "saved": _display(field, getattr(old, name)), "submitted": _display(field, mine)})
    for pk, old in existing.items():
        if pk not in submitted_pks:
            rows.append({"label": _("Member %(name)s") % {"name": old.name}, "saved": _("added meanwhile"),
                         "submitted": "—"})
    return rows


def _display(field, value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation:
        related = field.related_model._base_manager.filter(pk=value).first()
        return str(related) if related is not None else str(value)
    return str(value)


# --- Existing loans (H4) ----------------------------------------------------------------------------

LOAN_FIELDS = ("loan_number", "amount", "balance", "classification", "start_date", "due_date", "written_off",
               "replaced", "repaid_by_guarantor", "recovered_by_lawsuit")


def _editable_member(scope: Scope, member_id: int) -> Member:
    member = Member.objects.filter(pk=member_id, household__village_id__in=scope.editable_village_ids).first()
    if member is None:
        raise Member.DoesNotExist
    return member


def _check_loan(fields: dict) -> None:
    amount, balance = fields.get("amount"), fields.get("balance")
    if amount is not None and balance is not None and balance > amount:
        raise ArchiveInvalid([(None, "balance", _("The balance cannot exceed the loan amount."))])
    start, due = fields.get("start_date"), fields.get("due_date")
    if start and due and due < start:
        raise ArchiveInvalid([(None, "due_date", _("The due date cannot be before the start date."))])


@transaction.atomic
def existing_loan_create(*, scope: Scope, actor, member_id: int, fields: dict) -> ExistingLoan:
    """Record an existing loan of a member. Raises ArchiveInvalid, Member.DoesNotExist outside the scope."""
    scope.require_maker()
    with activate(scope):
        member = _editable_member(scope, member_id)
        _check_loan(fields)
        loan = ExistingLoan(member=member, **{name: fields[name] for name in LOAN_FIELDS if name in fields})
        loan.full_clean()
        loan.save()
    return loan


@transaction.atomic
def existing_loan_update(*, scope: Scope, actor, loan_id: int, member_id: int, fields: dict) -> ExistingLoan:
    """Change an existing loan (and possibly move it to another member of the same household)."""
    scope.require_maker()
    with activate(scope):
        loan = (ExistingLoan.objects.select_for_update()
                .filter(pk=loan_id, member__household__village_id__in=scope.editable_village_ids)
                .select_related("member").first())
        if loan is None:
            raise ExistingLoan.DoesNotExist
        member = _editable_member(scope, member_id)
        if member.household_id != loan.member.household_id:
            raise ArchiveInvalid([(None, "member", _("Choose a member of this household."))])
        _check_loan(fields)
        loan.member = member
        for name in LOAN_FIELDS:
            if name in fields:
                setattr(loan, name, fields[name])
        loan.full_clean()
        loan.save()
    return loan


@transaction.atomic
def existing_loan_delete(*, scope: Scope, actor, loan_id: int) -> None:
    scope.require_maker()
    with activate(scope):
        loan = ExistingLoan.objects.filter(pk=loan_id,
                                           member__household__village_id__in=scope.editable_village_ids).first()
        if loan is None:
            raise ExistingLoan.DoesNotExist
        loan.delete()


@transaction.atomic
def archive_export_write(*, scope: Scope, actor, out, purpose: str = "", want_full: bool = False,
                         village_id: int | None = None, group_id: int | None = None) -> ArchiveExport:
    """R5/PIPL: write the archive export into `out` and record it (who, when, purpose, rows; audited, R4). Whole
    ID and phone numbers only for a maker who gives a purpose, and only of the villages they may edit; anyone
    else's export is masked. Raises Refusal for a role the export is not for (tellers) or a village or group
    outside the scope, RuleViolation (purpose) when whole numbers are asked for without a purpose."""
    if scope.role in ARCHIVE_EXPORT_DENIED_ROLES:
        raise Refusal(_("The archive export is not available to your role."))
    if (village_id and village_id not in scope.village_ids) or (group_id and not VillageGroup.objects.filter(
            pk=group_id, village_id__in=scope.village_ids).exists()):
        raise Refusal(_("This village is outside your scope."), field="village")
    full = archive_export_full(is_maker=scope.is_maker, want_full=want_full, purpose=purpose)
    rows = archive_export(out, scope=scope, village_id=village_id, group_id=group_id, full_numbers=full)
    return ArchiveExport.objects.create(head_office_id=scope.head_office_id, exported_by=actor, rows=rows,
                                        purpose=purpose.strip()[:200], full_numbers=full,
                                        village_id=village_id or None, group_id=group_id or None)
