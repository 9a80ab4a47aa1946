"""A3/A5: writing back-to-back entries, online by the reviewer or from the paper booklet by the officer.

Every write goes through `appraisal_write`, which holds the rules that do not depend on who types:
the round is open, the household belongs to the panel, the reviewer does not appraise their own
household (A2), the entry is an amount with a rating or withhold reasons, and no save is lost (R3).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sunshine_credit.errors import Refusal, RuleViolation, Stale
from sunshine_credit.scoping import activate

from .. import rules
from ..models import Appraisal, Panel, PanelMember
from ..selectors import panel_households, panel_scope, seat_or_404


class EntryRefused(Refusal):
    """The entry breaks a rule; nothing was written. Unlike the base's (field, message) pairs, `.errors` maps a
    field (or "__all__") to its message: the JSON the grid shows under each cell, and the booklet import's
    columns."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()), code="entry")
        self.errors = errors

    @property
    def messages(self) -> list[str]:
        return list(self.errors.values())


def _stale() -> Stale:
    """R3: the entry was saved by someone else after the page was loaded. Nothing was written."""
    return Stale(_("This entry was changed meanwhile. Reload the page to see the saved values."))


@dataclass(frozen=True)
class EntryInput:
    amount: Decimal | None = None
    reasons: list[int] = field(default_factory=list)
    rating: int | None = None

    @property
    def blank(self) -> bool:
        return self.amount is None and not self.reasons and self.rating is None


def check_entry(values: EntryInput) -> None:
    """An entry is an amount with a rating, or withhold reasons (the rating then optional); blank clears it."""
    if values.blank:
        return
    if values.amount is not None and values.reasons:
        raise EntryRefused({"withhold_reasons": _("Give either an amount or withhold reasons, not both.")})
    if values.amount is None and not values.reasons:
        raise EntryRefused({"amount": _("Give an amount or withhold reasons.")})
    if values.amount is not None and values.amount <= 0:
        raise EntryRefused({"amount": _("The amount must be greater than zero.")})
    if values.amount is not None and values.rating is None:
        raise EntryRefused({"rating": _("Give a rating.")})


def appraisal_write(*, seat: PanelMember, household_id: int, values: EntryInput, actor, version: int | None,
                    source: str = Appraisal.Source.WEB) -> Appraisal | None:
    """Create, change or (all blank) clear the entry of `seat` for a household. Runs inside the caller's
    transaction and scope. `version` None skips the R3 check (the booklet import, which re-validates
    under the import lock). Returns the saved entry, or None when it was cleared."""
    panel = seat.panel
    if panel.status != Panel.Status.OPEN:
        raise EntryRefused({"__all__": _("The round of this panel is not open for entries.")})
    household = panel_households(panel).filter(pk=household_id).first()
    if household is None:
        raise EntryRefused({"__all__": _("This household is not appraised by this panel.")})
    try:
        rules.check_not_own_household(reviewer_household_id=seat.reviewer.household_id, household_id=household.pk)
    except RuleViolation as exc:
        raise EntryRefused({"__all__": str(exc)}) from None
    check_entry(values)
    entry = Appraisal.objects.select_for_update().filter(member=seat, household=household).first()
    if version is not None and (entry.version if entry else 0) != version:
        raise _stale()
    if values.blank:
        if entry is not None:
            entry.delete()
        return None
    if entry is None:
        entry = Appraisal(panel=panel, member=seat, household=household, version=0)
    entry.amount, entry.withhold_reasons, entry.rating = values.amount, list(values.reasons), values.rating
    entry.source, entry.entered_by = source, actor
    entry.version += 1
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:  # created concurrently by another save of the same seat
        raise _stale() from None
    return entry


@transaction.atomic
def appraisal_save(*, actor, panel_id: int, household_id: int, values: EntryInput, version: int) -> Appraisal | None:
    """A reviewer saves their own entry online (only ever their own seat: seat_or_404)."""
    seat = seat_or_404(actor, panel_id)
    with activate(panel_scope(seat.panel, user_id=actor.pk)):
        # The panel row lock orders this save against the officer closing the round; its status is read under it.
        seat.panel.status = (Panel.objects.select_for_update().filter(pk=seat.panel_id)
                             .values_list("status", flat=True).first())
        return appraisal_write(seat=seat, household_id=household_id, values=values, actor=actor, version=version)
