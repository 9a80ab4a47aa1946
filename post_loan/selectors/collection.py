"""C3/C7: reads of the collection cases — the case list (by village, officer, status; the limitation periods
running out) and one case's page (loan, days overdue, letters and receipts, log, plans, limitation clock).
Every read starts from the caller's scope (R1)."""

import datetime

from django.contrib.auth import get_user_model

from sunshine_credit.scoping import Scope, get_in_scope_or_404

from ..models import CollectionCase, CollectionEntry, InstalmentPlan
from ..rules import collection as rules
from ..rules.letters import days_overdue, three_months_overdue_on
from .letters import household_names, letters_of_case


def case_list(*, scope: Scope, today: datetime.date, village_id: int | None = None, officer_id: int | None = None,
              status: str = "", limitation_soon: bool = False):
    """The scope's cases, the limitation periods ending first at the top; `limitation_soon`: those ending within 90
    days (or ended) of cases not closed."""
    cases = (CollectionCase.objects.filter(head_office_id=scope.head_office_id, village_id__in=scope.village_ids)
             .select_related("village", "drawdown__household", "drawdown__created_by")
             .order_by("status", "limitation_ends_on", "pk"))
    if village_id:
        cases = cases.filter(village_id=village_id)
    if officer_id:
        cases = cases.filter(drawdown__created_by_id=officer_id)
    if status in CollectionCase.Status.values:
        cases = cases.filter(status=status)
    if limitation_soon:
        cases = cases.exclude(status=CollectionCase.Status.CLOSED).filter(
            limitation_ends_on__lte=today + datetime.timedelta(days=rules.LIMITATION_WARNING_DAYS))
    return cases


def case_rows(cases, today: datetime.date) -> list[dict]:
    """One page of cases with what the list shows: borrower, days overdue, the limitation state."""
    cases = list(cases)
    names = household_names(c.drawdown.household_id for c in cases)
    return [{"case": c, "borrower": names.get(c.drawdown.household_id, ""),
             "days_overdue": days_overdue(due_on=c.drawdown.due_on, on=today,
                                          outstanding=c.drawdown.principal_outstanding),
             "limitation": rules.limitation_state(ends_on=c.limitation_ends_on, today=today)} for c in cases]


def filter_officers(scope: Scope):
    """The loan officers of the scope's villages (the list's filter)."""
    return (get_user_model().objects.filter(assigned_villages__in=scope.village_ids).distinct()
            .order_by("username"))


def case_get(*, scope: Scope, pk: int, for_edit: bool = False) -> CollectionCase:
    cases = CollectionCase.objects.filter(head_office_id=scope.head_office_id).select_related(
        "village__branch", "drawdown__household", "drawdown__created_by", "classified_by", "revocation__notice")
    return get_in_scope_or_404(cases, scope, for_edit=for_edit, pk=pk)


def case_page(case: CollectionCase, today: datetime.date) -> dict:
    drawdown = case.drawdown
    plans = list(InstalmentPlan.objects.filter(case=case).select_related("approval", "created_by")
                 .prefetch_related("items").order_by("-pk"))
    entries = list(CollectionEntry.objects.filter(case=case).select_related("recorded_by", "letter"))
    return {
        "case": case, "loan": drawdown, "borrower": household_names([drawdown.household_id]).get(
            drawdown.household_id, ""),
        "days_overdue": days_overdue(due_on=drawdown.due_on, on=today, outstanding=drawdown.principal_outstanding),
        "letters": list(letters_of_case(drawdown.pk)), "entries": entries, "plans": plans,
        "limitation": rules.limitation_state(ends_on=case.limitation_ends_on, today=today),
        "warning_from": rules.warning_from(case.limitation_ends_on),
        "classify_from": three_months_overdue_on(drawdown.due_on),
        "may_classify": not case.cause and case.status != CollectionCase.Status.CLOSED
        and rules.may_classify(due_on=drawdown.due_on, today=today),
        "may_propose": case.cause == CollectionCase.Cause.HARDSHIP and case.status == CollectionCase.Status.OPEN
        and not any(p.status in (InstalmentPlan.Status.PENDING, InstalmentPlan.Status.ACTIVE) for p in plans),
        "open_promises": [e for e in entries if e.kind == CollectionEntry.Kind.PROMISE],
    }

