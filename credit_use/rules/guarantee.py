"""SPEC U3 with G5 and G6: who may guarantee a single-household drawdown, and for how much.

Pure functions over plain values (no ORM; the facts come from selectors.guarantee). A guarantee edge
(g, b) means "household g guarantees an open drawdown of household b".
"""

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from sunshine_credit.errors import RuleViolation
from sunshine_credit.lib.money import yuan


@dataclass(frozen=True)
class GuarantorFacts:
    household_id: int
    code: str                    # 户号代码, for messages (never an ID or phone number)
    line_amount: Decimal | None  # its own credit line in effect today; None: it holds none
    guaranteed: Decimal          # what it already guarantees on other open drawdowns
    allows_outside: bool | None  # its active group's agreement (G5); None: not in an active group
    borrowed: Decimal = Decimal(0)  # the principal it still owes on its own drawdowns of this system


def guarantor_capacity(*, line_amount: Decimal | None, guaranteed: Decimal, borrowed: Decimal = Decimal(0)) -> Decimal:
    """G5 (default): its own line in effect minus what it already guarantees and, since the bank's own loans count
    (issue 15), minus what it still owes on its own drawdowns; never below 0."""
    if line_amount is None:
        return Decimal(0)
    return max(Decimal(line_amount) - Decimal(guaranteed) - Decimal(borrowed), Decimal(0))


def check_guarantors(*, borrower_id: int, amount: Decimal, guarantors: list[tuple[GuarantorFacts, Decimal]]) -> None:
    """U3/G5 for named guarantors, each with the amount it guarantees. The guarantors together cover the
    whole drawdown; each guarantees at most the drawdown and at most its capacity; a member of a group
    that agreed not to guarantee outside (allows_outside False) may not guarantee at all."""
    if not guarantors:
        raise RuleViolation("U3", _("Name at least one guarantor."), "guarantors")
    seen: set[int] = set()
    for facts, part in guarantors:
        if facts.household_id == borrower_id:
            raise RuleViolation("U3", _("The borrower may not guarantee their own drawdown."), "guarantors")
        if facts.household_id in seen:
            raise RuleViolation("U3", _("Household %(code)s is named twice.") % {"code": facts.code}, "guarantors")
        seen.add(facts.household_id)
        if part is None or part <= 0 or part > amount:
            raise RuleViolation("U3", _("Household %(code)s: the guaranteed amount must be more than 0 and at most "
                                        "the drawdown's amount.") % {"code": facts.code}, "guarantors")
        if facts.line_amount is None:
            raise RuleViolation("G5", _("Household %(code)s holds no credit line in effect and may not guarantee.")
                                % {"code": facts.code}, "guarantors")
        if facts.allows_outside is False:
            raise RuleViolation("G5", _("Household %(code)s is in a joint-guarantee group that agreed not to "
                                        "guarantee outside the group.") % {"code": facts.code}, "guarantors")
        capacity = guarantor_capacity(line_amount=facts.line_amount, guaranteed=facts.guaranteed,
                                      borrowed=facts.borrowed)
        if part > capacity and facts.borrowed:
            raise RuleViolation("G5", _("Household %(code)s may guarantee at most %(capacity)s yuan (its line of "
                                        "%(line)s yuan less %(guaranteed)s yuan it already guarantees and %(borrowed)s "
                                        "yuan it still owes on its own loans).")
                                % {"code": facts.code, "capacity": yuan(capacity), "line": yuan(facts.line_amount),
                                   "guaranteed": yuan(facts.guaranteed), "borrowed": yuan(facts.borrowed)},
                                "guarantors")
        if part > capacity:
            raise RuleViolation("G5", _("Household %(code)s may guarantee at most %(capacity)s yuan (its line of "
                                        "%(line)s yuan less %(guaranteed)s yuan it already guarantees).")
                                % {"code": facts.code, "capacity": yuan(capacity), "line": yuan(facts.line_amount),
                                   "guaranteed": yuan(facts.guaranteed)}, "guarantors")
    covered = sum((part for _facts, part in guarantors), Decimal(0))
    if covered < amount:
        raise RuleViolation("U3", _("The guarantors cover %(covered)s yuan of the %(amount)s yuan drawdown.")
                            % {"covered": yuan(covered), "amount": yuan(amount)}, "guarantors")


def guarantee_chain(edges: Iterable[tuple[int, int]], start: int, targets: set[int]) -> list[int] | None:
    """The shortest chain start → … → t (t in targets) along the edges (g guarantees b), or None."""
    following: dict[int, set[int]] = {}
    for guarantor, borrower in edges:
        following.setdefault(guarantor, set()).add(borrower)
    previous: dict[int, int | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node in targets and node != start:
            chain = [node]
            while previous[chain[-1]] is not None:
                chain.append(previous[chain[-1]])
            return chain[::-1]
        for nxt in sorted(following.get(node, ())):
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    return None


def check_no_circle(*, edges: Iterable[tuple[int, int]], borrower_id: int, guarantor_ids: Iterable[int],
                    codes: dict[int, str]) -> None:
    """G6: no circle of households guaranteeing one another's single-household loans. The new drawdown adds
    the edges guarantor → borrower; a circle closes when the borrower already guarantees (directly or through
    a chain) an open drawdown of one of its guarantors. `codes` names the households for the message."""
    chain = guarantee_chain(edges, borrower_id, set(guarantor_ids))
    if chain is None:
        return
    names = " → ".join(codes.get(node, str(node)) for node in [*chain, borrower_id])
    raise RuleViolation("G6", _("Households may not guarantee one another's loans in a circle: %(chain)s.")
                        % {"chain": names}, "guarantors")
