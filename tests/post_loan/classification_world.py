"""Loans for the classification (C6), ageing/PAR and repayment-rate (C5) tests, on the shared county
(tests/county.py: 城关支行 with 东岭村 v_a and 南坡村 v_a2, officer tina, president pat; 王庄支行 with 西河村 v_b,
officer bob, president pete; head office ada, sue, aude).

`loan(county, due_on=…)` writes a disbursed drawdown straight to the table (credit_use's make_drawdown), applied and
disbursed 180 days before `due_on`, in `village` (东岭村 by default) by `officer` (tina; bob in 西河村)."""

import datetime
import itertools
from decimal import Decimal

from django_scopes import scopes_disabled

from credit_use.models import Drawdown, Repayment
from tests.credit_use.factories_loans import household_with_line, make_drawdown

D = datetime.date
TODAY = D(2027, 9, 1)
_codes = itertools.count(1)


def loan(county, *, due_on: datetime.date, amount=10000, outstanding=None, village=None, officer=None,
         status=Drawdown.Status.DISBURSED) -> Drawdown:
    village = village or county.v_a
    officer = officer or (county.bob if village == county.v_b else county.tina)
    home, line = household_with_line(county, village)
    amount = Decimal(amount)
    if outstanding is None:
        outstanding = amount if status == Drawdown.Status.DISBURSED else 0
    return make_drawdown(county, home, line, amount=amount, due_on=due_on, status=status,
                         disbursed_on=due_on - datetime.timedelta(days=180),
                         outstanding=Decimal(outstanding), created_by=officer)


def overdue(county, days: int, *, today=TODAY, **kwargs) -> Drawdown:
    """A loan `days` days overdue on `today` (due `days` days before)."""
    return loan(county, due_on=today - datetime.timedelta(days=days), **kwargs)


def repay(drawdown: Drawdown, amount, paid_on: datetime.date, *, user) -> Repayment:
    """Principal repaid at the counter (written straight to the table; the outstanding goes down)."""
    amount = Decimal(amount)
    with scopes_disabled():
        repayment = Repayment.objects.create(drawdown=drawdown, kind=Repayment.Kind.PRINCIPAL, amount=amount,
                                             paid_on=paid_on, recorded_by=user)
        left = drawdown.principal_outstanding - amount
        Drawdown.objects.filter(pk=drawdown.pk).update(
            principal_outstanding=left, status=Drawdown.Status.REPAID if left <= 0 else Drawdown.Status.DISBURSED)
        drawdown.refresh_from_db()
    return repayment


def as_user(county, user, selector, **kwargs):
    """`selector(scope=…, **kwargs)` run as `user` would run it: inside their activated scope."""
    from sunshine_credit.scoping import activate

    scope = county.scope(user)
    with activate(scope):
        return selector(scope, **kwargs) if selector.__name__ == "ageing_report" else selector(scope=scope, **kwargs)
