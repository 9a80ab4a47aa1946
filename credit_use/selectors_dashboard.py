"""V1: the credit figures of the dashboard for the user's scope — lines in effect, what is drawn and owed,
overdue drawdowns, time-limit breaches (U7) and revocations (U9). A handful of aggregate queries."""

from django.db.models import Count, Q, Sum
from django.utils import timezone

from sunshine_credit.scoping import Scope

from .models import CreditLine, Drawdown, LineStatus, RevocationCase
from .selectors_time import time_limit_breach_count


def credit_figures(*, scope: Scope) -> dict:
    today = timezone.localdate()
    villages = scope.village_ids
    lines = CreditLine.objects.filter(village_id__in=villages).aggregate(
        active=Count("pk", filter=Q(status=LineStatus.ACTIVE)),
        amount=Sum("amount", filter=Q(status=LineStatus.ACTIVE)),
        revoked=Count("pk", filter=Q(status=LineStatus.REVOKED)))
    drawn = Drawdown.objects.filter(village_id__in=villages, status=Drawdown.Status.DISBURSED).aggregate(
        count=Count("pk"), outstanding=Sum("principal_outstanding"),
        overdue=Count("pk", filter=Q(due_on__lt=today, principal_outstanding__gt=0)),
        overdue_amount=Sum("principal_outstanding", filter=Q(due_on__lt=today, principal_outstanding__gt=0)))
    waiting = Drawdown.objects.filter(village_id__in=villages, status=Drawdown.Status.SUBMITTED).count()
    cases = RevocationCase.objects.filter(village_id__in=villages, status=RevocationCase.Status.ACTIVE).count()
    return {"lines": lines, "drawn": drawn, "waiting": waiting, "revocations": cases,
            "breaches": time_limit_breach_count(scope=scope, today=today)}
