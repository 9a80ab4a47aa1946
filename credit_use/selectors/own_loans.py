"""The bank's own loans (drawdowns this system disbursed that still owe principal) where a household's loans are
read: the household page (a section, apps.py), the pre-check (appraisal.facts, apps.py) and guarantor capacity
(G5, selectors.guarantee). Issue 15 item 2: a borrower owing on a loan of this system is never "without loans".
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone
from django_scopes import scopes_disabled

from appraisal.rules import Loan
from households.models import LoanClass

from ..models import Drawdown
from ..rules.drawdowns import risk_class_floor
from .drawdowns import _with_holder as with_holder
from .household import household_drawdowns, owed


def _outstanding(household_ids) -> QuerySet:
    return Drawdown.objects.filter(household_id__in=list(household_ids), status=Drawdown.Status.DISBURSED,
                                   principal_outstanding__gt=0)


def own_loan_facts(household_ids: list[int], today: datetime.date | None = None) -> dict[int, list[Loan]]:
    """appraisal.facts.OWN_LOANS: each household's outstanding drawdowns as A6 loans (borrower: the credit
    representative, else the head). Unscoped (the pre-check runs for the system too); ids in, plain values out."""
    today = today or timezone.localdate()
    loans: dict[int, list[Loan]] = defaultdict(list)
    with scopes_disabled():
        rows = with_holder(_outstanding(household_ids)).order_by("household_id", "id").values(
            "household_id", "holder_name", "holder_id_number", "loan_number", "number", "amount",
            "principal_outstanding", "due_on")
        for row in rows:
            loans[row["household_id"]].append(Loan(
                member_name=row["holder_name"] or "", id_number=row["holder_id_number"] or "",
                loan_number=row["loan_number"] or row["number"], amount=row["amount"],
                balance=row["principal_outstanding"],
                classification=risk_class_floor(due_on=row["due_on"], outstanding=row["principal_outstanding"],
                                                today=today)))
    return dict(loans)


def borrowed_by(household_ids) -> dict[int, Decimal]:
    """G5: the principal each household still owes on drawdowns of this system. Unscoped: ids and amounts only."""
    with scopes_disabled():
        return dict(_outstanding(household_ids).values("household_id").annotate(total=Sum("principal_outstanding"))
                    .values_list("household_id", "total"))


def own_loans_present():
    """Issue 18: whether the household owes on a drawdown of this system at all (the household page's query asks)."""
    return Exists(Drawdown.objects.filter(household=OuterRef("pk"), status=Drawdown.Status.DISBURSED,
                                          principal_outstanding__gt=0))


def household_own_loans_section(request, household) -> dict | None:
    """The household page's rows of its loans from this system (None: it owes nothing on one). The household's
    drawdowns are read once for this and the credit section (household.household_drawdowns)."""
    if request is None or not hasattr(request, "scope"):
        return None
    today = timezone.localdate()
    drawdowns = owed(household_drawdowns(request, household))
    if not drawdowns:
        return None
    for drawdown in drawdowns:
        drawdown.risk_class_label = LoanClass(risk_class_floor(
            due_on=drawdown.due_on, outstanding=drawdown.principal_outstanding, today=today)).label
    return {"drawdowns": drawdowns, "can_edit": request.scope.can_edit_village(household.village_id)}
