"""C3/C7: collection cases (清收) — opened for every overdue loan, followed day by day, classified at three months.

Daily (postloan_daily, under scopes_disabled):
- `open_cases(today=)` (step 3): a case for each disbursed loan with principal outstanding on its first day
  overdue or later that has none (one INSERT … SELECT-like pass: the candidates are read in one query and created
  in one bulk insert; the one-to-one on the loan holds a second run off). Its limitation period runs from the first
  day overdue (rules.collection). A case whose loan was repaid (status repaid or nothing outstanding) is closed.
- `follow_instalments(today=)` (step 5): an active plan's instalments are matched against the loan's principal
  repayments made after the plan was approved, the oldest instalment first (rules.collection.allocate): each
  instalment's `paid` is rewritten; all paid → the plan is completed; one unpaid (in part)
  settings.POST_LOAN_INSTALMENT_GRACE_DAYS days (default 30) or more after its date → broken, and the case is
  open again. Promises to pay past their date and not judged by hand are marked kept or not from the repayments
  (principal and interest) made from the day of the promise through its date.

By a maker of the village (the loan officer, or an administrator): the log (`entry_add`, `promise_mark`); the
classification at three months overdue, not before (`case_classify`): temporary hardship → an instalment plan
proposed (`plan_propose`) for the principal outstanding and decided by the branch president — never its maker
(post_loan.approvals, "instalment_plan"); malicious default → legal action, the borrower's head of household and
credit representative on the blacklist (post_loan.services.blacklist.blacklist_add, source "collection") and the
village's notice: U9's revocation of the loan (credit_use.services.overdue) — linked when the loan has one,
opened through `revocation_open` otherwise; never a second notice.
"""

import datetime
import logging
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from credit_use.models import Drawdown, Repayment, RevocationCase
from credit_use.services.overdue import revocation_open
from households.models import Member, Relation
from sunshine_credit.approvals import ApprovalRefused, approval_request
from sunshine_credit.errors import Refusal, Stale
from sunshine_credit.scoping import Scope, activate

from ..models import CollectionCase, CollectionEntry, InstalmentItem, InstalmentPlan, Letter
from ..rules import collection as rules
from ..rules.letters import first_day_overdue

logger = logging.getLogger(__name__)

PLAN_KIND = "instalment_plan"
Status = CollectionCase.Status


class CollectionRefused(Refusal):
    """A collection action broke a rule; str() says why. Nothing was written."""


def grace_days() -> int:
    return getattr(settings, "POST_LOAN_INSTALMENT_GRACE_DAYS", 30)


# --- the daily steps ---------------------------------------------------------------------------------------


def open_cases(*, today: datetime.date) -> int:
    """Open a case for every loan overdue on `today` without one; close the cases of repaid loans. Returns the
    number opened. Idempotent."""
    with scopes_disabled():
        found = list(Drawdown.objects.filter(status=Drawdown.Status.DISBURSED, principal_outstanding__gt=0,
                                             due_on__lt=today)
                     .filter(~Exists(CollectionCase.objects.filter(drawdown=OuterRef("pk"))))
                     .values_list("pk", "head_office_id", "village_id", "due_on"))
        rows = []
        for pk, head_office_id, village_id, due_on in found:
            start = first_day_overdue(due_on)
            rows.append(CollectionCase(head_office_id=head_office_id, village_id=village_id, drawdown_id=pk,
                                       opened_on=start, limitation_from=start,
                                       limitation_ends_on=rules.limitation_ends_on(start)))
        try:
            with transaction.atomic():
                CollectionCase.objects.bulk_create(rows)
        except IntegrityError:  # another run opened some meanwhile: one by one, skipping those
            rows = [row for row in rows if _create_one(row)]
        closed = (CollectionCase.objects.exclude(status=Status.CLOSED)
                  .filter(Q(drawdown__status=Drawdown.Status.REPAID) | Q(drawdown__principal_outstanding=0))
                  .update(status=Status.CLOSED, closed_on=today))
    logger.info("collection cases on %s: %d opened, %d closed", today, len(rows), closed)
    return len(rows)


def _create_one(row: CollectionCase) -> bool:
    try:
        with transaction.atomic():
            row.pk = None
            row.save()
        return True
    except IntegrityError:
        return False


def limitation_recompute(case: CollectionCase) -> CollectionCase:
    """C7 (Civil Code arts. 188, 195): the period runs from the first day overdue, or from the latest day a demand
    (an overdue notice or a lawyer's letter) was delivered with a signed receipt; it ends three years later."""
    signed = (Letter.objects.filter(drawdown_id=case.drawdown_id, kind__in=rules.DEMANDS, receipt_signed=True,
                                    delivered_on__isnull=False).order_by("-delivered_on")
              .values_list("delivered_on", flat=True).first())
    start = first_day_overdue(Drawdown.objects.filter(pk=case.drawdown_id).values_list("due_on", flat=True).get())
    start = max(start, signed) if signed else start
    if (case.limitation_from, case.limitation_ends_on) != (start, rules.limitation_ends_on(start)):
        case.limitation_from, case.limitation_ends_on = start, rules.limitation_ends_on(start)
        case.version += 1
        case.save(update_fields=["limitation_from", "limitation_ends_on", "version"])
    return case


def follow_instalments(*, today: datetime.date) -> dict:
    """Match the active plans' instalments against the repayments; judge the promises past their date.
    Returns {"completed": n, "broken": n, "promises_kept": n, "promises_broken": n}. Idempotent."""
    counts = {"completed": 0, "broken": 0, "promises_kept": 0, "promises_broken": 0}
    with scopes_disabled():
        for plan in (InstalmentPlan.objects.filter(status=InstalmentPlan.Status.ACTIVE)
                     .select_related("case", "approval").prefetch_related("items")):
            state = _follow_plan(plan, today)
            if state in ("completed", "broken"):
                counts[state] += 1
        for entry in (CollectionEntry.objects.filter(kind=CollectionEntry.Kind.PROMISE, promise_kept__isnull=True,
                                                     promised_by__lt=today, promised_amount__isnull=False)
                      .select_related("case")):
            paid = (Repayment.objects.filter(drawdown_id=entry.case.drawdown_id, paid_on__gte=entry.on,
                                             paid_on__lte=entry.promised_by).aggregate(total=Sum("amount"))["total"])
            entry.promise_kept = rules.promise_kept(amount=entry.promised_amount, paid=paid or Decimal(0))
            entry.save(update_fields=["promise_kept"])
            counts["promises_kept" if entry.promise_kept else "promises_broken"] += 1
    return counts


@transaction.atomic
def _follow_plan(plan: InstalmentPlan, today: datetime.date) -> str:
    items = list(plan.items.all())  # ordered by due date
    approved_on = timezone.localtime(plan.approval.decided_at).date()
    payments = (Repayment.objects.filter(drawdown_id=plan.case.drawdown_id, kind=Repayment.Kind.PRINCIPAL,
                                         paid_on__gte=approved_on).values_list("amount", flat=True))
    for item, paid in zip(items, rules.allocate([i.amount for i in items], payments), strict=True):
        if item.paid != paid:
            item.paid = paid
            item.save(update_fields=["paid"])
    state = rules.plan_state(items=[(i.due_on, i.amount, i.paid) for i in items], today=today,
                             grace_days=grace_days())
    if state != "active":
        plan.status = InstalmentPlan.Status.COMPLETED if state == "completed" else InstalmentPlan.Status.BROKEN
        plan.save(update_fields=["status"])
        if state == "broken" and plan.case.status == Status.INSTALMENTS:
            CollectionCase.objects.filter(pk=plan.case_id).update(status=Status.OPEN, version=plan.case.version + 1)
    return state


# --- the makers' actions -----------------------------------------------------------------------------------


def _case_for_update(scope: Scope, case_id: int, version: int | None = None) -> CollectionCase:
    case = (CollectionCase.objects.select_for_update(of=("self",)).select_related("drawdown__household")
            .filter(pk=case_id, head_office_id=scope.head_office_id, village_id__in=scope.village_ids).first())
    if case is None:
        raise Http404
    scope.require_maker(_("Only the loan officer of the village works on a collection case."),
                        village_id=case.village_id)
    if version is not None and case.version != version:
        raise Stale()
    return case


@transaction.atomic
def entry_add(*, scope: Scope, actor, case_id: int, kind: str, on: datetime.date, note: str = "",
              promised_amount: Decimal | None = None, promised_by: datetime.date | None = None,
              amount: Decimal | None = None, today: datetime.date | None = None) -> CollectionEntry:
    """One line of a case's log. A promise needs its amount and a date not before the day it was made; a payment
    its amount. Not dated in the future."""
    today = today or timezone.localdate()
    with activate(scope):
        case = _case_for_update(scope, case_id)
        if kind not in CollectionEntry.Kind.values or kind == CollectionEntry.Kind.LETTER:
            raise CollectionRefused(_("Choose what happened."), field="kind")
        if on > today:
            raise CollectionRefused(_("The date may not be in the future."), field="on")
        if kind == CollectionEntry.Kind.PROMISE and (not promised_amount or promised_by is None or promised_by < on):
            raise CollectionRefused(_("A promise needs its amount and the date it is promised by (not before "
                                      "today's entry)."), field="promised_amount")
        if kind == CollectionEntry.Kind.PAYMENT and not amount:
            raise CollectionRefused(_("A payment needs its amount."), field="amount")
        promise = kind == CollectionEntry.Kind.PROMISE
        return CollectionEntry.objects.create(
            case=case, kind=kind, on=on, note=note.strip()[:500], recorded_by=actor,
            promised_amount=promised_amount if promise else None, promised_by=promised_by if promise else None,
            amount=amount if kind == CollectionEntry.Kind.PAYMENT else None)


@transaction.atomic
def promise_mark(*, scope: Scope, actor, entry_id: int, kept: bool) -> CollectionEntry:
    """The officer judges a promise by hand (kept or not), whatever the job found."""
    with activate(scope):
        entry = CollectionEntry.objects.select_related("case").filter(
            pk=entry_id, kind=CollectionEntry.Kind.PROMISE, case__head_office_id=scope.head_office_id,
            case__village_id__in=scope.village_ids).first()
        if entry is None:
            raise Http404
        _case_for_update(scope, entry.case_id)
        entry.promise_kept = kept
        entry.save(update_fields=["promise_kept"])
        return entry


def _blacklist_borrower(scope: Scope, actor, case: CollectionCase) -> int:
    """The head of household and the credit representative of the borrower on the blacklist (once each)."""
    from .blacklist import BlacklistRefused, blacklist_add

    household = case.drawdown.household
    people = Member.objects.filter(Q(household=household, relation=Relation.HEAD)
                                   | Q(pk=household.representative_id)).order_by("pk")
    reason = _("Malicious default on loan %(loan)s") % {"loan": case.drawdown.loan_number or case.drawdown.number}
    added = 0
    for member in people:
        try:
            blacklist_add(scope=scope, actor=actor, id_number=member.id_number, name=member.name, reason=reason,
                          source="collection", evidence=case.classification_note)
            added += 1
        except BlacklistRefused as exc:  # already listed (or an ID the list refuses): recorded, not repeated
            logger.info("collection case %s: %s not blacklisted (%s)", case.pk, member.pk, exc)
    return added


def _revocation(case: CollectionCase, today: datetime.date) -> RevocationCase | None:
    """U9's revocation of the loan with its village notice: the loan's case that published one (overdue, or
    interest unpaid a month past its date — whichever revoked the lines first), else its overdue case, else one
    opened now through credit_use's own function (never a second notice)."""
    with scopes_disabled():
        cases = list(RevocationCase.objects.filter(drawdown_id=case.drawdown_id).order_by("found_on", "pk"))
        existing = next((c for c in cases if c.notice_id), None) or next(
            (c for c in cases if c.cause == RevocationCase.Cause.OVERDUE), None)
        return existing or revocation_open(drawdown_id=case.drawdown_id, cause=RevocationCase.Cause.OVERDUE,
                                           today=today)


@transaction.atomic
def case_classify(*, scope: Scope, actor, case_id: int, version: int, cause: str, note: str,
                  today: datetime.date | None = None) -> CollectionCase:
    """C3 at three months overdue (rules.collection.may_classify), not before; see the module's docstring."""
    today = today or timezone.localdate()
    with activate(scope):
        case = _case_for_update(scope, case_id, version)
        if case.status == Status.CLOSED or case.cause:
            raise CollectionRefused(_("This case is classified or closed already."))
        if cause not in CollectionCase.Cause.values:
            raise CollectionRefused(_("Choose hardship or malicious default."), field="cause")
        if not note.strip():
            raise CollectionRefused(_("Write the reasons for the classification."), field="note")
        if not rules.may_classify(due_on=case.drawdown.due_on, today=today):
            raise CollectionRefused(_("A case is classified once the loan is three months overdue."))
        case.cause, case.classified_on, case.classified_by = cause, today, actor
        case.classification_note, case.version = note.strip(), case.version + 1
        if cause == CollectionCase.Cause.MALICIOUS:
            case.status = Status.LEGAL
            case.revocation = _revocation(case, today)
            case.save()
            _blacklist_borrower(scope, actor, case)
        else:
            case.save()
        return case


@transaction.atomic
def plan_propose(*, scope: Scope, actor, case_id: int, version: int, items: list, note: str,
                 today: datetime.date | None = None) -> InstalmentPlan:
    """The maker proposes the schedule of a case classified as hardship; the instalments add up to the principal
    outstanding (rules.collection.plan_problems). The branch president decides (R2)."""
    today = today or timezone.localdate()
    with activate(scope):
        case = _case_for_update(scope, case_id, version)
        if case.cause != CollectionCase.Cause.HARDSHIP or case.status not in (Status.OPEN,):
            raise CollectionRefused(_("An instalment plan is proposed for a case of temporary hardship."))
        if InstalmentPlan.objects.filter(case=case, status__in=[InstalmentPlan.Status.PENDING,
                                                                InstalmentPlan.Status.ACTIVE]).exists():
            raise CollectionRefused(_("This case has a plan waiting or in force."))
        outstanding = case.drawdown.principal_outstanding
        problems = rules.plan_problems(items, outstanding=outstanding, today=today)
        if problems:
            raise CollectionRefused(plan_message(problems, outstanding))
        plan = InstalmentPlan.objects.create(case=case, note=note.strip(), created_by=actor)
        for item in items:
            InstalmentItem.objects.create(plan=plan, due_on=item.due_on, amount=item.amount)
        title = _("Instalment plan: loan %(loan)s (%(n)d instalments)") % {
            "loan": case.drawdown.loan_number or case.drawdown.number, "n": len(items)}
        plan.approval = approval_request(scope=scope, actor=actor, kind=PLAN_KIND, subject_id=plan.pk,
                                         village_id=case.village_id, title=title, reason=note or title)
        plan.save(update_fields=["approval"])
        return plan


def plan_message(problems: list[str], outstanding: Decimal) -> str:
    from sunshine_credit.lib.money import yuan

    messages = {
        "empty": _("Enter at least one instalment."),
        "amount": _("Every instalment must be more than 0."),
        "past": _("Every instalment falls due after today."),
        "order": _("Give each instalment its own date, in date order."),
        "total": _("The instalments must add up to the principal outstanding, %(amount)s yuan.") % {
            "amount": yuan(outstanding, fen=True)},
    }
    return " ".join(str(messages[p]) for p in problems)


def plan_decided(approval, approved: bool) -> None:
    """Runs in the president's transaction (approval_decide): the plan comes into force (the case repays by
    instalments) or is refused (the case stays open for another proposal)."""
    plan = InstalmentPlan.objects.select_related("case").filter(pk=approval.subject_id).first()
    if plan is None or plan.status != InstalmentPlan.Status.PENDING:
        raise ApprovalRefused(_("This plan was decided already."))
    plan.status = InstalmentPlan.Status.ACTIVE if approved else InstalmentPlan.Status.REFUSED
    plan.save(update_fields=["status"])
    if approved:
        case = plan.case
        case.status, case.version = Status.INSTALMENTS, case.version + 1
        case.save(update_fields=["status", "version"])
