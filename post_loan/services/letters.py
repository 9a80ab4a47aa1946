"""C2/C3: the written notices of seed 003 §三 and their delivery receipts (送达回证).

`issue_due_letters(today=)` (step 4 of postloan_daily, under scopes_disabled) issues each letter when
rules.letters says it is due — 《贷款到期通知书》 to the borrower 14 days before the due date (catch-up up to the day
before it), 《贷款逾期通知书》 on the first day overdue to the borrower and each guarantor (the named guarantors, or for a
group-guaranteed loan the group's other members bound to it: credit_use.services.overdue.guarantor_households, the
same people U9 revokes), 《律师函》 to the borrower a week before three months overdue with 7 days to pay. What a letter
says is frozen on it when it is issued: the principal outstanding and the interest owed (credit_use's interest
rules: the pay-off figures — for a maturity notice on the due date, i.e. every unpaid period through maturity; for
the others on the day of issue, which past maturity is the same, penalty interest being the core-banking
system's), the due date, the deadline and the branch's lawyer (models.BranchLawyer). The unique constraint (loan,
kind, recipient) makes a rerun or an overlapping run issue nothing twice.

Then one batch PDF per village, kind and day through the generated-file jobs (each letter on its page, followed by
its receipt), requested in the name of the village's first loan officer (or the loan's officer), who finds it on
the Letters page; anyone of the scope prints the same batch again from there (`letters_batch_request`).

A receipt is recorded by a maker of the village (`receipt_record`): delivered on, received by, signed or not, an
optional scan (R6, rules.scans). A letter without a signed receipt is undelivered. A signed receipt of a demand
(an overdue notice or a lawyer's letter) restarts the case's limitation period (services.collection).
"""

import datetime
import logging
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from credit_use.models import Drawdown, GuaranteeKind, Repayment
from credit_use.rules import interest as rules_interest
from credit_use.selectors.repayments import disbursed_on
from credit_use.services.overdue import guarantor_households
from sunshine_credit.errors import Refusal, Stale
from sunshine_credit.models import GeneratedFile, Role
from sunshine_credit.scoping import Scope, activate, scope_for_user
from sunshine_credit.services import generated_file_request

from ..models import BranchLawyer, CollectionCase, CollectionEntry, Letter
from ..rules import letters as rules
from ..rules.scans import scan_file_name, scan_kind
from ..selectors.letters import batch_context, batch_letters, household_names

logger = logging.getLogger(__name__)

Kind = Letter.Kind
TASK_NAME = "post_loan.render_letters"
FILE_KIND = "post_loan_letters"
TEMPLATE = "post_loan/pdf/letters.html"


# --- issuing ---------------------------------------------------------------------------------------------


def _candidates(today: datetime.date):
    """Loans owed a letter they do not have yet: a superset the rules then decide on (one query)."""
    def lacks(kind):
        return ~Exists(Letter.objects.filter(drawdown=OuterRef("pk"), kind=kind))

    lawyer_bound = today - datetime.timedelta(days=83)  # three months are 89–92 days: due_on ≤ today − 83 at least
    window = (Q(due_on__gte=today + datetime.timedelta(days=1),
                due_on__lte=today + datetime.timedelta(days=rules.MATURITY_DAYS_BEFORE)) & lacks(Kind.MATURITY)) \
        | (Q(due_on__lt=today) & lacks(Kind.OVERDUE)) | (Q(due_on__lte=lawyer_bound) & lacks(Kind.LAWYER))
    return (Drawdown.objects.filter(status=Drawdown.Status.DISBURSED, principal_outstanding__gt=0).filter(window)
            .select_related("village").annotate(
                has_maturity=Exists(Letter.objects.filter(drawdown=OuterRef("pk"), kind=Kind.MATURITY)),
                has_overdue=Exists(Letter.objects.filter(drawdown=OuterRef("pk"), kind=Kind.OVERDUE)),
                has_lawyer=Exists(Letter.objects.filter(drawdown=OuterRef("pk"), kind=Kind.LAWYER)))
            .order_by("pk"))


def _interest(drawdown: Drawdown, paid: list, on: datetime.date) -> Decimal:
    start = disbursed_on(drawdown)
    figures = rules_interest.payoff(amount=drawdown.amount, disbursed_on=start, repayments=paid,
                                    annual_rate=drawdown.annual_rate, due_on=drawdown.due_on,
                                    paid_until=drawdown.interest_paid_until, on=max(on, start))
    return figures.interest


def _letters_for(drawdown: Drawdown, kinds: list[str], *, today, paid, lawyers) -> list[Letter]:
    rows = []
    for kind in kinds:
        recipients = [(drawdown.household_id, Letter.Role.BORROWER)]
        if kind == Kind.OVERDUE:
            role = Letter.Role.GROUP_MEMBER if drawdown.guarantee == GuaranteeKind.GROUP else Letter.Role.GUARANTOR
            recipients += [(pk, role) for pk in guarantor_households(drawdown)]
        lawyer = lawyers.get(drawdown.village.branch_id) if kind == Kind.LAWYER else None
        interest = _interest(drawdown, paid, drawdown.due_on if kind == Kind.MATURITY else today)
        for household_id, role in recipients:
            rows.append(Letter(
                head_office_id=drawdown.head_office_id, village_id=drawdown.village_id, drawdown=drawdown, kind=kind,
                recipient_id=household_id, recipient_role=role, issued_on=today,
                principal=drawdown.principal_outstanding, interest=interest, due_on=drawdown.due_on,
                deadline=rules.lawyer_deadline(today) if kind == Kind.LAWYER else None,
                lawyer=f"{lawyer.firm} {lawyer.name}".strip()[:200] if lawyer else ""))
    return rows


def issue_due_letters(*, today: datetime.date) -> dict:
    """Issue every letter due by `today` (see the module's docstring) and request the villages' batch PDFs.
    Returns {"maturity": n, "overdue": n, "lawyer": n, "files": n}. Idempotent."""
    counts = {Kind.MATURITY.value: 0, Kind.OVERDUE.value: 0, Kind.LAWYER.value: 0, "files": 0}
    with scopes_disabled():
        loans = []
        for drawdown in _candidates(today):
            have = {Kind.MATURITY: drawdown.has_maturity, Kind.OVERDUE: drawdown.has_overdue,
                    Kind.LAWYER: drawdown.has_lawyer}
            kinds = [k for k in rules.kinds_due(due_on=drawdown.due_on, today=today, outstanding=True)
                     if not have[k]]
            if kinds:
                loans.append((drawdown, kinds))
        paid = defaultdict(list)
        for drawdown_id, paid_on, amount in (Repayment.objects.filter(
                drawdown_id__in=[d.pk for d, _k in loans], kind=Repayment.Kind.PRINCIPAL)
                .order_by("paid_on", "pk").values_list("drawdown_id", "paid_on", "amount")):
            paid[drawdown_id].append((paid_on, amount))
        lawyers = {lawyer.branch_id: lawyer for lawyer in BranchLawyer.objects.all()}
        rows = [row for drawdown, kinds in loans
                for row in _letters_for(drawdown, kinds, today=today, paid=paid[drawdown.pk], lawyers=lawyers)]
        names = household_names(row.recipient_id for row in rows)
        for row in rows:
            row.recipient_name = names.get(row.recipient_id, "")[:50]
        created = _store(rows)
        for row in created:
            counts[row.kind] += 1
        for village_id, kind in sorted({(row.village_id, row.kind) for row in created}):
            counts["files"] += bool(_batch_for_the_officer(village_id, kind, today))
    logger.info("letters issued on %s: %s", today, counts)
    return counts


def _store(rows: list[Letter]) -> list[Letter]:
    """Insert the letters of each loan in its own transaction; a loan whose letters another run inserted
    meanwhile (the unique constraint) is skipped whole."""
    by_loan = defaultdict(list)
    for row in rows:
        by_loan[row.drawdown_id].append(row)
    created = []
    for loan_rows in by_loan.values():
        try:
            with transaction.atomic():
                created += Letter.objects.bulk_create(loan_rows)
        except IntegrityError:
            logger.info("letters of loan %s were issued by another run", loan_rows[0].drawdown_id)
    return created


# --- the batch PDF -----------------------------------------------------------------------------------------


def batch_file_name(village, kind: str, issued_on: datetime.date) -> str:
    return f"letters-{kind}-{village.code}-{issued_on:%Y%m%d}.pdf"


def letters_batch_request(*, scope: Scope, actor, village, kind: str, issued_on: datetime.date) -> GeneratedFile:
    """The batch PDF of a village's letters of one kind issued on one day, made by a job for `actor`."""
    if kind not in Kind.values or not scope.can_read_village(village.pk):
        raise Http404
    title = _("%(kind)s · %(village)s · %(date)s") % {"kind": Kind(kind).label, "village": village.name,
                                                      "date": issued_on.isoformat()}
    return generated_file_request(scope=scope, actor=actor, kind=FILE_KIND, task_name=TASK_NAME, village=village,
                                  title=title, file_name=batch_file_name(village, kind, issued_on),
                                  content_type="application/pdf",
                                  params={"village_id": village.pk, "kind": kind, "issued_on": issued_on.isoformat()})


def letters_pdf(*, scope: Scope, village_id: int, kind: str, issued_on: datetime.date) -> tuple[bytes, int]:
    """The batch PDF (each letter on its page, followed by its delivery receipt) and how many letters it holds.
    The job and the `render_notices` command both print through here."""
    from sunshine_credit.lib.pdf import render_pdf

    with activate(scope):
        letters = batch_letters(scope=scope, village_id=village_id, kind=kind, issued_on=issued_on)
        context = batch_context(letters)
    return render_pdf(TEMPLATE, {**context, "kind": kind, "issued_on": issued_on}), len(letters)


def letters_render(*, item: GeneratedFile, scope: Scope, progress) -> bytes:
    """The job's render step. Raises Http404 when the village left the asker's scope (R1)."""
    if item.village_id not in scope.village_ids:
        raise Http404
    progress(10)
    content, _count = letters_pdf(scope=scope, village_id=item.params["village_id"], kind=item.params["kind"],
                                  issued_on=datetime.date.fromisoformat(item.params["issued_on"]))
    return content


def _batch_for_the_officer(village_id: int, kind: str, issued_on: datetime.date) -> GeneratedFile | None:
    """The daily job's batch, requested in the name of the village's loan officer (the first assigned, else the
    officer of the first letter's loan), and linked on the letters."""
    letters = Letter.objects.filter(village_id=village_id, kind=kind, issued_on=issued_on)
    first = letters.select_related("village", "drawdown__created_by").order_by("pk").first()
    if first is None:
        return None
    village = first.village
    actor = village.officers.order_by("pk").first() or first.drawdown.created_by
    scope = scope_for_user(actor)
    if not scope.can_read_village(village_id):
        logger.warning("no officer of village %s may print its letters", village_id)
        return None
    with activate(scope), translation.override(settings.LANGUAGE_CODE):  # the job acts for nobody: the bank's
        item = letters_batch_request(scope=scope, actor=actor, village=village, kind=kind, issued_on=issued_on)
    letters.update(file=item)
    return item


# --- receipts (送达回证) -------------------------------------------------------------------------------------


class ReceiptRefused(Refusal):
    """The receipt was not recorded; str() says why."""


@transaction.atomic
def receipt_record(*, scope: Scope, actor, letter_id: int, version: int, delivered_on: datetime.date,
                   delivered_to: str, signed: bool, scan=None, today: datetime.date | None = None) -> Letter:
    """Record (or correct) a letter's delivery receipt. A maker of the letter's village only (O3); 404 outside
    the scope; Stale when the letter changed since the form was read (R3); ReceiptRefused for a date before the
    letter was issued or after today, or a scan that is not one (R6) — nothing written."""
    from .collection import limitation_recompute  # the case's clock (services.collection imports this module)

    today = today or timezone.localdate()
    with activate(scope):
        letter = (Letter.objects.select_for_update(of=("self",)).select_related("drawdown")
                  .filter(pk=letter_id, head_office_id=scope.head_office_id, village_id__in=scope.village_ids)
                  .first())
        if letter is None:
            raise Http404
        scope.require_maker(_("Only the loan officer of the village records receipts."), village_id=letter.village_id)
        if letter.version != version:
            raise Stale()
        if delivered_on < letter.issued_on or delivered_on > today:
            raise ReceiptRefused(_("The delivery date must lie between the day the letter was issued (%(issued)s) "
                                   "and today.") % {"issued": letter.issued_on.isoformat()})
        if not delivered_to.strip():
            raise ReceiptRefused(_("Write who received the letter."))
        data = scan.read() if scan is not None else None
        kind = scan_kind(data) if data is not None else None  # ScanRefused (a Refusal): nothing written
        letter.delivered_on, letter.delivered_to, letter.receipt_signed = delivered_on, delivered_to.strip(), signed
        letter.receipt_by, letter.version = actor, letter.version + 1
        if data is not None:
            letter.receipt_scan.save(scan_file_name(f"receipt-{letter.pk}", kind), ContentFile(data), save=False)
        letter.save()
        case = CollectionCase.objects.filter(drawdown_id=letter.drawdown_id).first()
        if case is not None:
            CollectionEntry.objects.create(case=case, kind=CollectionEntry.Kind.LETTER, on=delivered_on, letter=letter,
                                           note=_("%(kind)s delivered to %(who)s (%(signed)s)") % {
                                               "kind": letter.get_kind_display(), "who": letter.delivered_to,
                                               "signed": _("signed") if signed else _("not signed")},
                                           recorded_by=actor)
            limitation_recompute(case)
    return letter


# --- the branches' lawyers ---------------------------------------------------------------------------------


@transaction.atomic
def lawyer_save(*, scope: Scope, actor, branch, version: int, values: dict) -> BranchLawyer:
    """The administrator sets the lawyer a branch instructs (R3: `version` is the row's as the form read it, 0 for
    none). Letters issued before keep the lawyer they name."""
    if scope.role != Role.ADMIN or branch.head_office_id != scope.head_office_id:
        raise PermissionDenied(_("Only the system administrator keeps the branches' lawyers."))
    lawyer = BranchLawyer.objects.select_for_update().filter(branch=branch).first()
    if (lawyer.version if lawyer else 0) != version:
        raise Stale()
    if lawyer is None:
        return BranchLawyer.objects.create(branch=branch, updated_by=actor, **values)
    for field, value in values.items():
        setattr(lawyer, field, value)
    lawyer.updated_by, lawyer.version = actor, lawyer.version + 1
    lawyer.save()
    return lawyer
