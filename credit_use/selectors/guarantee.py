"""The reads behind U3/G5/G6: guarantors' lines and what they already guarantee, and the guarantee graph; and
the facts joint-guarantee groups need of credit use (G1, G7, U9), provided to guarantee_groups.facts (apps.py).

A guarantor may live in any village of the borrower's head office, outside the officer's scope (包片): these
queries therefore run under `scopes_disabled()` and every one of them is filtered by the head office
explicitly. They return plain values only (codes, amounts, ids) — never a name, ID or phone number — so
nothing of another village reaches a page beyond the household code the officer typed.
"""

import datetime
from decimal import Decimal

from django.db.models import Q, Sum
from django_scopes import scopes_disabled

from guarantee_groups.facts import LineFact
from guarantee_groups.models import GroupMember, GuaranteeGroup
from households.models import Household

from ..models import CreditLine, Drawdown, DrawdownGuarantor, GuaranteeKind, LineStatus
from ..rules.guarantee import GuarantorFacts
from .own_loans import borrowed_by


# A drawdown holds its guarantors (and its part of the line) while it waits for approval, waits to be
# disbursed, or is disbursed and still owes principal.
def open_q(prefix: str = "") -> Q:
    """The open drawdowns, as a filter on Drawdown (prefix "") or through a relation ("drawdown__")."""
    return (Q(**{f"{prefix}status__in": [Drawdown.Status.SUBMITTED, Drawdown.Status.APPROVED]})
            | Q(**{f"{prefix}status": Drawdown.Status.DISBURSED, f"{prefix}principal_outstanding__gt": 0}))


def households_by_code(*, head_office_id: int, branch_id: int, codes: list[str]) -> dict[str, int]:
    """户号代码 → household id, for the codes that exist in the borrower's branch (H1: unique per head office).
    R1: a named guarantor is a household of the borrower's own branch. A code of another branch is answered as
    unknown: the officer may not learn (or pledge) another branch's households; that branch lends to them."""
    with scopes_disabled():
        return dict(Household.objects.filter(head_office_id=head_office_id, village__branch_id=branch_id,
                                             code__in=codes).values_list("code", "id"))


def guarantor_facts(*, head_office_id: int, household_ids: list[int], today: datetime.date,
                    exclude_drawdown_id: int | None = None) -> dict[int, GuarantorFacts]:
    """The G5 facts of each household: its line in effect today (the largest, should it hold several), what it
    guarantees on other open drawdowns, what it still owes on its own disbursed drawdowns, and its active group's
    outside-guarantee agreement."""
    with scopes_disabled():
        homes = dict(Household.objects.filter(head_office_id=head_office_id, pk__in=household_ids)
                     .values_list("id", "code"))
        lines: dict[int, Decimal] = {}
        for household_id, amount in (CreditLine.objects.filter(
                head_office_id=head_office_id, household_id__in=homes, status=LineStatus.ACTIVE,
                effective_on__lte=today, expires_on__gte=today).values_list("household_id", "amount")):
            lines[household_id] = max(amount, lines.get(household_id, amount))
        guarantees = (DrawdownGuarantor.objects.filter(drawdown__head_office_id=head_office_id,
                                                       household_id__in=homes)
                      .filter(open_q("drawdown__")))
        if exclude_drawdown_id is not None:
            guarantees = guarantees.exclude(drawdown_id=exclude_drawdown_id)
        guaranteed = dict(guarantees.values("household_id").annotate(total=Sum("amount"))
                          .values_list("household_id", "total"))
        outside = dict(GroupMember.objects.filter(household_id__in=homes, active=True,
                                                  group__status=GuaranteeGroup.Status.ACTIVE)
                       .values_list("household_id", "group__allows_outside"))
    borrowed = borrowed_by(homes)
    return {pk: GuarantorFacts(household_id=pk, code=code, line_amount=lines.get(pk),
                               guaranteed=guaranteed.get(pk) or Decimal(0), allows_outside=outside.get(pk),
                               borrowed=borrowed.get(pk) or Decimal(0))
            for pk, code in homes.items()}


def guarantee_edges(*, head_office_id: int, exclude_drawdown_id: int | None = None) -> list[tuple[int, int]]:
    """G6: (guarantor household, borrower household) of every open single-household drawdown of the head
    office. One query over plain ids; a county holds a few thousand such rows."""
    with scopes_disabled():
        rows = (DrawdownGuarantor.objects.filter(drawdown__head_office_id=head_office_id,
                                                 drawdown__guarantee=GuaranteeKind.GUARANTORS)
                .filter(open_q("drawdown__")))
        if exclude_drawdown_id is not None:
            rows = rows.exclude(drawdown_id=exclude_drawdown_id)
        return list(rows.values_list("household_id", "drawdown__household_id").distinct())


def household_codes(*, head_office_id: int, household_ids) -> dict[int, str]:
    with scopes_disabled():
        return dict(Household.objects.filter(head_office_id=head_office_id, pk__in=list(household_ids))
                    .values_list("id", "code"))


# --- the facts of guarantee_groups.facts (registered in CreditUseConfig.ready) ----------------------------

def effective_line_facts(household_ids: list[int], today: datetime.date) -> dict[int, LineFact]:
    """G1: each household's line in effect on `today` (status active, effective_on ≤ today ≤ expires_on); a
    household with several (one per campaign) counts its newest. Unscoped: groups are checked by the system too."""
    with scopes_disabled():
        rows = (CreditLine.objects.filter(household_id__in=household_ids, status=LineStatus.ACTIVE,
                                          effective_on__lte=today, expires_on__gte=today)
                .order_by("household_id", "effective_on", "id").values_list("pk", "household_id", "amount"))
        lines: dict[int, LineFact] = {}
        for pk, household_id, amount in rows:
            lines[household_id] = LineFact(pk=pk, household_id=household_id, amount=amount)  # the later one wins
    return lines


def open_drawdown_guaranteed_by(group_id: int) -> bool:
    """Whether the group guarantees an open drawdown (its members answer for it until it is repaid, U9)."""
    with scopes_disabled():
        return Drawdown.objects.filter(open_q(), group_id=group_id).exists()
