"""C4/R2: the blacklist's life — added by a maker with reason, source and evidence; the debt recorded as settled
(which sets the erase date); taken off only by maker-checker or, on the erase date, by the daily job.

Who (SPEC §1): makers — the head office's administrator and the loan officers — add entries, record a settlement
and ask for a removal; a checker decides the removal (post_loan.approvals, "blacklist_removal"): the head
office's administrator, or the president of the branch the request belongs to, never the person who asked.
Every check in the lower apps reads `BlacklistEntry.active` only; nothing here deletes a row, and every change is
in the audit (R4: sunshine_credit registers the model, with the ID number masked).
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from households.models import Member
from households.rules import parse_resident_id
from sunshine_credit.approvals import ApprovalRefused, approval_request, approval_withdraw
from sunshine_credit.errors import Refusal, RuleViolation, Stale
from sunshine_credit.import_jobs import import_locked_apply
from sunshine_credit.lib.excel import open_upload
from sunshine_credit.models import Approval, BlacklistEntry, HeadOffice, Role
from sunshine_credit.scoping import Scope

from ..imports.blacklist import blacklist_validate, blacklist_write
from ..models import BlacklistImport
from ..rules.blacklist import check_settled_on, erase_date

REMOVAL_KIND = "blacklist_removal"
# Who reads the blacklist pages: makers and checkers, supervisors and auditors. Tellers and reviewers do not
# (the checks at the counter read the list for them).
READER_ROLES = frozenset({Role.ADMIN, Role.OFFICER, Role.PRESIDENT, Role.SUPERVISOR, Role.AUDITOR})


class BlacklistRefused(Refusal):
    """A blacklist action broke a rule; str() is shown to the user. Nothing was written."""


def require_reader(scope: Scope) -> None:
    if scope.role not in READER_ROLES:
        raise PermissionDenied


def _require_maker(scope: Scope) -> None:
    scope.require_maker(_("Only loan officers and administrators change the blacklist."))


def _entry_for_update(scope: Scope, pk: int) -> BlacklistEntry:
    """The head office's entry, locked; Http404 for another head office's (R1)."""
    entry = (BlacklistEntry.objects.select_for_update()
             .filter(pk=pk, head_office_id=scope.head_office_id).first())
    if entry is None:
        raise Http404
    return entry


def _clean_text(value: str, field: str, *, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise BlacklistRefused(_("This field is required."), field=field)
    if limit and len(text) > limit:
        raise BlacklistRefused(_("At most %(n)d characters.") % {"n": limit}, field=field)
    return text


@transaction.atomic
def blacklist_add(*, scope: Scope, actor, id_number: str, name: str, reason: str, source: str,
                  evidence: str = "") -> BlacklistEntry:
    """A maker puts an ID number on the head office's blacklist. The ID is validated (H2: GB 11643 check digit,
    15-digit IDs converted); an ID already on the active list is refused. Raises PermissionDenied for roles that
    do not make data, BlacklistRefused naming the field."""
    _require_maker(scope)
    try:
        number = parse_resident_id(id_number).number
    except RuleViolation as exc:
        raise BlacklistRefused(str(exc), field="id_number") from None
    values = {"name": _clean_text(name, "name", limit=50), "reason": _clean_text(reason, "reason", limit=200),
              "source": _clean_text(source, "source", limit=100),
              "evidence": _clean_text(evidence, "evidence", limit=0, required=False)}
    # One writer per head office at a time (the import takes the same lock), then the unique index as the backstop.
    HeadOffice.objects.select_for_update().filter(pk=scope.head_office_id).first()
    if BlacklistEntry.objects.filter(head_office_id=scope.head_office_id, id_number=number, active=True).exists():
        raise BlacklistRefused(_("This ID number is already on the blacklist."), field="id_number")
    try:
        with transaction.atomic():
            return BlacklistEntry.objects.create(head_office_id=scope.head_office_id, id_number=number,
                                                 created_by=actor, **values)
    except IntegrityError:
        raise BlacklistRefused(_("This ID number is already on the blacklist."), field="id_number") from None


@transaction.atomic
def blacklist_settle(*, scope: Scope, actor, pk: int, settled_on: datetime.date, version: int,
                     today: datetime.date | None = None) -> BlacklistEntry:
    """A maker records the day the debt was settled: the erase date becomes settled_on + BLACKLIST_ERASE_YEARS
    years (29 February → 28 February). Raises Http404 outside the head office, PermissionDenied for non-makers,
    Stale (R3), BlacklistRefused (the entry is off the list, or the date breaks check_settled_on)."""
    _require_maker(scope)
    entry = _entry_for_update(scope, pk)
    if entry.version != version:
        raise Stale()
    if not entry.active:
        raise BlacklistRefused(_("This entry is no longer on the blacklist."))
    today = today or timezone.localdate()
    try:
        check_settled_on(settled_on, listed_on=timezone.localtime(entry.created_at).date(), today=today)
    except RuleViolation as exc:
        raise BlacklistRefused(str(exc), field="settled_on") from None
    entry.settled_on = settled_on
    entry.erase_on = erase_date(settled_on, years=settings.BLACKLIST_ERASE_YEARS)
    entry.version += 1
    entry.save(update_fields=["settled_on", "erase_on", "version"])
    return entry


def _request_village(scope: Scope, entry: BlacklistEntry) -> int:
    """Approval.village (the approvals' scope key) for a removal: the village of the listed person's household
    when the person is in the archive and the maker reads that village (so that its branch president may decide);
    otherwise the maker's own first village (an officer's branch president checks the officer; an administrator's
    request goes to the head office's first village). The administrator reads every village, so always decides."""
    with scopes_disabled():
        home = (Member.objects.filter(head_office_id=entry.head_office_id, id_number=entry.id_number)
                .values_list("household__village_id", flat=True).first())
    if home is not None and scope.can_read_village(home):
        return home
    if not scope.editable_village_ids:
        raise BlacklistRefused(_("You have no village assigned; ask your administrator."))
    return scope.editable_village_ids[0]


@transaction.atomic
def blacklist_removal_request(*, scope: Scope, actor, pk: int, reason: str) -> Approval:
    """A maker asks to take an entry off the list, with the reason; a checker decides (R2). Raises Http404
    outside the head office, PermissionDenied for non-makers, BlacklistRefused / ApprovalRefused (off the list
    already, no reason, a request already waiting)."""
    _require_maker(scope)
    entry = _entry_for_update(scope, pk)
    if not entry.active:
        raise BlacklistRefused(_("This entry is no longer on the blacklist."))
    title = _("Removal from the blacklist: %(name)s (entry %(id)d)") % {"name": entry.name or "—", "id": entry.pk}
    return approval_request(scope=scope, actor=actor, kind=REMOVAL_KIND, subject_id=entry.pk,
                            village_id=_request_village(scope, entry), title=title, reason=reason)


def blacklist_removal_decided(approval: Approval, approved: bool) -> None:
    """Runs in the checker's transaction (approval_decide) after the entry was locked (lock_subject). Approving
    takes the entry off the list, recording when, the checker and the maker's reason. Raises ApprovalRefused
    (nothing written) when the entry left the list meanwhile."""
    if not approved:
        return
    with scopes_disabled():
        entry = (BlacklistEntry.objects.select_for_update()
                 .filter(pk=approval.subject_id, head_office_id=approval.head_office_id).first())
    if entry is None or not entry.active:
        raise ApprovalRefused(_("This entry is no longer on the blacklist."))
    entry.active = False
    entry.removed_at, entry.removed_by_id, entry.removal_reason = (approval.decided_at, approval.decided_by_id,
                                                                   approval.reason)
    entry.version += 1
    entry.save(update_fields=["active", "removed_at", "removed_by", "removal_reason", "version"])


def lift_expired(*, today: datetime.date) -> int:
    """The daily job's step (postloan_daily, 7): every active entry whose erase date has come (erase_on <= today)
    leaves the list, with lifted_at; each change is audited (one save per entry: few a day). A removal request
    still waiting is withdrawn. Idempotent: a lifted entry is no longer active. Returns how many were lifted."""
    lifted = 0
    with scopes_disabled():
        due = list(BlacklistEntry.objects.filter(active=True, erase_on__lte=today).values_list("pk", flat=True))
        for pk in due:
            with transaction.atomic():
                entry = BlacklistEntry.objects.select_for_update().filter(pk=pk, active=True).first()
                if entry is None:
                    continue  # removed or lifted meanwhile
                entry.active, entry.lifted_at = False, timezone.now()
                entry.version += 1
                entry.save(update_fields=["active", "lifted_at", "version"])
                approval_withdraw(kind=REMOVAL_KIND, subject_id=pk,
                                  note=_("The entry was lifted on its erase date."))
                lifted += 1
    return lifted


# --- the workbook import (C4, SPEC §11) -------------------------------------------------------------------


class BlacklistImportRefused(Refusal):
    """The workbook was refused as a whole; `.rows` lists {"row", "column", "message"}. Nothing was written."""

    def __init__(self, rows: list[dict]):
        super().__init__(_("Nothing was imported: the file has %(n)d errors.") % {"n": len(rows)}, code="import")
        self.rows = rows


def require_importer(scope: Scope) -> None:
    """A list of entries for the whole head office (a court's or the credit bureau's) is the head office's to
    import: its administrator, who is a maker (O3)."""
    if scope.role != Role.ADMIN:
        raise PermissionDenied(_("Only the head office's administrator imports blacklist entries."))


def blacklist_import(*, scope: Scope, actor, name: str, data: bytes, dry_run: bool = False) -> BlacklistImport:
    """Check the workbook (R6 hardening, then every row) and write all of it or nothing; record the import (R4).
    Returns the BlacklistImport (unsaved for a dry run, which writes nothing). Raises PermissionDenied for any role
    but admin, UploadRefused for a file that is not a safe .xlsx, BlacklistImportRefused with every error by row
    and column."""
    require_importer(scope)
    sheet = open_upload(data)
    record = BlacklistImport(head_office_id=scope.head_office_id, file_name=name[:200], sha256=sheet.sha256,
                             created_by=actor)
    if dry_run:
        plan = blacklist_validate(sheet.rows, head_office_id=scope.head_office_id)
        if not plan.ok:
            raise BlacklistImportRefused(list(plan.errors))
        record.status, record.rows_total = BlacklistImport.Status.VALID, len(plan.entries)
        return record

    def write(plan):
        return {"written": blacklist_write(plan, head_office_id=scope.head_office_id, actor=actor)}

    with transaction.atomic():
        plan, summary = import_locked_apply(
            head_office_id=scope.head_office_id, write=write,
            validate=lambda: blacklist_validate(sheet.rows, head_office_id=scope.head_office_id))
        if not plan.ok:
            raise BlacklistImportRefused(list(plan.errors))
        record.status, record.rows_total, record.summary = BlacklistImport.Status.APPLIED, len(plan.entries), summary
        record.applied_at = timezone.now()
        record.save()
        return record
