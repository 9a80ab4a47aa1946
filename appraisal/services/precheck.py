"""A6: the pre-check (数据核查) of a closed panel, and the maker's request to override a removal.

`precheck_panel` runs inside `round_close` (its transaction and scope) once the Decision rows exist;
`precheck_run` runs it again for a closed panel after the loan book changed. Reads are set-based: one
query for the decisions, one for the loans of all the panel's households (and one for the drawdowns this system
disbursed that still owe principal, appraisal.facts), one for members whose ID number
is on the blacklist and one for those entries: the count does not grow with the village.
"""

from collections import defaultdict

from django.db import transaction
from django.db.models import Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import ExistingLoan, Member
from sunshine_credit.approvals import approval_request, approval_withdraw
from sunshine_credit.errors import Refusal
from sunshine_credit.models import Approval, BlacklistEntry
from sunshine_credit.scoping import Scope, activate, narrowed

from .. import rules
from ..approvals import OVERRIDE_KIND
from ..facts import own_loans
from ..models import Decision, DecisionStatus, Panel, PreCheckHit

LOAN_FIELDS = ("member__household_id", "member__name", "member__id_number", "loan_number", "amount", "balance",
               "classification", "written_off", "repaid_by_guarantor", "recovered_by_lawsuit", "as_guarantor",
               "guarantee_defaulted")


class PrecheckRefused(Refusal):
    """The pre-check or override request is refused; str() is shown. Nothing was written."""


def _facts(panel: Panel, decisions: list[Decision]) -> dict[int, rules.Facts]:
    households = Decision.objects.filter(panel=panel).values("household_id")
    loans = defaultdict(list)
    for row in (ExistingLoan.objects.filter(member__household_id__in=Subquery(households))
                .order_by("member__household_id", "member_id", "id").values(*LOAN_FIELDS)):
        loans[row["member__household_id"]].append(rules.Loan(
            member_name=row["member__name"], id_number=row["member__id_number"], loan_number=row["loan_number"],
            amount=row["amount"], balance=row["balance"], classification=row["classification"],
            **{name: row[name] for name in LOAN_FIELDS[7:]}))
    # A6 counts the bank's own loans too: drawdowns this system disbursed that still owe principal (credit_use).
    for household_id, own in own_loans([d.household_id for d in decisions]).items():
        loans[household_id] += own
    active = BlacklistEntry.objects.filter(head_office_id=panel.campaign.head_office_id, active=True)
    listed = list(Member.objects.filter(household_id__in=Subquery(households),
                                        id_number__in=Subquery(active.values("id_number")))
                  .order_by("household_id", "id").values("household_id", "name", "id_number"))
    entries = defaultdict(list)
    if listed:
        for entry in active.filter(id_number__in=[m["id_number"] for m in listed]).order_by("id"):
            entries[entry.id_number].append(entry)
    blacklist = defaultdict(list)
    for member in listed:
        blacklist[member["household_id"]] += [
            rules.BlacklistHit(member_name=member["name"], id_number=member["id_number"], reason=entry.reason,
                                  source=entry.source) for entry in entries[member["id_number"]]]
    return {d.household_id: rules.Facts(
        loans=tuple(loans[d.household_id]), blacklist=tuple(blacklist[d.household_id]),
        on_list=d.computed_status == DecisionStatus.GRANTED, computed_amount=d.computed_amount) for d in decisions}


def precheck_panel(panel: Panel, *, rerun: bool = False) -> dict[int, int]:
    """Compute the pre-check hits of the panel's households (its Decision rows), replace their PreCheckHit
    rows in the campaign and record the flags on the decisions. Call inside the panel's scope and a
    transaction. A decision whose new flags add a removing one loses an earlier override and any pending
    request for one (they were about the flags shown then) and, if it was decided as granted, its decision;
    a decision recorded as removed whose removing flags are gone is reopened too (the panel decides again).
    At closing (`rerun` False) the decisions were just written in bulk and nothing has asked for an override
    yet: the flags go in one bulk update. A re-run saves each changed decision (audited, R4). Returns
    {flag: households}."""
    decisions = list(Decision.objects.filter(panel=panel).only(
        "household_id", "computed_status", "computed_amount", "precheck_flags", "override_approved", "status",
        "version"))
    facts = _facts(panel, decisions)
    now = timezone.now()
    asked = set(Approval.objects.filter(kind=OVERRIDE_KIND, status=Approval.Status.PENDING,
                                        subject_id__in=[d.pk for d in decisions]).values_list("subject_id", flat=True)
                ) if rerun else set()
    rows, counts, changed = [], defaultdict(int), []
    for decision in decisions:
        hits = rules.precheck_hits(facts[decision.household_id])
        rows += [PreCheckHit(campaign_id=panel.campaign_id, household_id=decision.household_id, flag=hit.flag,
                             evidence=list(hit.evidence), computed_at=now) for hit in hits]
        flags = sorted(hit.flag for hit in hits)
        for flag in flags:
            counts[flag] += 1
        if flags == decision.precheck_flags:
            continue
        if rules.precheck_removes(set(flags) - set(decision.precheck_flags)):
            # An override (granted or asked for) covered the flags shown then, not these: ask again.
            decision.override_approved = False
            if decision.pk in asked:
                approval_withdraw(kind=OVERRIDE_KIND, subject_id=decision.pk,
                                  note=_("Withdrawn: the pre-check found new removing flags."))
            if decision.status == DecisionStatus.GRANTED:
                decision.status = ""
        if decision.status == DecisionStatus.REMOVED and not rules.precheck_removes(set(flags)):
            decision.status = ""  # nothing removes it any more: the panel decides again
        decision.precheck_flags = flags
        decision.version += 1
        changed.append(decision)
    PreCheckHit.objects.filter(campaign_id=panel.campaign_id,
                               household_id__in=Subquery(Decision.objects.filter(panel=panel).values("household_id"))
                               ).delete()
    PreCheckHit.objects.bulk_create(rows, batch_size=1000)
    fields = ["precheck_flags", "override_approved", "status", "version"]
    if rerun:
        for decision in changed:  # one by one, so that the audit records each change (R4)
            decision.save(update_fields=fields)
    else:
        Decision.objects.bulk_update(changed, fields, batch_size=1000)
    return dict(sorted(counts.items()))


@transaction.atomic
def precheck_run(*, scope: Scope, actor, panel_id: int) -> dict:
    """Run the pre-check again for a closed panel (not signed off) of the actor's editable villages.
    Raises Http404 outside the scope, PermissionDenied for read-only roles, PrecheckRefused otherwise."""
    scope.require_maker(_("Only loan officers and administrators do this."))
    with activate(scope):
        panel = (Panel.objects.select_for_update(of=("self",)).select_related("campaign", "village")
                 .filter(pk=panel_id, village_id__in=scope.editable_village_ids,
                         campaign__head_office_id=scope.head_office_id).first())
    if panel is None:
        raise Http404
    if panel.status != Panel.Status.CLOSED:
        raise PrecheckRefused(_("The pre-check runs again only for a closed round that is not signed off."))
    with activate(narrowed(scope, panel.village_id)):
        counts = precheck_panel(panel, rerun=True)
        flagged = Decision.objects.filter(panel=panel).exclude(precheck_flags=[]).count()
    return {"panel": panel.pk, "village": panel.village.code, "flagged": flagged, "counts": counts}


def _decision_for_override(scope: Scope, decision_id: int) -> Decision:
    decision = (Decision.objects.select_for_update(of=("self",)).select_related("panel", "household", "campaign")
                .filter(pk=decision_id, household__village_id__in=scope.editable_village_ids,
                        campaign__head_office_id=scope.head_office_id).first())
    if decision is None:
        raise Http404
    return decision


@transaction.atomic
def precheck_override_request(*, scope: Scope, actor, decision_id: int, reason: str) -> Approval:
    """A6/R2: ask a head-office supervisor to lift the pre-check removal of one household's decision.
    Raises Http404 outside the actor's editable villages, PermissionDenied for read-only roles,
    PrecheckRefused (no removal, signed off, overridden already) and ApprovalRefused (no reason, or a
    request waiting already)."""
    scope.require_maker(_("Only loan officers and administrators do this."))
    with activate(scope):
        decision = _decision_for_override(scope, decision_id)
        if decision.panel.status == Panel.Status.SIGNED:
            raise PrecheckRefused(_("The panel has signed off: its decisions no longer change."))
        if not rules.precheck_removes(decision.precheck_flags):
            raise PrecheckRefused(_("The pre-check does not remove this household: there is nothing to override."))
        if decision.override_approved:
            raise PrecheckRefused(_("The removal of this household is overridden already."))
        title = _("Pre-check override: household %(code)s, %(campaign)s") % {
            "code": decision.household.code, "campaign": decision.campaign.name}
        return approval_request(scope=scope, actor=actor, kind=OVERRIDE_KIND, subject_id=decision.pk,
                                village_id=decision.household.village_id, title=title, reason=reason)
