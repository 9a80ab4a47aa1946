"""Villages whose pre-credit results are frozen for a campaign, without importing the apps above surveys.

Once a village's board is published (publicity) or its credit lines took effect (credit_use), its results are
what the village saw and what the bank granted: recomputing the campaign must never change them (issue 15).
Those apps sit above surveys, so they *provide* the fact, registering a provider in their AppConfig.ready() (as
credit_use provides guarantee_groups.facts). Each provider answers {village id: reason in words} for a campaign.
"""

from collections.abc import Callable, Iterable

_providers: dict[str, Callable] = {}


def register(name: str, provider: Callable) -> None:
    """`provider(campaign_id, village_ids or None) -> {village id: reason}`; `name` keeps a re-registration single."""
    _providers[name] = provider


def frozen_villages(*, campaign, village_ids: Iterable[int] | None = None) -> dict[int, str]:
    """{village id: why its results are frozen} among `village_ids` (None: the whole head office). Needs no scope:
    the caller holds the village ids of its own scope."""
    ids = None if village_ids is None else [int(v) for v in village_ids]
    found: dict[int, list[str]] = {}
    for name in sorted(_providers):
        for village_id, reason in _providers[name](getattr(campaign, "pk", campaign), ids).items():
            found.setdefault(village_id, []).append(str(reason))
    return {village_id: "; ".join(reasons) for village_id, reasons in found.items()}
