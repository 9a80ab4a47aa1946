"""The facts of credit use that joint-guarantee groups need, without importing credit_use.

Groups sit below credit use: a drawdown needs its group (U3, U6) and every line change or revocation checks the
groups again (G7), while groups need only two facts of credit use — each household's line in effect (G1, G2, the
lines shown on the pages and the register) and whether a drawdown the group guarantees is still open (a member
leaves, the group dissolves only once it is settled, U9). credit_use provides them, registering each in its
AppConfig.ready() (as apps register approval kinds with sunshine_credit.approvals).

A fact without a provider raises ImproperlyConfigured: a group must never be judged against "no lines" because
the provider was forgotten.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone


@dataclass(frozen=True)
class LineFact:
    """A household's credit line in effect: its id (the pages link to it) and its amount in yuan."""

    pk: int
    household_id: int
    amount: Decimal


EFFECTIVE_LINES = "effective_lines"  # (household ids, today) -> {household id: LineFact}
OPEN_DRAWDOWN_GUARANTEED_BY = "open_drawdown_guaranteed_by"  # (group id) -> bool
FACTS = (EFFECTIVE_LINES, OPEN_DRAWDOWN_GUARANTEED_BY)

_providers: dict[str, Callable] = {}


def register(fact: str, provider: Callable) -> None:
    """Provide one of FACTS (credit_use does, in its AppConfig.ready())."""
    if fact not in FACTS:
        raise ValueError(f"unknown guarantee-group fact {fact!r}; expected one of {FACTS}")
    _providers[fact] = provider


def _provider(fact: str) -> Callable:
    try:
        return _providers[fact]
    except KeyError:
        raise ImproperlyConfigured(f"No provider of the guarantee-group fact {fact!r}: credit_use registers it in "
                                   "CreditUseConfig.ready(). Is credit_use in INSTALLED_APPS?") from None


def effective_lines(household_ids: Iterable[int], *, today: datetime.date | None = None) -> dict[int, LineFact]:
    """G1: each household's credit line in effect on `today` (status active, effective_on ≤ today ≤ expires_on);
    a household with several (one per campaign) counts its newest. Households without one are left out. Needs no
    scope (the rules are checked on behalf of the system too)."""
    return _provider(EFFECTIVE_LINES)([int(pk) for pk in household_ids], today or timezone.localdate())


def open_drawdown_guaranteed_by(group_id: int) -> bool:
    """Whether the group guarantees a drawdown that is waiting, approved and not disbursed, or still owes
    principal (its members answer for it until it is repaid, U9). Needs no scope."""
    return _provider(OPEN_DRAWDOWN_GUARANTEED_BY)(group_id)
