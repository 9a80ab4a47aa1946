"""U8: reads of a drawdown's repayments — the interest schedule (按季结息) with what was paid, for the repayment page
and for the repayment and overdue services. Pages start from the caller's scope (R1)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from sunshine_credit.scoping import Scope, activate, get_in_scope_or_404

from ..models import Drawdown, Repayment
from ..rules import interest as rules_interest

LIVE = (Drawdown.Status.DISBURSED, Drawdown.Status.REPAID)


def disbursed_on(drawdown: Drawdown) -> datetime.date:
    """The day interest starts: the disbursement day (local time)."""
    return timezone.localtime(drawdown.disbursed_at).date() if drawdown.disbursed_at else drawdown.applied_on


def principal_paid(drawdown: Drawdown) -> list[tuple[datetime.date, Decimal]]:
    return list(Repayment.objects.filter(drawdown=drawdown, kind=Repayment.Kind.PRINCIPAL)
                .order_by("paid_on", "id").values_list("paid_on", "amount"))


def drawdown_schedule(drawdown: Drawdown, paid: list[tuple[datetime.date, Decimal]] | None = None):
    """(segments, periods) of a disbursed drawdown: the principal outstanding over time and every settlement
    period to maturity (or to the payoff day) with its interest."""
    paid = principal_paid(drawdown) if paid is None else paid
    start = disbursed_on(drawdown)
    segments = rules_interest.principal_segments(amount=drawdown.amount, disbursed_on=start, repayments=paid)
    paid_off_on = paid[-1][0] if paid and drawdown.status == Drawdown.Status.REPAID else None
    end = rules_interest.schedule_end(due_on=drawdown.due_on, paid_off_on=paid_off_on)
    return segments, rules_interest.interest_schedule(principal_segments=segments, annual_rate=drawdown.annual_rate,
                                                      start=start, end=end)


def payoff_figures(drawdown: Drawdown, on: datetime.date) -> rules_interest.Payoff:
    """The pay-off amount of a disbursed drawdown on day `on` (rules.interest.payoff: principal outstanding plus
    the interest of the unpaid periods to the day before)."""
    return rules_interest.payoff(amount=drawdown.amount, disbursed_on=disbursed_on(drawdown),
                                 repayments=principal_paid(drawdown), annual_rate=drawdown.annual_rate,
                                 due_on=drawdown.due_on, paid_until=drawdown.interest_paid_until, on=on)


def drawdown_for_repayments(*, scope: Scope, pk: int) -> Drawdown:
    """One drawdown of the scope for the repayment page; Http404 otherwise (O2)."""
    with activate(scope):
        drawdowns = Drawdown.objects.select_related("village__branch", "household", "line")
        return get_in_scope_or_404(drawdowns.filter(head_office_id=scope.head_office_id), scope, pk=pk)


def repayment_page(drawdown: Drawdown) -> dict:
    """The schedule (period, days, interest due, paid or not, and by which repayment), the repayments recorded
    and the interest owed now, for the page."""
    repayments = list(Repayment.objects.filter(drawdown=drawdown).select_related("recorded_by")
                      .order_by("paid_on", "id"))
    if drawdown.status not in LIVE:
        return {"periods": [], "repayments": repayments, "open_periods": [], "payoff": None}
    paid = [(r.paid_on, r.amount) for r in repayments if r.kind == Repayment.Kind.PRINCIPAL]
    _segments, periods = drawdown_schedule(drawdown, paid)
    by_end = {r.period_end: r for r in repayments if r.kind == Repayment.Kind.INTEREST}
    until = drawdown.interest_paid_until
    rows = [{"period": p, "paid": until is not None and p.end <= until, "repayment": by_end.get(p.end)}
            for p in periods]
    today = timezone.localdate()
    payoff = None
    if drawdown.status == Drawdown.Status.DISBURSED and today >= disbursed_on(drawdown):
        payoff = rules_interest.payoff(amount=drawdown.amount, disbursed_on=disbursed_on(drawdown), repayments=paid,
                                       annual_rate=drawdown.annual_rate, due_on=drawdown.due_on, paid_until=until,
                                       on=today)
    return {"periods": rows, "repayments": repayments, "payoff": payoff, "payoff_on": today,
            "open_periods": [p.end for p in periods if until is None or p.end > until]}
