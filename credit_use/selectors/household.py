"""The household page (issue 15 item 3): the household's credit lines with their history and change requests,
its drawdowns with their repayments and post-loan checks, and the drawdowns it guarantees. Everything read through
the caller's scope (R1); a fixed number of queries however many lines, events, drawdowns or repayments (prefetched),
and none for what the household's row says it does not have (sunshine_credit.sections.present, issue 18)."""

import datetime

from django.db.models import Exists, OuterRef, Prefetch, prefetch_related_objects

from sunshine_credit import sections

from ..models import CreditLine, CreditLineEvent, Drawdown, DrawdownGuarantor, LineChangeRequest, Repayment
from .drawdowns import _with_holder as with_holder
from .repayments import LIVE

# Issue 18: whether the household holds lines, drawdowns or guarantees at all (the household page's query asks).
PRESENT = {"lines": lambda: Exists(CreditLine.objects.filter(household=OuterRef("pk"))),
           "drawdowns": lambda: Exists(Drawdown.objects.filter(household=OuterRef("pk"))),
           "guarantees": lambda: Exists(DrawdownGuarantor.objects.filter(household=OuterRef("pk")))}


def household_drawdowns(request, household) -> list[Drawdown]:
    """The household's drawdowns of the scope, newest first, with the borrower's name (.holder_name) and who
    checked them after the loan: read once per page for the loan table's own loans and the credit section."""
    return sections.shared(household, "credit_use.drawdowns", lambda: list(
        with_holder(Drawdown.objects.filter(household=household, village_id__in=request.scope.village_ids))
        .select_related("post_loan_checked_by").order_by("-applied_on", "-pk")))


def _lines(household, villages) -> list[CreditLine]:
    """Lines, newest first, with .events (oldest first) and .changes (newest first; read only for the lines that
    have change requests)."""
    lines = list(CreditLine.objects.filter(household=household, village_id__in=villages).select_related("campaign")
                 .annotate(changed=Exists(LineChangeRequest.objects.filter(line=OuterRef("pk"))))
                 .prefetch_related(
                     Prefetch("events", queryset=CreditLineEvent.objects.select_related("actor").order_by("at", "id")))
                 .order_by("-effective_on", "-pk"))
    for line in lines:
        if not line.changed:
            line.changes = []  # (set before the prefetch, it would take the list as read already)
    prefetch_related_objects([line for line in lines if line.changed], Prefetch(
        "change_requests", to_attr="changes", queryset=LineChangeRequest.objects.select_related(
            "approval__requested_by", "approval__decided_by").order_by("-id")))
    return lines


def household_credit_section(request, household) -> dict | None:
    """Lines (newest first) with .events (oldest first) and .changes (newest first); drawdowns (newest first) with
    .repayments; guarantees the household gives. None when it has none of them, or without a scope."""
    scope = getattr(request, "scope", None)
    if scope is None:
        return None

    def holds(part: str) -> bool:  # False only when the household's row says it has none
        return sections.present(household, "household", "credit", part) is not False

    villages = scope.village_ids
    lines = _lines(household, villages) if holds("lines") else []
    drawdowns = household_drawdowns(request, household) if holds("drawdowns") else []
    guarantees = (list(DrawdownGuarantor.objects.filter(household=household, drawdown__village_id__in=villages)
                       .select_related("drawdown__household").order_by("-drawdown__applied_on", "-pk"))
                  if holds("guarantees") else [])
    if not (lines or drawdowns or guarantees):
        return None
    for drawdown in drawdowns:
        drawdown.live = drawdown.status in LIVE  # the repayment schedule exists once the loan is paid out
    prefetch_related_objects([d for d in drawdowns if d.live],
                             Prefetch("repayments", queryset=Repayment.objects.order_by("paid_on", "id")))
    return {"lines": lines, "drawdowns": drawdowns, "guarantees": guarantees, "village_id": household.village_id}


def owed(drawdowns: list[Drawdown]) -> list[Drawdown]:
    """The disbursed drawdowns still owing principal, oldest disbursement first."""
    return sorted((d for d in drawdowns if d.status == Drawdown.Status.DISBURSED and d.principal_outstanding > 0),
                  key=lambda d: (d.disbursed_at is None, d.disbursed_at or datetime.datetime.min, d.pk))
