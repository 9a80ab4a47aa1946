"""The household page (issue 15 item 3): the household's credit lines with their history and change requests,
its drawdowns with their repayments and post-loan checks, and the drawdowns it guarantees. Everything read through
the caller's scope (R1); six queries however many lines, events, drawdowns or repayments (prefetched)."""

from django.db.models import Prefetch

from ..models import CreditLine, CreditLineEvent, Drawdown, DrawdownGuarantor, LineChangeRequest, Repayment
from .repayments import LIVE


def household_credit_section(request, household) -> dict | None:
    """Lines (newest first) with .events (oldest first) and .changes (newest first); drawdowns (newest first) with
    .repayments; guarantees the household gives. None when it has none of them, or without a scope."""
    scope = getattr(request, "scope", None)
    if scope is None:
        return None
    villages = scope.village_ids
    lines = list(CreditLine.objects.filter(household=household, village_id__in=villages).select_related("campaign")
                 .prefetch_related(
                     Prefetch("events", queryset=CreditLineEvent.objects.select_related("actor").order_by("at", "id")),
                     Prefetch("change_requests", to_attr="changes", queryset=LineChangeRequest.objects.select_related(
                         "approval__requested_by", "approval__decided_by").order_by("-id")))
                 .order_by("-effective_on", "-pk"))
    drawdowns = list(Drawdown.objects.filter(household=household, village_id__in=villages)
                     .select_related("post_loan_checked_by")
                     .prefetch_related(Prefetch("repayments", queryset=Repayment.objects.order_by("paid_on", "id")))
                     .order_by("-applied_on", "-pk"))
    guarantees = list(DrawdownGuarantor.objects.filter(household=household, drawdown__village_id__in=villages)
                      .select_related("drawdown__household").order_by("-drawdown__applied_on", "-pk"))
    if not (lines or drawdowns or guarantees):
        return None
    for drawdown in drawdowns:
        drawdown.live = drawdown.status in LIVE  # the repayment schedule exists once the loan is paid out
    return {"lines": lines, "drawdowns": drawdowns, "guarantees": guarantees, "village_id": household.village_id}
