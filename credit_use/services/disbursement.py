"""Drawdowns after submission (SPEC §8, P6, R2): the president's approval, the pre-disbursement notice and the
teller's disbursement. Locks and refusals as in services.drawdowns, whose checks run again here: days pass
between submission, approval and disbursement.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from guarantee_groups.models import GroupMember
from publicity.models import Notice, NoticeKind
from publicity.rules import mask_name
from publicity.services import PublishRefused, notice_publish
from sunshine_credit.approvals import ApprovalRefused
from sunshine_credit.errors import RuleViolation
from sunshine_credit.lib.money import yuan
from sunshine_credit.models import Role
from sunshine_credit.scoping import Scope, activate

from ..models import Drawdown, GuaranteeKind
from ..rules import drawdowns as rules
from ..selectors.disbursement import predisbursement_notice
from ..selectors.drawdowns import holder_name
from .drawdowns import (
    DrawdownRefused,
    check_blacklist,
    check_guarantee,
    check_line,
    check_state,
    locked_drawdown,
    save_numbered,
)

# --- the president: the approval's outcome (approvals.py registers it) -------------------------------

def drawdown_decided(approval, approved: bool, *, today: datetime.date | None = None) -> None:
    """Runs in the checker's transaction and scope (approval_decide), after lock_drawdown_rows locked the line
    and the drawdown. Approving re-checks U1 and the guarantee; above the threshold it publishes the loan
    pre-disbursement notice (P6). Raises ApprovalRefused (the whole decision is rolled back)."""
    today = today or timezone.localdate()
    drawdown = (Drawdown.objects.select_for_update(of=("self",)).select_related("line", "household", "village__branch")
                .filter(pk=approval.subject_id, village_id=approval.village_id).first())
    if drawdown is None:
        raise ApprovalRefused(_("The drawdown this request is about no longer exists."))
    if drawdown.status != Drawdown.Status.SUBMITTED:
        raise ApprovalRefused(_("The drawdown changed meanwhile: this request no longer applies."))
    if approved:
        errors: list[RuleViolation] = []
        check_line(errors, drawdown, drawdown.line, today)
        parts = list(drawdown.guarantors.values_list("household_id", "amount"))
        check_guarantee(errors, drawdown, parts, today)
        check_blacklist(errors, drawdown, parts)  # C4: an entry made since the submission
        if errors:
            raise ApprovalRefused(" ".join(error.message for error in errors))
    drawdown.status = Drawdown.Status.APPROVED if approved else Drawdown.Status.REJECTED
    drawdown.decided_by_id, drawdown.decided_at = approval.decided_by_id, approval.decided_at
    drawdown.decision_note = (approval.decision_note or "")[:500]
    drawdown.version += 1
    drawdown.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "version"])
    if approved and drawdown.amount > Decimal(settings.PREDISBURSEMENT_NOTICE_THRESHOLD):
        drawdown.predisbursement_notice = predisbursement_publish(drawdown=drawdown, actor=approval.decided_by,
                                                                  today=today)
        drawdown.save(update_fields=["predisbursement_notice"])


def predisbursement_publish(*, drawdown: Drawdown, actor, today: datetime.date) -> Notice:
    """P6: the village's loan pre-disbursement notice (贷款公示) of one approved drawdown, from today, for
    PREDISBURSEMENT_NOTICE_DAYS days; its title carries the application number (how the disbursement finds
    it on the board). The borrower's name is masked unless the branch publishes full names and the household consented
    (P2); no ID or phone number."""
    branch = drawdown.village.branch
    holder = holder_name(household=drawdown.household)
    name = mask_name(holder, full=branch.publish_full_names and drawdown.household.publicity_consent)
    group = drawdown.household.group.name if drawdown.household.group_id else ""
    with translation.override(settings.LANGUAGE_CODE):  # the village reads the bank's language
        title = _("Loan pre-disbursement notice %(number)s") % {"number": drawdown.number}
        columns = [{"label": _("No."), "num": True}, {"label": _("Borrower"), "num": False},
                   {"label": _("Amount (yuan)"), "num": True}, {"label": _("Purpose"), "num": False},
                   {"label": _("Guarantee"), "num": False}]
        intro = _("The bank intends to disburse the loan below. Anyone who objects may write to the branch's risk "
                  "department during the notice period; no written objection by its end counts as no objection.")
        cells = [1, name, yuan(drawdown.amount), drawdown.purpose, str(drawdown.get_guarantee_display())]
    try:
        return notice_publish(actor=actor, kind=NoticeKind.PREDISBURSEMENT, village=drawdown.village, title=title,
                              columns=columns, rows=[(group, cells, drawdown.amount)], starts_on=today,
                              days=settings.PREDISBURSEMENT_NOTICE_DAYS, intro=intro)
    except (PublishRefused, ValueError) as exc:  # e.g. PREDISBURSEMENT_NOTICE_DAYS outside 3–5
        raise ApprovalRefused(str(exc)) from None


# --- the teller: disbursement -------------------------------------------------------------------------

@transaction.atomic
def drawdown_disburse(*, scope: Scope, actor, drawdown_id: int, settlement_account: str, core_loan_number: str,
                      today: datetime.date | None = None) -> Drawdown:
    """A teller of the branch disburses an approved drawdown: U1 again under the line's row lock, the term,
    the pre-disbursement notice (P6) ended; then the loan number (借据号) and the principal outstanding, with the
    settlement account (结算账号) and the core banking system's loan number (核心系统借据号) the teller enters
    (required; the core number unique in the head office).
    Raises Drawdown.DoesNotExist outside the scope, PermissionDenied for any role but teller, DrawdownRefused
    (its errors name the field)."""
    if scope.role != Role.TELLER:
        raise PermissionDenied(_("Only tellers disburse drawdowns."))
    today = today or timezone.localdate()
    with activate(scope):
        drawdown = locked_drawdown(scope, drawdown_id, for_edit=False)
        check_state(drawdown, status=Drawdown.Status.APPROVED)
        errors: list[RuleViolation] = []
        refs = _references(errors, drawdown, settlement_account, core_loan_number)
        check_line(errors, drawdown, drawdown.line, today, disbursing=True)
        # Days pass between approval and disbursement (the notice): the guarantee and the blacklist again (U3, C4).
        parts = list(drawdown.guarantors.values_list("household_id", "amount"))
        check_guarantee(errors, drawdown, parts, today)
        check_blacklist(errors, drawdown, parts)
        if drawdown.due_on <= today:
            errors.append(RuleViolation("U2", _("The drawdown was due on %(due)s: it can no longer be disbursed.")
                                        % {"due": drawdown.due_on.isoformat()}))
        if drawdown.amount > Decimal(settings.PREDISBURSEMENT_NOTICE_THRESHOLD):
            _check_notice(errors, drawdown, today)
        if errors:
            raise DrawdownRefused(errors)
        drawdown.status, drawdown.principal_outstanding = Drawdown.Status.DISBURSED, drawdown.amount
        drawdown.disbursed_by, drawdown.disbursed_at = actor, timezone.now()
        drawdown.settlement_account, drawdown.core_loan_number = refs
        if drawdown.guarantee == GuaranteeKind.GROUP and drawdown.group_id:  # who answers for it (U9)
            drawdown.group_members = sorted(set(GroupMember.objects.filter(group_id=drawdown.group_id, active=True)
                                                .values_list("household_id", flat=True)) - {drawdown.household_id})
        drawdown.version += 1
        save_numbered(drawdown, "loan_number", f"{drawdown.village.branch.code}{today:%Y%m%d}", width=4,
                       update_fields=["status", "principal_outstanding", "disbursed_by", "disbursed_at",
                                      "group_members", "settlement_account", "core_loan_number", "version"])
    return drawdown


def _references(errors: list, drawdown: Drawdown, settlement_account: str, core_loan_number: str):
    """The teller's settlement account and core loan number, checked (rules) and the core number not already another
    drawdown's in the head office; each error on its field."""
    try:
        account, number = rules.disbursement_references(settlement_account=settlement_account,
                                                        core_loan_number=core_loan_number)
    except RuleViolation as exc:
        errors.extend(RuleViolation(exc.code, text, field) for field, text in exc.errors)
        return "", ""
    with scopes_disabled():  # another branch's loan may hold the number: the check spans the head office
        taken = (Drawdown.objects.filter(head_office_id=drawdown.head_office_id, core_loan_number=number)
                 .exclude(pk=drawdown.pk).exists())
        if taken:
            errors.append(RuleViolation("disbursement", _("The core banking loan number %(number)s is already "
                                                          "recorded for another drawdown.") % {"number": number},
                                        "core_loan_number"))
    return account, number


def _check_notice(errors: list, drawdown: Drawdown, today) -> None:
    """P6: above the threshold, the loan is disbursed only after its pre-disbursement notice ended (written
    objections go to the risk department; silence counts as no objection)."""
    notice = predisbursement_notice(drawdown=drawdown)
    if notice is None:
        errors.append(RuleViolation("P6", _("Above %(limit)s yuan the loan's pre-disbursement notice must be "
                                            "published first; none was found.")
                                    % {"limit": yuan(Decimal(settings.PREDISBURSEMENT_NOTICE_THRESHOLD))}))
    elif notice.status != Notice.Status.PUBLISHED:  # never printed, so never posted in the village
        errors.append(RuleViolation("P6", _("The pre-disbursement notice has not been printed and posted yet: print "
                                            "it (publicity) and disburse after its notice period.")))
    elif today <= notice.ends_on:
        errors.append(RuleViolation("P6", _("The pre-disbursement notice runs until %(end)s: disburse from %(next)s.")
                                    % {"end": notice.ends_on.isoformat(),
                                       "next": (notice.ends_on + datetime.timedelta(days=1)).isoformat()}))
