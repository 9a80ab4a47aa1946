"""Overdue loans for the letters and collection tests, on the shared county (tests/county.py) and
make_drawdown_world (东岭村: h[0]…h[3] with lines; h[0], h[1], h[2] in joint-guarantee group `county.group`).

`overdue_loan(county, i, due_on=…)` writes a disbursed drawdown of h[i] straight to the table (raw_drawdown) with
its dates moved: applied and disbursed 180 days before `due_on`. Named guarantors by household index, or
`group=True` for a group-guaranteed loan binding the group's other members."""

import datetime
from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled

from credit_use.models import Drawdown, GuaranteeKind
from sunshine_credit.models import Branch
from tests.credit_use.factories_drawdowns import make_drawdown_world, raw_drawdown

D = datetime.date
DUE = D(2027, 1, 31)  # first day overdue 1 February 2027; three months overdue on 1 May 2027


def make_collection_world(county):
    county = make_drawdown_world(county)
    with scopes_disabled():
        Branch.objects.filter(pk=county.branch_a.pk).update(address="城关镇人民路1号", phone="0371-1234567")
    return county


def overdue_loan(county, i: int = 0, *, due_on: datetime.date = DUE, amount=20000, outstanding=None,
                 guarantors=(), group: bool = False) -> Drawdown:
    drawdown = raw_drawdown(county, i, amount=amount, guarantors=guarantors, outstanding=outstanding)
    applied = due_on - datetime.timedelta(days=180)
    fields = {"applied_on": applied, "due_on": due_on, "loan_number": f"JK{drawdown.pk:06d}",
              "disbursed_at": timezone.make_aware(datetime.datetime.combine(applied, datetime.time(10)))}
    if group:
        fields.update(guarantee=GuaranteeKind.GROUP, group=county.group,
                      group_members=[h.pk for h in county.h[:3] if h.pk != county.h[i].pk])
    with scopes_disabled():
        Drawdown.objects.filter(pk=drawdown.pk).update(**fields)
        return Drawdown.objects.get(pk=drawdown.pk)


def money(value) -> Decimal:
    return Decimal(value)
