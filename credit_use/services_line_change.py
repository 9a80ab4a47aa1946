"""Changing a credit line's amount (调整授信额度), with its reason, in the line's history — and G7: the
joint-guarantee groups of the household are checked again in the same transaction, so that a change that
breaks a group's rules flags it (and blocks its drawdowns) before anyone can draw against it."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from guarantee_groups.services import groups_recheck
from households.services import MAKER_ROLES
from sunshine_credit.scoping import Scope, get_in_scope_or_404

from .models import CreditLine, CreditLineEvent, LineStatus

MAX_AMOUNT = Decimal(10) ** 12


class LineChangeRefused(Exception):
    """The change was refused; str() is the translated reason."""


class StaleLine(LineChangeRefused):
    """R3: the line was saved by someone else since the form was opened."""


def _amount(value) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise LineChangeRefused(_("Enter the new line in yuan.")) from None
    if amount <= 0:
        raise LineChangeRefused(_("The new line must be more than 0 yuan."))
    if amount >= MAX_AMOUNT:  # the column holds 14 digits, 2 of them decimals
        raise LineChangeRefused(_("The new line is too large."))
    return amount


def line_ceiling(line: CreditLine) -> Decimal:
    """The most a line may be set to here: what took effect after its notice (its item's amount after
    reconsideration), else the largest amount it has had."""
    if line.notice_item_id:
        with scopes_disabled():
            return line.notice_item.effective_amount
    with scopes_disabled():
        amounts = [line.amount, *(a for pair in line.events.values_list("amount_before", "amount_after")
                                  for a in pair if a is not None)]
    return max(amounts)


@transaction.atomic
def line_change(*, scope: Scope, actor, line_id: int, amount, reason: str, version) -> CreditLine:
    """Set the line's amount (a maker of the line's village; the line in effect), record a CHANGED event with
    the amounts before and after, the reason and who, and check the household's groups again (G7).

    Raises Http404 outside the scope (R1), PermissionDenied for non-makers, StaleLine when the line changed
    since `version` was read (R3), LineChangeRefused for a missing reason, an amount ≤ 0, an unchanged amount
    or a line not in effect."""
    if scope.role not in MAKER_ROLES:
        raise PermissionDenied(_("Only loan officers and administrators change credit lines."))
    with scopes_disabled():
        line = get_in_scope_or_404(CreditLine.objects.select_for_update(), scope, for_edit=True, pk=line_id)
    if version is None or int(version) != line.version:
        raise StaleLine(_("This credit line was changed by someone else meanwhile; nothing was saved. Reload the "
                          "page."))
    reason = (reason or "").strip()
    if not reason:
        raise LineChangeRefused(_("Give the reason for the change."))
    amount = _amount(amount)
    if line.status != LineStatus.ACTIVE:
        raise LineChangeRefused(_("Only a line in effect is changed."))
    if amount == line.amount:
        raise LineChangeRefused(_("The new line is the same as the current one."))
    ceiling = line_ceiling(line)
    if amount > ceiling:  # more than the village saw on its board needs a new appraisal and notice (P1–P5)
        raise LineChangeRefused(_("A line is raised at most back to %(amount)s yuan, what took effect after its "
                                  "notice; more needs a new appraisal and notice.") % {"amount": f"{ceiling:,.0f}"})
    before = line.amount
    line.amount = amount
    line.version += 1
    with scopes_disabled():
        line.save(update_fields=["amount", "version"])
        CreditLineEvent.objects.create(line=line, kind=CreditLineEvent.Kind.CHANGED, amount_before=before,
                                       amount_after=amount, status_after=line.status, reason=reason[:500],
                                       actor=actor)
    groups_recheck(household_ids=[line.household_id])
    return line
