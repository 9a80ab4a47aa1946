"""U1 under concurrency (PostgreSQL): two tellers disburse, at the same moment, two approved drawdowns of one
line whose sum exceeds it (the line was lowered after both were approved). The line's row lock serialises
them: exactly one is disbursed, the other is refused, and the line is never exceeded."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.db.models import Sum
from django_scopes import scopes_disabled

from credit_use.models import Drawdown
from credit_use.services.disbursement import drawdown_disburse
from credit_use.services.drawdowns import DrawdownRefused
from sunshine_credit.models import Role
from sunshine_credit.scoping import scope_for_user
from tests.credit_use.factories_drawdowns import make_drawdown_world, raw_drawdown
from tests.factories import StaffFactory


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_two_tellers_at_once_never_exceed_the_line(county):
    make_drawdown_world(county)
    line = county.lines[1]  # 40,000 元, a member of the group that guarantees both
    drawdowns = [raw_drawdown(county, 1, amount=30000, status=Drawdown.Status.APPROVED),
                 raw_drawdown(county, 1, amount=25000, status=Drawdown.Status.APPROVED)]
    with scopes_disabled():
        tellers = [county.tom, StaffFactory(branch=county.branch_a, role=Role.TELLER).user]
    barrier, done, refused, errors = threading.Barrier(2), [], [], []

    def run(teller, drawdown):
        try:
            scope = scope_for_user(teller)
            barrier.wait(timeout=30)
            done.append(drawdown_disburse(scope=scope, actor=teller, drawdown_id=drawdown.pk,
                                          settlement_account="6228480012345678901",
                                          core_loan_number=f"CORE-{drawdown.pk:08d}").pk)
        except DrawdownRefused as exc:
            refused.append((drawdown.pk, {e.code for e in exc.errors}))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in zip(tellers, drawdowns, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and len(done) == 1 and len(refused) == 1 and refused[0][1] == {"U1"}
    with scopes_disabled():
        outstanding = Drawdown.objects.filter(line=line, status=Drawdown.Status.DISBURSED).aggregate(
            total=Sum("principal_outstanding"))["total"]
        statuses = sorted(Drawdown.objects.filter(line=line).values_list("status", flat=True))
    assert outstanding <= line.amount == Decimal(40000)
    assert statuses == [Drawdown.Status.APPROVED, Drawdown.Status.DISBURSED]
