"""Drawdowns (用信, SPEC §8 U1–U6, P6, R2): the officer's application, its checks, the submission and the
officer's post-loan check. With services.disbursement (the president's approval, the teller's disbursement), the
only code that writes drawdowns.

Flow: the officer of the village (maker) prepares the application (draft) with its guarantee, documents and
investigation, and submits it with their opinion (客户经理填写用信审批表): status submitted, `complete_at` set
(the U7 clock starts) and an approval request of kind "drawdown" for the branch president (checker,
approvals.py). Approving re-checks the line and the guarantee, and above the pre-disbursement threshold
publishes the village's loan pre-disbursement notice (P6). A teller of the branch disburses an approved
drawdown once that notice has ended: a loan number (借据号), the principal outstanding, who and when.

Locks, always in this order so that no two of these transactions wait on each other: the credit line
rows (the borrower's line; on submission also the guarantors' lines, by id), then the drawdown row, then the
approval row. The borrower's line lock is what serialises U1: two tellers disbursing against one line at
once queue up on it, and the second sees the first's principal outstanding.

Every write is a `save()` or `delete()` (django-auditlog records who, when and what changed, R4). Refusals
raise `DrawdownRefused` (its `.errors` name the fields) or PermissionDenied, and nothing is written.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from guarantee_groups.services import group_drawdown_refusal
from sunshine_credit.approvals import approval_request
from sunshine_credit.errors import Refusal, RuleViolation
from sunshine_credit.lib.money import yuan
from sunshine_credit.scoping import Scope, activate

from ..models import Authority, CreditLine, Drawdown, DrawdownGuarantor, GuaranteeKind
from ..rules import drawdowns as rules
from ..rules import guarantee as rules_guarantee
from ..rules import time_limits as rules_time
from ..selectors import drawdowns as selectors_drawdowns
from ..selectors import guarantee as selectors_guarantee

DRAWDOWN_KIND = "drawdown"  # sunshine_credit.approvals key (approvals.py registers it)
# Above the branch's approval authority the head office decides instead of the branch president (U7's county
# level): the same action under its own key, so that the inbox of each level shows only its own.
DRAWDOWN_ABOVE_BRANCH_KIND = "drawdown_above_branch"
DRAWDOWN_KINDS = (DRAWDOWN_KIND, DRAWDOWN_ABOVE_BRANCH_KIND)


def derived_authority(drawdown: Drawdown) -> str:
    """U7: the approval level the amount and the branch's approval authority give (rules.time_limits.approval_level;
    the county and city thresholds are settings), never a level the officer picks."""
    return rules_time.approval_level(amount=drawdown.amount or Decimal(0),
                                     branch_authority=drawdown.village.branch.approval_authority,
                                     county_authority=Decimal(settings.COUNTY_APPROVAL_AUTHORITY),
                                     city_authority=Decimal(settings.CITY_APPROVAL_AUTHORITY))


def above_branch_authority(drawdown: Drawdown) -> bool:
    """The amount exceeds what the branch may approve (a branch without a set authority approves anything)."""
    return derived_authority(drawdown) != Authority.BRANCH


NUMBER_ATTEMPTS = 5


@dataclass(frozen=True)
class DrawdownInput:
    """The application as the officer entered it. `guarantors` are (户号代码, amount or None = the whole
    drawdown) for a GUARANTORS guarantee; `annual_rate` is a fraction (0.0650 = 6.5 %)."""

    amount: Decimal | None
    purpose: str
    applied_on: datetime.date
    due_on: datetime.date | None
    annual_rate: Decimal
    guarantee: str
    guarantors: tuple[tuple[str, Decimal | None], ...] = ()
    spouse_away: bool = False
    documents: tuple[str, ...] = ()
    investigated_on: datetime.date | None = None
    investigation: str = ""
    small_farm: bool = True


class BrokenRule(tuple):
    """One broken rule as a refusal's (field, message) pair (sunshine_credit.errors.Refusal.errors) that keeps the
    rule's `.code` (the submit page and the tests read it) and answers `.field` and `.message`."""

    def __new__(cls, violation: RuleViolation):
        broken = super().__new__(cls, (violation.field, violation.message))
        broken.code = violation.code
        return broken

    @property
    def field(self) -> str | None:
        return self[0]

    @property
    def message(self) -> str:
        return self[1]


class DrawdownRefused(Refusal):
    """A rule or the drawdown's state refused the action; nothing was written. `.errors` are the broken rules
    (BrokenRule: field, message and code); str() joins their messages."""

    def __init__(self, violations: list[RuleViolation]):
        super().__init__(errors=[BrokenRule(v) for v in violations], code=violations[0].code if violations else "")

    def __str__(self):
        return " ".join(text for _field, text in self.errors)


def refuse(code: str, message: str, field: str | None = None):
    raise DrawdownRefused([RuleViolation(code, message, field)])


# --- the checks ----------------------------------------------------------------------------------------

def _run(errors: list, check, **kwargs):
    try:
        return check(**kwargs)
    except RuleViolation as exc:
        errors.append(exc)
        return None


def _check_group(errors: list, drawdown: Drawdown, *, lock: bool) -> None:
    """U3 (group): the borrower is an active member of a group that may guarantee now (G7: active, not flagged,
    its rules holding today). In a writing transaction the group row is locked, after the line and the drawdown,
    so that a G7 check committed meanwhile is seen."""
    group = selectors_drawdowns.active_group_of(household_id=drawdown.household_id, lock=lock)
    drawdown.group = group
    if group is None:
        errors.append(RuleViolation("U3", _("The borrower is not an active member of a joint-guarantee group: name "
                                            "guarantors instead."), "guarantee"))
        return
    refusal = group_drawdown_refusal(group)
    if refusal:
        errors.append(RuleViolation("G7", refusal, "guarantee"))


def _check_guarantors(errors: list, drawdown: Drawdown, parts: list[tuple[int, Decimal]], today) -> None:
    """U3/G5 capacity and G6 circles for named guarantors."""
    drawdown.group = None
    ids = [household_id for household_id, _amount in parts]
    facts = selectors_guarantee.guarantor_facts(head_office_id=drawdown.head_office_id, household_ids=ids,
                                                today=today, exclude_drawdown_id=drawdown.pk)
    pairs = [(facts[household_id], amount) for household_id, amount in parts if household_id in facts]
    before = len(errors)
    _run(errors, rules_guarantee.check_guarantors, borrower_id=drawdown.household_id,
         amount=drawdown.amount or Decimal(0), guarantors=pairs)
    if len(errors) > before:
        return
    edges = selectors_guarantee.guarantee_edges(head_office_id=drawdown.head_office_id,
                                                exclude_drawdown_id=drawdown.pk)
    nodes = {node for edge in edges for node in edge} | {drawdown.household_id}
    codes = selectors_guarantee.household_codes(head_office_id=drawdown.head_office_id, household_ids=nodes)
    _run(errors, rules_guarantee.check_no_circle, edges=edges, borrower_id=drawdown.household_id,
         guarantor_ids=ids, codes=codes)


def check_line(errors: list, drawdown: Drawdown, line: CreditLine, today, *, disbursing: bool = False) -> None:
    """U1. Reserved amounts count while applying and approving; at disbursement only money actually lent
    counts (line − principal outstanding), so that when the line was lowered under two approved drawdowns,
    the first teller disburses and the second is refused — the line is never exceeded either way."""
    _run(errors, rules.check_line_open, status=line.status, effective_on=line.effective_on,
         expires_on=line.expires_on, today=today)
    outstanding, reserved = selectors_drawdowns.line_usage(line_id=line.pk, exclude_id=drawdown.pk)
    available = rules.available_amount(line_amount=line.amount, outstanding=outstanding,
                                       reserved=Decimal(0) if disbursing else reserved)
    _run(errors, rules.check_amount, amount=drawdown.amount, available=available)


def check_guarantee(errors: list, drawdown: Drawdown, parts: list[tuple[int, Decimal]], today, *,
                    lock: bool = True) -> None:
    """U3: the group (G7) or the named guarantors (G5, G6), as the application says."""
    if drawdown.guarantee == GuaranteeKind.GROUP:
        _check_group(errors, drawdown, lock=lock)
    else:
        _check_guarantors(errors, drawdown, parts, today)


def check_blacklist(errors: list, drawdown: Drawdown, parts: list[tuple[int, Decimal]]) -> None:
    """C4: no member of the borrower's household, of a named guarantor's or (group guarantee, after
    check_guarantee found the group) of a fellow group member's is on the blacklist."""
    households = [drawdown.household_id, *(p[0] for p in parts)]
    if drawdown.guarantee == GuaranteeKind.GROUP and drawdown.group_id:
        households += selectors_drawdowns.group_household_ids(group_id=drawdown.group_id)
    for code, reason in selectors_drawdowns.blacklist_hits(head_office_id=drawdown.head_office_id,
                                                           household_ids=households):
        errors.append(RuleViolation("C4", _("Household %(code)s: a member is on the blacklist (%(reason)s).")
                                    % {"code": code, "reason": reason}))


def _problems(drawdown: Drawdown, line: CreditLine, parts: list[tuple[int, Decimal]], today, *,
              complete: bool, lock: bool = True) -> list[RuleViolation]:
    """Every rule the application breaks (U1–U3; with `complete`, also U4–U6 and C4). `lock` False: a read
    outside a transaction (the submit page)."""
    errors: list[RuleViolation] = []
    check_line(errors, drawdown, line, today)
    _run(errors, rules.check_purpose, purpose=drawdown.purpose)
    _run(errors, rules.check_applied_on, applied_on=drawdown.applied_on, effective_on=line.effective_on,
         today=today)
    if drawdown.applied_on is not None:
        _run(errors, rules.check_term, applied_on=drawdown.applied_on, due_on=drawdown.due_on,
             expires_on=line.expires_on)
    check_guarantee(errors, drawdown, parts, today, lock=lock)
    _run(errors, rules.check_investigation, amount=drawdown.amount or Decimal(0),
         investigated_on=drawdown.investigated_on, investigation=drawdown.investigation, today=today,
         required=complete)
    # C4 on every save of the application, so that a blacklisted borrower or guarantor is refused at once.
    check_blacklist(errors, drawdown, parts)
    if not complete:
        return errors
    drawdown.is_first = not selectors_drawdowns.has_disbursed(household_id=drawdown.household_id,
                                                               exclude_id=drawdown.pk)
    required = rules.required_documents(
        first=drawdown.is_first, amount=drawdown.amount or Decimal(0), guarantee=drawdown.guarantee,
        has_spouse=selectors_drawdowns.has_spouse(household=drawdown.household), spouse_away=drawdown.spouse_away)
    _run(errors, rules.check_documents, required=required, received=drawdown.documents)
    if drawdown.guarantee == GuaranteeKind.GROUP and drawdown.group is not None:
        previous = selectors_drawdowns.previous_member_drawdown(drawdown=drawdown)
        _run(errors, rules.check_previous_member, previous_number=previous[0] if previous else None,
             previous_checked_on=previous[1] if previous else None,
             previous_problem=previous[2] if previous else False)
    return errors


def drawdown_problems(*, scope: Scope, drawdown: Drawdown, today: datetime.date | None = None) -> list[RuleViolation]:
    """What still stops a draft from being submitted (read only, for the submit page)."""
    with activate(scope):
        parts = list(drawdown.guarantors.values_list("household_id", "amount"))
        return _problems(drawdown, drawdown.line, parts, today or timezone.localdate(), complete=True, lock=False)


# --- the officer: application, submission, post-loan check ------------------------------------------

def _apply(drawdown: Drawdown, data: DrawdownInput) -> None:
    drawdown.amount, drawdown.purpose = data.amount, (data.purpose or "").strip()
    drawdown.applied_on, drawdown.due_on, drawdown.annual_rate = data.applied_on, data.due_on, data.annual_rate
    drawdown.guarantee, drawdown.spouse_away = data.guarantee, data.spouse_away
    drawdown.documents = [code for code in rules.DOCUMENTS if code in set(data.documents)]
    drawdown.investigation, drawdown.investigated_on = (data.investigation or "").strip(), data.investigated_on
    drawdown.small_farm = data.small_farm
    drawdown.authority = derived_authority(drawdown)  # U7: from the amount, not the form


def _resolve_guarantors(drawdown: Drawdown, data: DrawdownInput, errors: list) -> list[tuple[int, Decimal]]:
    """The named guarantors as (household id, amount); a blank amount guarantees the whole drawdown."""
    if data.guarantee != GuaranteeKind.GUARANTORS:
        return []
    codes = [code.strip() for code, _amount in data.guarantors if code.strip()]
    found = selectors_guarantee.households_by_code(head_office_id=drawdown.head_office_id,
                                                   branch_id=drawdown.village.branch_id, codes=codes)
    parts = []
    for code, amount in data.guarantors:
        code = code.strip()
        if not code:
            continue
        if code not in found:
            errors.append(RuleViolation("U3", _("There is no household %(code)s in this branch.") % {"code": code},
                                        "guarantors"))
            continue
        parts.append((found[code], amount if amount is not None else drawdown.amount))
    return parts


def _validate_and_save(drawdown: Drawdown, data: DrawdownInput, actor, today) -> None:
    errors: list[RuleViolation] = []
    parts = _resolve_guarantors(drawdown, data, errors)
    errors += _problems(drawdown, drawdown.line, parts, today, complete=False)
    if drawdown.investigation and drawdown.investigated_by_id is None:
        drawdown.investigated_by = actor
    try:
        drawdown.full_clean(exclude=["number", "head_office", "village", "household", "line", "group", "created_by"],
                            validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors += [RuleViolation("invalid", " ".join(messages), field)
                   for field, messages in exc.message_dict.items()]
    if errors:
        raise DrawdownRefused(errors)
    if drawdown.pk is None:
        prefix = f"YX{drawdown.village.branch.code}{today:%Y%m%d}"
        save_numbered(drawdown, "number", prefix, width=4)
    else:
        drawdown.save()
    _write_guarantors(drawdown, parts)


def _write_guarantors(drawdown: Drawdown, parts: list[tuple[int, Decimal]]) -> None:
    wanted = dict(parts)
    for row in drawdown.guarantors.all():
        if row.household_id not in wanted:
            row.delete()
        elif row.amount != wanted[row.household_id]:
            row.amount = wanted.pop(row.household_id)
            row.save(update_fields=["amount"])
        else:
            wanted.pop(row.household_id)
    for household_id, amount in wanted.items():
        DrawdownGuarantor.objects.create(drawdown=drawdown, household_id=household_id, amount=amount)


@transaction.atomic
def drawdown_create(*, scope: Scope, actor, line_id: int, data: DrawdownInput,
                    today: datetime.date | None = None) -> Drawdown:
    """A draft application against a line of the maker's villages. Raises CreditLine.DoesNotExist outside the
    editable scope, PermissionDenied for roles that do not make data, DrawdownRefused for broken rules."""
    scope.require_maker(_("Only loan officers and administrators prepare drawdowns."))
    today = today or timezone.localdate()
    with activate(scope):
        line = (CreditLine.objects.select_related("village__branch", "household")
                .filter(pk=line_id, village_id__in=scope.editable_village_ids).first())
        if line is None:
            raise CreditLine.DoesNotExist
        drawdown = Drawdown(head_office_id=line.head_office_id, village=line.village, household=line.household,
                            line=line, created_by=actor, status=Drawdown.Status.DRAFT)
        _apply(drawdown, data)
        _validate_and_save(drawdown, data, actor, today)
    return drawdown


def locked_drawdown(scope: Scope, drawdown_id: int, *, for_edit: bool, lock_lines=()) -> Drawdown:
    """The drawdown in scope, its borrower's line (and `lock_lines`) locked first, then the drawdown row."""
    villages = scope.editable_village_ids if for_edit else scope.village_ids
    line_id = (Drawdown.objects.filter(pk=drawdown_id, village_id__in=villages)
               .values_list("line_id", flat=True).first())
    if line_id is None:
        raise Drawdown.DoesNotExist
    with scopes_disabled():  # guarantors' lines may be of other villages; ids only, in id order (no deadlock)
        list(CreditLine.objects.select_for_update().filter(pk__in={line_id, *lock_lines}).order_by("pk")
             .values_list("pk", flat=True))
    return (Drawdown.objects.select_for_update(of=("self",)).select_related("line", "household", "village__branch")
            .get(pk=drawdown_id))


def check_state(drawdown: Drawdown, *, status: str, version: int | None = None) -> None:
    if version is not None and drawdown.version != version:
        refuse("R3", _("This drawdown was changed by someone else meanwhile: reload it and try again."))
    if drawdown.status != status:
        refuse("state", _("Not possible while the drawdown is “%(status)s”.")
                % {"status": drawdown.get_status_display()})


@transaction.atomic
def drawdown_update(*, scope: Scope, actor, drawdown_id: int, version: int, data: DrawdownInput,
                    today: datetime.date | None = None) -> Drawdown:
    """Change a draft made on `version` (R3). Raises Drawdown.DoesNotExist outside the editable scope,
    PermissionDenied, DrawdownRefused (stale, not a draft, broken rules)."""
    scope.require_maker(_("Only loan officers and administrators prepare drawdowns."))
    today = today or timezone.localdate()
    with activate(scope):
        drawdown = locked_drawdown(scope, drawdown_id, for_edit=True)
        check_state(drawdown, status=Drawdown.Status.DRAFT, version=version)
        before = drawdown.investigation
        _apply(drawdown, data)
        if drawdown.investigation != before:
            drawdown.investigated_by = actor if drawdown.investigation else None
        drawdown.version += 1
        _validate_and_save(drawdown, data, actor, today)
    return drawdown


@transaction.atomic
def drawdown_submit(*, scope: Scope, actor, drawdown_id: int, version: int, opinion: str,
                    today: datetime.date | None = None) -> Drawdown:
    """The maker submits a complete draft with their opinion (the officer's approval form): every rule of
    U1–U6 is checked, the U7 clock starts and the president's approval is requested (R2). Raises
    Drawdown.DoesNotExist, PermissionDenied, DrawdownRefused, ApprovalRefused (nothing written)."""
    scope.require_maker(_("Only loan officers and administrators prepare drawdowns."))
    today = today or timezone.localdate()
    with activate(scope):
        guarantor_lines = selectors_drawdowns.guarantor_line_ids(drawdown_id=drawdown_id, today=today)
        drawdown = locked_drawdown(scope, drawdown_id, for_edit=True, lock_lines=guarantor_lines)
        check_state(drawdown, status=Drawdown.Status.DRAFT, version=version)
        if not (opinion or "").strip():
            refuse("R2", _("Write your opinion for the president."), "opinion")
        parts = list(drawdown.guarantors.values_list("household_id", "amount"))
        errors = _problems(drawdown, drawdown.line, parts, today, complete=True)
        if errors:
            raise DrawdownRefused(errors)
        drawdown.status, drawdown.submitted_by, drawdown.complete_at = Drawdown.Status.SUBMITTED, actor, timezone.now()
        # U7's limit follows who decides, derived again from the amount and the branch's authority as they are
        # now (the branch's authority may have changed since the draft); never a level the maker picks.
        drawdown.authority = derived_authority(drawdown)
        above = drawdown.authority != Authority.BRANCH
        drawdown.version += 1
        drawdown.save(update_fields=["status", "submitted_by", "complete_at", "is_first", "group", "authority",
                                     "version"])
        title = _("Drawdown %(number)s: household %(code)s, %(amount)s yuan") % {
            "number": drawdown.number, "code": drawdown.household.code, "amount": yuan(drawdown.amount)}
        approval_request(scope=scope, actor=actor, kind=DRAWDOWN_ABOVE_BRANCH_KIND if above else DRAWDOWN_KIND,
                         subject_id=drawdown.pk,
                         village_id=drawdown.village_id, title=title, reason=opinion.strip())
    return drawdown


@transaction.atomic
def drawdown_post_loan_check(*, scope: Scope, actor, drawdown_id: int, checked_on: datetime.date | None, note: str,
                             problem: bool = False, today: datetime.date | None = None) -> Drawdown:
    """U6: the officer records the post-loan check of a disbursed drawdown and whether it found a problem (which
    holds back the group's next member); a later check replaces the date, note and finding, the audit log keeps
    the earlier ones. Raises Drawdown.DoesNotExist, PermissionDenied,
    DrawdownRefused."""
    scope.require_maker(_("Only loan officers and administrators prepare drawdowns."))
    today = today or timezone.localdate()
    with activate(scope):
        drawdown = (Drawdown.objects.select_for_update()
                    .filter(pk=drawdown_id, village_id__in=scope.editable_village_ids).first())
        if drawdown is None:
            raise Drawdown.DoesNotExist
        if drawdown.status not in (Drawdown.Status.DISBURSED, Drawdown.Status.REPAID):
            refuse("state", _("Only a disbursed drawdown has a post-loan check."))
        disbursed_on = timezone.localdate(drawdown.disbursed_at)
        if checked_on is None or not disbursed_on <= checked_on <= today:
            refuse("U6", _("The check date must be between the disbursement (%(start)s) and today.")
                    % {"start": disbursed_on.isoformat()}, "checked_on")
        if not (note or "").strip():
            refuse("U6", _("Write what the check found."), "note")
        drawdown.post_loan_checked_on, drawdown.post_loan_checked_by = checked_on, actor
        drawdown.post_loan_note = note.strip()[:500]
        drawdown.post_loan_problem = bool(problem)
        drawdown.version += 1
        drawdown.save(update_fields=["post_loan_checked_on", "post_loan_checked_by", "post_loan_note",
                                     "post_loan_problem", "version"])
    return drawdown


# --- numbers -------------------------------------------------------------------------------------------

def save_numbered(drawdown: Drawdown, field: str, prefix: str, *, width: int, update_fields=None) -> None:
    """Give `field` the next number after `prefix` (unique in the database) and save. Two savers that read
    the same last number collide on the unique constraint: the loser takes the next one (in a savepoint)."""
    for _attempt in range(NUMBER_ATTEMPTS):
        with scopes_disabled():  # numbers are unique across the bank, not per village
            last = (Drawdown.objects.filter(**{f"{field}__startswith": prefix}).order_by(f"-{field}")
                    .values_list(field, flat=True).first())
        tail = last[len(prefix):] if last else ""
        setattr(drawdown, field, f"{prefix}{(int(tail) if tail.isdigit() else 0) + 1:0{width}d}")
        try:
            with transaction.atomic():
                drawdown.save(update_fields=[*update_fields, field] if update_fields else None)
            return
        except IntegrityError:
            with scopes_disabled():
                if not Drawdown.objects.filter(**{field: getattr(drawdown, field)}).exists():
                    raise
    refuse("number", _("No number could be given right now: try again."))

