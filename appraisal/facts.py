"""The bank's own loans for the pre-check (A6), without importing credit_use.

Appraisal sits below credit use, yet a drawdown this system disbursed is a loan like those of the core banking
system's book (households.ExistingLoan): it counts for flags 1–3 (a current loan of a household not on the list,
current loans above the pre-credit amount, a non-performing loan) and for duplicate borrowing. credit_use provides
the loans, registering the provider in its AppConfig.ready() (as it provides guarantee_groups.facts).

Without a provider the pre-check raises ImproperlyConfigured: a household must never be judged "no loans" because
the provider was forgotten.
"""

from collections.abc import Callable, Iterable

from django.core.exceptions import ImproperlyConfigured

from .rules import Loan

OWN_LOANS = "own_loans"  # (household ids) -> {household id: [rules.Loan, …]}: disbursed, principal outstanding > 0
FACTS = (OWN_LOANS,)

_providers: dict[str, Callable] = {}


def register(fact: str, provider: Callable) -> None:
    """Provide one of FACTS (credit_use does, in its AppConfig.ready())."""
    if fact not in FACTS:
        raise ValueError(f"unknown appraisal fact {fact!r}; expected one of {FACTS}")
    _providers[fact] = provider


def own_loans(household_ids: Iterable[int]) -> dict[int, list[Loan]]:
    """The outstanding loans this system disbursed (drawdowns owing principal), per household, as pre-check
    loans of the borrowing household's representative. Needs no scope; households without one are left out."""
    try:
        provider = _providers[OWN_LOANS]
    except KeyError:
        raise ImproperlyConfigured(f"No provider of the appraisal fact {OWN_LOANS!r}: credit_use registers it in "
                                   "CreditUseConfig.ready(). Is credit_use in INSTALLED_APPS?") from None
    return provider([int(pk) for pk in household_ids])
