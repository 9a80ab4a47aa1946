"""C1 writes: the quarterly schedule (the daily job) and the visit record, signed by both sides.

U6's post-loan check is a visit of kind "check". credit_use keeps the check's service and fields
(`drawdown_post_loan_check`, Drawdown.post_loan_*): U6's gate for the group's next member reads them there, and
credit_use cannot import post_loan. The entry point for a check made on a visit is this app's visit form:
`visit_add(kind="check")` records the visit (signatures, risks) and, in the same transaction, calls credit_use's
service, so the check is written once, by its owner, and its visit here. The drawdown page links to the visit form
through the section post_loan registers on it (sunshine_credit.sections); credit_use's own check page stays for a
check made without a visit record.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_use.models import Drawdown
from credit_use.services.drawdowns import drawdown_post_loan_check
from sunshine_credit.errors import Refusal, RuleViolation, Stale
from sunshine_credit.scoping import Scope, activate

from ..models import Visit
from ..rules.scans import ScanRefused, scan_file_name, scan_kind
from ..rules.visits import quarter_end, quarter_start, signature_png
from ..selectors.visits import live_loan_for_maker, live_loans

SCHEDULE_BATCH = 2000


def schedule_visits(*, today: datetime.date) -> int:
    """C1 (the daily job, run for nobody under scopes_disabled): one scheduled visit per loan still owed and
    calendar quarter — period_start the quarter's first day, due_on its last — assigned to the loan's officer
    (drawdown.created_by). Set-based: one SELECT of the loans without this quarter's visit, one bulk INSERT
    that the unique constraint (one scheduled visit per loan and quarter) makes safe against a parallel run.
    Returns how many visits were added (0 on a second run the same quarter)."""
    start, end = quarter_start(today), quarter_end(today)
    planned = Visit.objects.filter(drawdown=OuterRef("pk"), kind=Visit.Kind.SCHEDULED, period_start=start)
    loans = (Drawdown.objects.filter(live_loans()).filter(~Exists(planned))
             .values_list("pk", "head_office_id", "village_id", "household_id", "created_by_id"))
    visits = [Visit(drawdown_id=pk, head_office_id=office, village_id=village, household_id=household,
                    officer_id=officer, kind=Visit.Kind.SCHEDULED, period_start=start, due_on=end)
              for pk, office, village, household, officer in loans.iterator(chunk_size=SCHEDULE_BATCH)]
    Visit.objects.bulk_create(visits, batch_size=SCHEDULE_BATCH, ignore_conflicts=True)
    return len(visits)


@dataclass(frozen=True)
class VisitInput:
    visited_on: datetime.date | None
    place: str
    funds_as_applied: bool | None
    operation: str
    risks: tuple[str, ...] = ()
    risk_note: str = ""
    next_action: str = ""
    borrower_signature: str = ""    # a PNG data URL drawn on the screen
    officer_signature: str = ""
    scan: bytes | None = None       # the printed record signed by both, scanned (PDF, JPEG, PNG)


def _checked_files(visit: Visit, data: VisitInput) -> dict[str, tuple[bytes, str]]:
    """R6 and C1 ("signed by both sides"): the drawn signatures (both, unless a scan of the signed paper is given
    or the visit has them already) and the scan, checked. Returns {field: (content, extension)}."""
    errors, files = [], {}
    limit = settings.VISIT_SIGNATURE_MAX_BYTES
    if data.scan:
        try:
            files["scan"] = (data.scan, scan_kind(data.scan))
        except ScanRefused as exc:
            errors.append(("scan", _("%(field)s: %(problem)s") % {"field": _("Signed record (scan)"),
                                                                  "problem": exc}))
    has_scan = "scan" in files or bool(visit.scan)
    for field, label in (("borrower_signature", _("Borrower's signature")),
                         ("officer_signature", _("Officer's signature"))):
        value = getattr(data, field)
        if value:
            try:
                files[field] = (signature_png(value, label=label, max_bytes=limit), "png")
            except RuleViolation as exc:
                errors.append((field, str(exc)))
        elif not has_scan and not getattr(visit, field):
            errors.append((field, _("%(field)s: both sides sign the visit record, on the screen or on the "
                                    "printed record (then upload its scan).") % {"field": label}))
    if errors:
        raise Refusal(errors=errors, code="C1")
    return files


def _check_input(drawdown: Drawdown, data: VisitInput, today: datetime.date) -> None:
    errors = []
    disbursed_on = timezone.localdate(drawdown.disbursed_at) if drawdown.disbursed_at else None
    if data.visited_on is None or data.visited_on > today or (disbursed_on and data.visited_on < disbursed_on):
        errors.append(("visited_on", _("The visit date must be between the disbursement and today.")))
    if data.funds_as_applied is None:
        errors.append(("funds_as_applied", _("Say whether the funds are used as applied.")))
    if not data.operation.strip():
        errors.append(("operation", _("Describe the household's operation and income.")))
    if set(data.risks) - set(Visit.Risk.values):
        errors.append(("risks", _("Choose the risk signals from the list.")))
    if errors:
        raise Refusal(errors=errors, code="C1")


def _fill(visit: Visit, data: VisitInput, files: dict, actor) -> None:
    visit.visited_on, visit.place = data.visited_on, data.place.strip()[:100]
    visit.funds_as_applied, visit.operation = data.funds_as_applied, data.operation.strip()
    visit.risks = [risk for risk in Visit.Risk.values if risk in data.risks]
    visit.risk_note, visit.next_action = data.risk_note.strip()[:500], data.next_action.strip()[:300]
    visit.recorded_by, visit.recorded_at = actor, timezone.now()
    for field, (content, extension) in files.items():
        # The stored name is ours (and not guessable), never the uploader's.
        getattr(visit, field).save(scan_file_name(f"visit-{field}", extension), ContentFile(content), save=False)


@transaction.atomic
def visit_record(*, scope: Scope, actor, visit_id: int, version: int, data: VisitInput,
                 today: datetime.date | None = None) -> Visit:
    """C1: record a planned visit (a quarter's scheduled visit: recording it completes it), or correct a recorded
    one. Raises Visit.DoesNotExist (outside the maker's villages), PermissionDenied, Stale (R3: someone saved the
    visit after the form was read; nothing written), Refusal (each problem on its field)."""
    today = today or timezone.localdate()
    with activate(scope):
        visit = (Visit.objects.select_for_update().select_related("drawdown")
                 .filter(pk=visit_id, village_id__in=scope.editable_village_ids).first())
        if visit is None:
            raise Visit.DoesNotExist
        scope.require_maker(village_id=visit.village_id)
        if visit.version != version:
            raise Stale()
        _check_input(visit.drawdown, data, today)
        files = _checked_files(visit, data)
        _fill(visit, data, files, actor)
        visit.version += 1
        visit.save()
    return visit


@transaction.atomic
def visit_add(*, scope: Scope, actor, drawdown_id: int, kind: str, data: VisitInput,
              today: datetime.date | None = None) -> Visit:
    """C1: a visit outside the schedule (kind "extra"), or U6's post-loan check made on a visit (kind "check",
    which also records the check through credit_use's service: see the module's docstring; the check "found a
    problem" when the funds are not used as applied or a risk signal was seen). Raises Drawdown.DoesNotExist,
    PermissionDenied, Refusal (credit_use's DrawdownRefused among them)."""
    today = today or timezone.localdate()
    if kind not in (Visit.Kind.EXTRA, Visit.Kind.CHECK):
        raise Refusal(_("Choose the kind of visit."), field="kind")
    with activate(scope):
        drawdown = live_loan_for_maker(scope=scope, drawdown_id=drawdown_id)
        visit = Visit(head_office_id=drawdown.head_office_id, village_id=drawdown.village_id,
                      household_id=drawdown.household_id, drawdown=drawdown, officer=actor, kind=kind,
                      due_on=data.visited_on or today)
        _check_input(drawdown, data, today)
        files = _checked_files(visit, data)
        if kind == Visit.Kind.CHECK:
            problem = data.funds_as_applied is False or bool(data.risks)
            note = " ".join(part for part in (data.operation.strip(), data.risk_note.strip()) if part)
            drawdown_post_loan_check(scope=scope, actor=actor, drawdown_id=drawdown.pk, checked_on=data.visited_on,
                                     note=note, problem=problem, today=today)
        _fill(visit, data, files, actor)
        visit.save()
    return visit
