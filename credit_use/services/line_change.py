"""Changing a credit line's amount (调整授信额度). Seed 000 第一篇 (常态化动态管理): a pre-credit line is not
changed at will; the change, with its investigation, is reported to head office, which verifies and agrees, and
only then is the line changed. So a change is a maker-checker request (R2): the officer of the village proposes
the amount with the reason and the investigation (`line_change_request`); the head office's administrator
decides it in the approvals inbox (approvals.py), never its maker; approving applies it
(`line_change_decided`).

Applying records a CHANGED event in the line's history and checks the household's joint-guarantee groups again
in the same transaction (G7), so that a change that breaks a group's rules flags it (and blocks its drawdowns)
before anyone can draw against it. A refused request leaves the line as it was."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from guarantee_groups.services import groups_recheck
from sunshine_credit.approvals import ApprovalRefused, approval_request
from sunshine_credit.errors import Refusal, Stale
from sunshine_credit.lib.money import AmountError, parse_amount, yuan
from sunshine_credit.scoping import Scope, get_in_scope_or_404

from ..models import CreditLine, CreditLineEvent, LineChangeRequest, LineStatus

LINE_CHANGE_KIND = "line_change"  # sunshine_credit.approvals key (approvals.py registers it)


class LineChangeRefused(Refusal):
    """The change was refused; str() is the translated reason."""


def _stale_message() -> str:
    return _("This credit line was changed by someone else meanwhile; nothing was saved. Reload the page.")


def _amount(value) -> Decimal:
    try:
        amount = parse_amount(value)  # the one parser: its bound is the column's
    except AmountError as exc:
        raise LineChangeRefused(str(exc)) from None
    if amount is None or amount <= 0:
        raise LineChangeRefused(_("The new line must be more than 0 yuan."))
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


def _check_ceiling(line: CreditLine, amount: Decimal) -> None:
    ceiling = line_ceiling(line)
    if amount > ceiling:  # more than the village saw on its board needs a new appraisal and notice (P1–P5)
        raise LineChangeRefused(_("A line is raised at most back to %(amount)s yuan, what took effect after its "
                                  "notice; more needs a new appraisal and notice.") % {"amount": yuan(ceiling)})


@transaction.atomic
def line_change_request(*, scope: Scope, actor, line_id: int, amount, reason: str, investigation: str,
                        version) -> LineChangeRequest:
    """Propose a new amount for a line in effect (a maker of the line's village), with the reason and the
    investigation, for head office to decide. The line itself does not change here.

    Raises Http404 outside the scope (R1), PermissionDenied for non-makers, Stale when the line changed
    since `version` was read (R3), LineChangeRefused for a missing reason or investigation, an amount ≤ 0, an
    unchanged amount, an amount above the ceiling or a line not in effect, ApprovalRefused when a change of
    this line is already waiting (R2)."""
    scope.require_maker(_("Only loan officers and administrators change credit lines."))
    with scopes_disabled():
        # The row lock orders this request against a checker applying another one to the same line.
        lines = CreditLine.objects.select_for_update(of=("self",)).select_related("household")
        line = get_in_scope_or_404(lines, scope, for_edit=True, pk=line_id)
    if version is None or int(version) != line.version:
        raise Stale(_stale_message())
    reason, investigation = (reason or "").strip(), (investigation or "").strip()
    if not reason:
        raise LineChangeRefused(_("Give the reason for the change."))
    if not investigation:
        raise LineChangeRefused(_("Write what the investigation found: head office verifies the change on it."))
    amount = _amount(amount)
    if line.status != LineStatus.ACTIVE:
        raise LineChangeRefused(_("Only a line in effect is changed."))
    if amount == line.amount:
        raise LineChangeRefused(_("The new line is the same as the current one."))
    _check_ceiling(line, amount)
    title = _("Credit line of household %(code)s: %(before)s → %(after)s yuan") % {
        "code": line.household.code, "before": yuan(line.amount), "after": yuan(amount)}
    # Subject = the line: the approvals' one-pending-per-subject rule refuses a second change of it (R2).
    approval = approval_request(scope=scope, actor=actor, kind=LINE_CHANGE_KIND, subject_id=line.pk,
                                village_id=line.village_id, title=title, reason=reason)
    with scopes_disabled():
        return LineChangeRequest.objects.create(line=line, approval=approval, amount_before=line.amount,
                                                amount_proposed=amount, reason=reason[:500],
                                                investigation=investigation, line_version=line.version)


def line_change_decided(approval, approved: bool) -> None:
    """Runs in the checker's transaction (approval_decide), after the line's row was locked (lock_subject).
    Approving applies the change exactly as proposed — if the line is still in effect, unchanged since the
    request (R3) and the amount within its ceiling — records the CHANGED event and checks the household's
    groups again (G7). Raises ApprovalRefused (the whole decision is rolled back: nothing written).
    Refusing leaves the line as it is."""
    with scopes_disabled():
        change = LineChangeRequest.objects.filter(approval=approval).first()
        if change is None:
            raise ApprovalRefused(_("The credit line this request is about no longer exists."))
        if not approved:
            return
        line = CreditLine.objects.select_for_update().get(pk=change.line_id)  # locked already: re-read as it stands
    if line.version != change.line_version:
        raise ApprovalRefused(_stale_message())
    if line.status != LineStatus.ACTIVE:
        raise ApprovalRefused(_("Only a line in effect is changed."))
    try:
        _check_ceiling(line, change.amount_proposed)
    except LineChangeRefused as exc:
        raise ApprovalRefused(str(exc)) from None
    line.amount = change.amount_proposed
    line.version += 1
    with scopes_disabled():
        line.save(update_fields=["amount", "version"])
        # The history names the officer who proposed the change and wrote its reason; the approval (shown on the
        # line's page) names the head-office checker who agreed to it.
        CreditLineEvent.objects.create(line=line, kind=CreditLineEvent.Kind.CHANGED, amount_before=change.amount_before,
                                       amount_after=line.amount, status_after=line.status, reason=change.reason,
                                       actor_id=approval.requested_by_id)
    groups_recheck(household_ids=[line.household_id])
