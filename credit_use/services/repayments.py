"""U8: repayments at the counter — principal (at maturity or earlier) and quarterly interest (按季结息).

Who records: a teller of the drawdown's branch (a teller's scope is the branch's villages) or the loan officer
of the drawdown's village (包片: the officer's assigned villages), at the counter or on a collection round.
Anyone else of the scope may read the page; outside the scope the drawdown answers 404 (R1).

Every write locks the drawdown row first (select_for_update), so that two tellers recording at once cannot both
lower the same outstanding principal, and saves through the ORM so that the audit log records it (R4).

- Principal lowers `principal_outstanding`, never below zero: an overpayment is refused with the amount owed.
  At zero the drawdown becomes REPAID. The line's available amount (line − Σ outstanding principal of its
  disbursed drawdowns − pending amounts) follows by itself: it is computed from `principal_outstanding`.
  A principal repayment may not be dated on a day whose interest is settled already (before the date interest is
  paid until, or on it when it is a quarter's 20th, which bears interest in its own period): it would change
  interest already settled.
- Interest pays whole settlement periods: `period_end` is a settlement date of the drawdown's schedule (the
  20th of March, June, September or December, or the last date), on or before the day of payment, and the
  amount must equal exactly the interest due from `interest_paid_until` (or the disbursement) up to it — one
  period or several at once (then the sum of the periods' interest, as the schedule shows them).
  Partial interest payments are refused: `interest_paid_until` is a date, so a part-paid period could not be
  told from an unpaid one, and U9 revokes credit on a period unpaid a month past its date; the core-banking
  system holds what was paid towards a period in the meantime.
- Pay-off (提前结清): principal and interest together, on one day. The amount must equal the pay-off amount
  (rules.interest.payoff: the principal outstanding, plus the interest of every unpaid period up to the day before
  the payoff, each period rounded as the schedule shows it); it is recorded as two rows, the principal and the
  interest up to the payoff day (or maturity, past it), and the drawdown becomes REPAID.

Refusals name the form field they are about (`kind`, `amount`, `paid_on`, `period_end`).
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from sunshine_credit.errors import Refusal
from sunshine_credit.lib.money import yuan
from sunshine_credit.models import Role
from sunshine_credit.scoping import Scope, activate

from ..models import Drawdown, Repayment
from ..rules import interest as rules_interest
from ..selectors.repayments import LIVE, disbursed_on, drawdown_schedule, payoff_figures

PAYOFF = "payoff"  # the form's third kind: principal and interest to date, recorded as two rows


class RepaymentRefused(Refusal):
    """A repayment was refused; str() is the translated reason shown to the user, `.errors` name the field.
    Nothing was written."""


def may_record(scope: Scope, village_id: int) -> bool:
    """A teller of the branch, or the loan officer of the village (包片)."""
    if scope.role == Role.TELLER:
        return scope.can_read_village(village_id)
    return scope.role == Role.OFFICER and scope.can_edit_village(village_id)


# --- writes ---------------------------------------------------------------------------------------------

def _locked_drawdown(scope: Scope, drawdown_id: int) -> Drawdown:
    drawdown = (Drawdown.objects.select_for_update(of=("self",))
                .filter(pk=drawdown_id, head_office_id=scope.head_office_id, village_id__in=scope.village_ids)
                .first())
    if drawdown is None:  # missing and forbidden look the same (O2)
        raise Http404
    return drawdown


@transaction.atomic
def repayment_record(*, scope: Scope, actor, drawdown_id: int, kind: str, amount: Decimal, paid_on: datetime.date,
                     period_end: datetime.date | None = None) -> Repayment:
    """Record a principal or interest repayment on a disbursed drawdown (see the module docstring).

    Raises Http404 outside the scope (R1), PermissionDenied for a role that does not record repayments, and
    RepaymentRefused (not disbursed, overpaid, wrong interest or pay-off amount or period, a date in the future or
    before the disbursement). `kind` PAYOFF records the principal and the interest (two rows; the principal's is
    returned)."""
    amount = Decimal(amount)
    with activate(scope):
        drawdown = _locked_drawdown(scope, drawdown_id)
        if not may_record(scope, drawdown.village_id):
            raise PermissionDenied(_("Repayments are recorded by a teller of the branch or the village's loan "
                                     "officer."))
        if drawdown.status not in LIVE:
            raise RepaymentRefused(_("Only a disbursed drawdown is repaid."))
        if amount <= 0:
            raise RepaymentRefused(_("The amount must be more than zero."), field="amount")
        if paid_on > timezone.localdate():
            raise RepaymentRefused(_("A repayment cannot be dated in the future."), field="paid_on")
        if paid_on < disbursed_on(drawdown):
            raise RepaymentRefused(_("A repayment cannot be dated before the disbursement."), field="paid_on")
        if kind == PAYOFF:
            return _payoff(drawdown, actor, amount, paid_on)
        if kind == Repayment.Kind.PRINCIPAL:
            fields = _principal(drawdown, amount, paid_on)
            period_end = None
        elif kind == Repayment.Kind.INTEREST:
            fields = _interest(drawdown, amount, paid_on, period_end)
        else:
            raise RepaymentRefused(_("Choose principal, interest or pay-off."), field="kind")
        drawdown.version += 1
        drawdown.save(update_fields=[*fields, "version"])
        return Repayment.objects.create(drawdown=drawdown, kind=kind, amount=amount, paid_on=paid_on,
                                        period_end=period_end, recorded_by=actor)


def _principal(drawdown: Drawdown, amount: Decimal, paid_on: datetime.date) -> list[str]:
    owed = drawdown.principal_outstanding
    if drawdown.status != Drawdown.Status.DISBURSED or owed <= 0:
        raise RepaymentRefused(_("This loan is repaid: no principal is owed."), field="kind")
    if amount > owed:
        raise RepaymentRefused(_("That is more than the principal owed: %(owed)s yuan is outstanding.")
                               % {"owed": yuan(owed, fen=True)}, field="amount")
    if rules_interest.settles_day(paid_until=drawdown.interest_paid_until, due_on=drawdown.due_on, day=paid_on):
        raise RepaymentRefused(_("Interest is settled up to %(date)s (that day included): date the principal "
                                 "repayment later.") % {"date": drawdown.interest_paid_until.isoformat()},
                               field="paid_on")
    drawdown.principal_outstanding = owed - amount
    fields = ["principal_outstanding"]
    if drawdown.principal_outstanding == 0:
        drawdown.status = Drawdown.Status.REPAID  # the line's available amount follows (U1)
        fields.append("status")
    return fields


def _interest(drawdown: Drawdown, amount: Decimal, paid_on: datetime.date, period_end) -> list[str]:
    _segments, periods = drawdown_schedule(drawdown)
    until = drawdown.interest_paid_until
    # Open: settled after the date paid until (a loan disbursed on a 20th has a period ending on its first day).
    open_periods = [p for p in periods if until is None or p.end > until]
    if not open_periods:
        raise RepaymentRefused(_("The interest of this loan is paid in full."), field="kind")
    if period_end not in [p.end for p in open_periods]:
        raise RepaymentRefused(_("Choose the settlement date the interest pays up to: %(dates)s.")
                               % {"dates": ", ".join(p.end.isoformat() for p in open_periods)}, field="period_end")
    if period_end > paid_on:
        raise RepaymentRefused(_("Interest is paid on or after its settlement date (%(date)s).")
                               % {"date": period_end.isoformat()}, field="paid_on")
    # Several periods at once: the sum of each period's interest as the schedule shows it (each rounded).
    paying = [p for p in open_periods if p.end <= period_end]
    due = sum((p.interest for p in paying), Decimal("0.00"))
    if amount != due:
        raise RepaymentRefused(_("The interest due from %(start)s through %(end)s is %(due)s yuan: record exactly "
                                 "this amount (interest is settled period by period, not in part).")
                               % {"start": paying[0].start.isoformat(), "end": paying[-1].last_day.isoformat(),
                                  "due": yuan(due, fen=True)}, field="amount")
    drawdown.interest_paid_until = period_end
    return ["interest_paid_until"]


def _payoff(drawdown: Drawdown, actor, amount: Decimal, paid_on: datetime.date) -> Repayment:
    """Principal and interest to date in one go (see the module docstring): two rows, the drawdown REPAID."""
    if drawdown.status != Drawdown.Status.DISBURSED or drawdown.principal_outstanding <= 0:
        raise RepaymentRefused(_("This loan is repaid: no principal is owed."), field="kind")
    if rules_interest.settles_day(paid_until=drawdown.interest_paid_until, due_on=drawdown.due_on, day=paid_on):
        raise RepaymentRefused(_("Interest is settled up to %(date)s (that day included): date the pay-off "
                                 "later.") % {"date": drawdown.interest_paid_until.isoformat()}, field="paid_on")
    figures = payoff_figures(drawdown, paid_on)
    if amount != figures.total:
        raise RepaymentRefused(_("The pay-off amount on %(date)s is %(total)s yuan (principal %(principal)s and "
                                 "interest %(interest)s): record exactly this amount.")
                               % {"date": paid_on.isoformat(), "total": yuan(figures.total, fen=True),
                                  "principal": yuan(figures.principal, fen=True),
                                  "interest": yuan(figures.interest, fen=True)}, field="amount")
    drawdown.principal_outstanding, drawdown.status = Decimal(0), Drawdown.Status.REPAID
    fields = ["principal_outstanding", "status", "version"]
    if figures.interest_until is not None:
        drawdown.interest_paid_until = figures.interest_until
        fields.append("interest_paid_until")
    drawdown.version += 1
    drawdown.save(update_fields=fields)
    principal = Repayment.objects.create(drawdown=drawdown, kind=Repayment.Kind.PRINCIPAL, paid_on=paid_on,
                                         amount=figures.principal, recorded_by=actor)
    if figures.interest > 0:
        Repayment.objects.create(drawdown=drawdown, kind=Repayment.Kind.INTEREST, amount=figures.interest,
                                 paid_on=paid_on, period_end=figures.interest_until, recorded_by=actor)
    return principal

