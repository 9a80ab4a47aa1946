"""A7/L6: the panel's decisions on a closed round, the escalation of amounts above the branch's authority,
and the members' sign-off.

Makers (loan officers of the village, administrators) decide: all undecided households at once ("accept
the computed results") or one household at a time with the version the page showed (R3). Changing the
computed result needs a written reason; a household the pre-check removes can only be "removed"; once
every seat has signed off the panel is SIGNED and its decisions are frozen. A decision that changes after
some members signed off voids their sign-offs: they signed other decisions, and sign again.

L6: a granted amount above the branch's approval authority files a `limit_escalation` approval for the
head office (appraisal.approvals) and marks the decision "pending". When the decision changes
again, a pending request no longer describes it: it is withdrawn — marked refused by the acting maker with
a system note, so that the inbox history keeps it — and a new one is filed if the new amount still needs
it. An approved escalation survives re-saving the same status and amount.
"""

from decimal import Decimal

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from households.rules import ineligibility_text
from households.selectors import households_ineligibility
from sunshine_credit.approvals import approval_request, approval_withdraw
from sunshine_credit.errors import Refusal, RuleViolation, Stale
from sunshine_credit.lib.money import yuan
from sunshine_credit.scoping import Scope, activate, narrowed

from .. import rules
from ..approvals import ESCALATION_KIND
from ..models import Decision, DecisionStatus, Escalation, Panel, PanelMember, SignOff
from ..selectors import panel_scope, seat_or_404

CHECKED_FIELDS = ("status", "change_reason", "escalation")  # the amount is checked by check_choice


class DecisionRefused(Refusal):
    """The decision or sign-off breaks a rule; str() is shown. Nothing was written."""


def _locked_panel(scope: Scope, panel_id: int) -> Panel:
    """The panel of the actor's editable villages, locked: decisions and sign-offs of one panel queue up."""
    panel = (Panel.objects.select_for_update(of=("self",)).select_related("campaign", "village__branch")
             .filter(pk=panel_id, village_id__in=scope.editable_village_ids,
                     campaign__head_office_id=scope.head_office_id).first())
    if panel is None:
        raise Http404
    return panel


def _require_open_for_decisions(panel: Panel) -> None:
    if panel.status == Panel.Status.SIGNED:
        raise DecisionRefused(_("The panel has signed off: its decisions no longer change."))
    if panel.status != Panel.Status.CLOSED:
        raise DecisionRefused(_("Decisions are taken once the round is closed."))


def effective_computed(decision: Decision) -> tuple[str, Decimal | None]:
    """What accepting the computed result gives: removed when the pre-check removes the household."""
    if decision.removed_by_precheck:
        return DecisionStatus.REMOVED, None
    if decision.computed_status == DecisionStatus.GRANTED:
        return DecisionStatus.GRANTED, decision.computed_amount
    return decision.computed_status, None


def check_choice(decision: Decision, *, status: str, amount: Decimal | None, reason: str) -> Decimal | None:
    """A6/A7 on one household's decision; returns the amount to store. Raises DecisionRefused."""
    computed_status, computed_amount = effective_computed(decision)
    if status == DecisionStatus.GRANTED:
        ineligible = households_ineligibility(household_ids=[decision.household_id]).get(decision.household_id)
        if ineligible is not None:  # issue 15: no door proposes a blacklisted or un-archived household
            raise DecisionRefused(ineligibility_text(ineligible))
    if decision.removed_by_precheck and status != DecisionStatus.REMOVED:
        raise DecisionRefused(_("The pre-check removes this household: it can only be decided as removed."),
                              field="status")
    if status == DecisionStatus.REMOVED and not decision.removed_by_precheck:
        raise DecisionRefused(_("Only a household the pre-check removes can be decided as removed."), field="status")
    if status == DecisionStatus.GRANTED and amount is None:
        raise DecisionRefused(_("Enter the amount granted."), field="amount")
    if status != DecisionStatus.GRANTED:
        amount = None
    try:
        rules.check_decision(computed_amount=computed_amount, amount=amount, reason=reason)
    except RuleViolation as exc:
        raise DecisionRefused(str(exc), field=exc.code) from None  # the rule names the field
    if status != computed_status and not reason.strip():
        raise DecisionRefused(_("Changing the computed result needs a written reason."), field="reason")
    return amount


def _escalate(scope: Scope, actor, decision: Decision, *, changed: bool) -> None:
    """L6: keep the decision's escalation and its pending approval in step with the decided amount."""
    authority = decision.panel.village.branch.approval_authority
    needed = decision.status == DecisionStatus.GRANTED and rules.needs_escalation(decision.amount, authority)
    if needed and not changed and decision.escalation in (Escalation.PENDING, Escalation.APPROVED):
        return
    approval_withdraw(kind=ESCALATION_KIND, subject_id=decision.pk,
                      note=_("Withdrawn: the panel changed the decision."))
    if not needed:
        decision.escalation = Escalation.NOT_NEEDED
        return
    title = _("Limit above the branch's authority: household %(code)s, %(amount)s yuan, %(campaign)s") % {
        "code": decision.household.code, "amount": yuan(decision.amount), "campaign": decision.campaign.name}
    reason = _("The panel decided %(amount)s yuan; the branch's authority is %(authority)s yuan.") % {
        "amount": yuan(decision.amount), "authority": yuan(authority)}
    if decision.change_reason:
        reason = f"{reason}\n{decision.change_reason}"
    approval_request(scope=scope, actor=actor, kind=ESCALATION_KIND, subject_id=decision.pk,
                     village_id=decision.household.village_id, title=title, reason=reason)
    decision.escalation = Escalation.PENDING


def _record(scope: Scope, actor, decision: Decision, *, status: str, amount, reason: str) -> None:
    changed = (decision.status, decision.amount) != (status, amount)
    if changed:
        # Members who signed off signed other decisions than these: they sign again (the audit keeps the old).
        for sign_off in SignOff.objects.filter(panel_id=decision.panel_id):
            sign_off.delete()
    decision.status, decision.amount, decision.change_reason = status, amount, reason.strip()
    decision.decided_by, decision.decided_at = actor, timezone.now()
    _escalate(scope, actor, decision, changed=changed)
    decision.version += 1
    decision.clean_fields(exclude=[f.name for f in Decision._meta.fields if f.name not in CHECKED_FIELDS])
    decision.save(update_fields=[*CHECKED_FIELDS, "amount", "decided_by", "decided_at", "version"])


def _decisions(panel: Panel):
    return (Decision.objects.select_for_update(of=("self",)).filter(panel=panel)
            .select_related("household", "campaign").order_by("household__code"))


@transaction.atomic
def decisions_accept_computed(*, scope: Scope, actor, panel_id: int) -> int:
    """A7 (a): every undecided household takes its computed result (removed when the pre-check removes it).
    Raises Http404 outside the actor's editable villages, PermissionDenied for read-only roles,
    DecisionRefused when the panel is not closed or signed off. Returns the number decided."""
    scope.require_maker(_("Only loan officers and administrators decide."))
    with activate(scope):
        panel = _locked_panel(scope, panel_id)
    _require_open_for_decisions(panel)
    with activate(narrowed(scope, panel.village_id)) as local:
        undecided = list(_decisions(panel).filter(status=""))
        for decision in undecided:
            decision.panel = panel
            status, amount = effective_computed(decision)
            _record(local, actor, decision, status=status, amount=amount, reason="")
    return len(undecided)


@transaction.atomic
def decision_set(*, scope: Scope, actor, decision_id: int, version: int, status: str, amount: Decimal | None,
                 reason: str) -> Decision:
    """A7 (b): one household's decision, saved only if nobody changed it since `version` (R3).
    Raises Http404 outside the actor's editable villages, PermissionDenied for read-only roles, Stale,
    DecisionRefused (rules, frozen panel) and ApprovalRefused (the escalation request)."""
    scope.require_maker(_("Only loan officers and administrators decide."))
    if status not in DecisionStatus.values:
        raise DecisionRefused(_("Choose a decision."), field="status")
    with activate(scope):
        panel_id = (Decision.objects.filter(pk=decision_id, household__village_id__in=scope.editable_village_ids)
                    .values_list("panel_id", flat=True).first())
        if panel_id is None:
            raise Http404
        panel = _locked_panel(scope, panel_id)
    _require_open_for_decisions(panel)
    with activate(narrowed(scope, panel.village_id)) as local:
        decision = _decisions(panel).get(pk=decision_id)
        decision.panel = panel
        if decision.version != version:
            raise Stale(_("This decision was changed by someone else meanwhile. Reload the page."))
        amount = check_choice(decision, status=status, amount=amount, reason=reason)
        _record(local, actor, decision, status=status, amount=amount, reason=reason)
    return decision


# --- sign-off --------------------------------------------------------------------------------------------

def _sign(panel: Panel, member: PanelMember, actor, *, on_paper: bool) -> SignOff:
    if panel.status == Panel.Status.SIGNED:
        raise DecisionRefused(_("The panel has signed off already."))
    if panel.status != Panel.Status.CLOSED:
        raise DecisionRefused(_("Members sign off once the round is closed and every household is decided."))
    if Decision.objects.filter(panel=panel, status="").exists():
        raise DecisionRefused(_("Every household must be decided before the members sign off."))
    if SignOff.objects.filter(panel=panel, member=member).exists():
        raise DecisionRefused(_("This member has signed off already."))
    sign_off = SignOff.objects.create(panel=panel, member=member, on_paper=on_paper, recorded_by=actor)
    if SignOff.objects.filter(panel=panel).count() >= PanelMember.objects.filter(panel=panel).count():
        panel.status, panel.signed_at = Panel.Status.SIGNED, timezone.now()
        panel.version += 1
        panel.save(update_fields=["status", "signed_at", "version"])
    return sign_off


@transaction.atomic
def sign_off_seat(*, actor, panel_id: int) -> SignOff:
    """A7: a seated reviewer signs off in the app, from their own seat. Raises Http404 when the actor does
    not sit on the panel, DecisionRefused when signing is not possible (yet)."""
    seat = seat_or_404(actor, panel_id)
    with activate(panel_scope(seat.panel, user_id=actor.pk)):
        panel = Panel.objects.select_for_update().get(pk=seat.panel_id)
        return _sign(panel, seat, actor, on_paper=False)


@transaction.atomic
def sign_off_record_paper(*, scope: Scope, actor, panel_id: int, member_id: int) -> SignOff:
    """A7: the officer records that a member signed the paper sheet. Raises Http404 outside the actor's
    editable villages (or for a member of another panel), PermissionDenied, DecisionRefused."""
    scope.require_maker(_("Only loan officers and administrators decide."))
    with activate(scope):
        panel = _locked_panel(scope, panel_id)
        member = PanelMember.objects.filter(panel=panel, pk=member_id).first()
        if member is None:
            raise Http404
        return _sign(panel, member, actor, on_paper=True)
