"""U9: an overdue drawdown, or quarterly interest unpaid a month past its date, revokes credit.

Seed 000 §六: "在用信过程中发生贷款逾期、按季结息过月的将取消本人和担保人的授信资格，并书面在所在村进行公示，
必要的采取法律手段". The daily system job `overdue_sweep` (Celery beat "overdue-sweep") finds:
- cause "overdue": a disbursed drawdown past its due date with principal outstanding;
- cause "interest": a drawdown whose interest for a settlement date is unpaid (interest_paid_until before that
  date) and the date + 1 calendar month is before today. For a disbursed drawdown only the quarterly dates
  before maturity count (at maturity, the overdue cause applies); for a repaid one, also its last date (the
  interest left when the principal was repaid).
For each drawdown and cause, once, in one transaction (the drawdown row locked first):
- `overdue_since` is set to the first day overdue (the day after the due date; cause "overdue");
- the ACTIVE lines of the borrower and of all its guarantors are revoked — the named guarantors
  (DrawdownGuarantor) or, for a group-guaranteed drawdown, the other active members of the group — each with
  a CreditLineEvent "revoked" by the system (actor None) whose reason names the application, loan no. and cause;
- a RevocationCase records the lines, marked for legal action;
- the village's revocation notice lists the revoked households (masked names, P2) — published in the name of
  the drawdown's `created_by`, the loan officer in charge of it (a notice needs a publisher; the job acts
  for nobody) — and is linked on the case; no notice when there was no line left to revoke;
- the joint-guarantee groups of the households are checked again (G7).
Idempotent: a drawdown with a case for the cause is not picked again, and the unique constraint
(drawdown, cause) holds it in the database when two runs overlap: running twice gives one case, one set of
events and one notice. The job acts for no user: it runs under `scopes_disabled()`, and every query names the
drawdown it works on.

A case is reversed through maker-checker (R2): `revocation_reversal_request`, then the checker's decision
(`revocation_reversal_decided`), below.
"""

import datetime
import logging
from collections import Counter

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from guarantee_groups.models import GroupMember
from guarantee_groups.services import groups_recheck
from households.models import Household, Member, Relation
from publicity.models import NoticeKind
from publicity.rules import mask_name
from publicity.services import PublishRefused, notice_publish
from sunshine_credit.approvals import ApprovalRefused, approval_request
from sunshine_credit.lib.money import yuan
from sunshine_credit.models import Approval
from sunshine_credit.scoping import Scope, activate

from ..models import CreditLine, CreditLineEvent, Drawdown, GuaranteeKind, LineStatus, Repayment, RevocationCase
from ..rules import interest as rules_interest
from ..selectors.repayments import disbursed_on

logger = logging.getLogger(__name__)

Cause = RevocationCase.Cause
NOTICE_DAYS = 7  # the revocation notice stays on the village's board a week (settings.REVOCATION_NOTICE_DAYS)
COUNTS = ("overdue", "interest", "cases", "lines_revoked", "notices", "failed")


def overdue_sweep(*, today: datetime.date | None = None) -> dict:
    """U9 over the whole database. Returns counts: cases opened per cause ("overdue", "interest"), "cases",
    "lines_revoked", "notices" published, "failed" (rolled back, logged, tried again next run)."""
    today = today or timezone.localdate()
    totals = Counter({key: 0 for key in COUNTS})
    with scopes_disabled():
        found = [(pk, Cause.OVERDUE, None) for pk in overdue_found(today=today)]
        found += [(pk, Cause.INTEREST, settle_on) for pk, settle_on in interest_found(today=today)]
        for drawdown_id, cause, settle_on in found:
            try:
                case = revocation_open(drawdown_id=drawdown_id, cause=cause, today=today, settle_on=settle_on)
            except (DatabaseError, PublishRefused):  # IntegrityError, a deadlock: this one again next run
                logger.exception("revocation of drawdown %s (%s) not recorded; will retry", drawdown_id, cause)
                totals["failed"] += 1
                continue
            if case is not None:
                totals.update({cause: 1, "cases": 1, "lines_revoked": case.revoked_now,
                               "notices": 1 if case.notice_id else 0})
    logger.info("overdue sweep: %s", dict(totals))
    return dict(totals)


def _without_case(cause: str):
    return ~Exists(RevocationCase.objects.filter(drawdown=OuterRef("pk"), cause=cause))


def _is_overdue(drawdown: Drawdown, today: datetime.date) -> bool:
    return (drawdown.status == Drawdown.Status.DISBURSED and drawdown.due_on < today
            and drawdown.principal_outstanding > 0)


def overdue_found(*, today: datetime.date) -> list[int]:
    """Disbursed drawdowns past their due date with principal outstanding and no overdue case yet."""
    return list(Drawdown.objects.filter(status=Drawdown.Status.DISBURSED, due_on__lt=today,
                                        principal_outstanding__gt=0)
                .filter(_without_case(Cause.OVERDUE)).order_by("pk").values_list("pk", flat=True))


def _late_settlement(drawdown: Drawdown, paid_off_on: datetime.date | None, today: datetime.date):
    start = disbursed_on(drawdown)
    if drawdown.status == Drawdown.Status.REPAID:
        dates = rules_interest.settlement_dates(start, rules_interest.schedule_end(due_on=drawdown.due_on,
                                                                                   paid_off_on=paid_off_on))
    else:  # the maturity date is the overdue cause's
        dates = [d for d in rules_interest.settlement_dates(start, drawdown.due_on) if d < drawdown.due_on]
    return rules_interest.interest_unpaid_late(settle_dates=dates, paid_until=drawdown.interest_paid_until,
                                               today=today)


def interest_found(*, today: datetime.date) -> list[tuple[int, datetime.date]]:
    """(drawdown id, the settlement date unpaid a month past) of drawdowns without an interest case yet.
    The database narrows them down (interest unpaid since more than 28 days); the dates are Python's."""
    recent = today - datetime.timedelta(days=28)  # a date more than one calendar month ago is before this
    candidates = (Drawdown.objects.filter(status__in=[Drawdown.Status.DISBURSED, Drawdown.Status.REPAID],
                                          disbursed_at__isnull=False)
                  .filter(Q(interest_paid_until__isnull=True) | Q(interest_paid_until__lt=recent))
                  .filter(_without_case(Cause.INTEREST))
                  .annotate(paid_off_on=Max("repayments__paid_on",
                                            filter=Q(repayments__kind=Repayment.Kind.PRINCIPAL)))
                  .filter(Q(status=Drawdown.Status.DISBURSED) | Q(interest_paid_until__isnull=True)
                          | Q(interest_paid_until__lt=F("paid_off_on")))
                  .order_by("pk"))
    found = []
    for drawdown in candidates:
        settle_on = _late_settlement(drawdown, drawdown.paid_off_on, today)
        if settle_on is not None:
            found.append((drawdown.pk, settle_on))
    return found


def guarantor_households(drawdown: Drawdown) -> list[int]:
    """The named guarantors, or for a group-guaranteed drawdown the group's other members as they were when it
    was disbursed (a member who joined later never backed it; one who left is still bound), else its active
    members."""
    if drawdown.guarantee == GuaranteeKind.GROUP and drawdown.group_members:
        ids = drawdown.group_members
    elif drawdown.guarantee == GuaranteeKind.GROUP and drawdown.group_id:
        ids = GroupMember.objects.filter(group_id=drawdown.group_id, active=True).values_list("household_id",
                                                                                                flat=True)
    else:
        ids = drawdown.guarantors.values_list("household_id", flat=True)
    return sorted(set(ids) - {drawdown.household_id})


@transaction.atomic
def revocation_open(*, drawdown_id: int, cause: str, today: datetime.date,
                    settle_on: datetime.date | None = None) -> RevocationCase | None:
    """U9 for one drawdown and cause, in one transaction; None when there is nothing (left) to do. Call under
    scopes_disabled(). Raises IntegrityError (all rolled back) when another run opened the case meanwhile."""
    drawdown = (Drawdown.objects.select_for_update(of=("self",)).select_related("village__branch", "created_by")
                .filter(pk=drawdown_id).first())
    if drawdown is None or RevocationCase.objects.filter(drawdown=drawdown, cause=cause).exists():
        return None
    if cause == Cause.OVERDUE and not _is_overdue(drawdown, today):
        return None  # repaid between the search and the lock
    if cause == Cause.INTEREST and drawdown.interest_paid_until is not None and settle_on is not None \
            and drawdown.interest_paid_until >= settle_on:
        return None
    households = [drawdown.household_id, *guarantor_households(drawdown)]
    lines = list(CreditLine.objects.select_for_update().filter(household_id__in=households, status=LineStatus.ACTIVE)
                 .order_by("pk"))  # lines in pk order, as the drawdown services lock them
    case = RevocationCase.objects.create(head_office_id=drawdown.head_office_id, village_id=drawdown.village_id,
                                         drawdown=drawdown, cause=cause, found_on=today, legal_action=True)
    with translation.override(settings.LANGUAGE_CODE):  # the record and the board speak the bank's language
        reason = _("%(cause)s: application %(number)s, loan no. %(loan)s") % {
            "cause": case.get_cause_display(), "number": drawdown.number, "loan": drawdown.loan_number or "—"}
    for line in lines:
        line.status = LineStatus.REVOKED
        line.version += 1
        line.save(update_fields=["status", "version"])  # through the ORM: the audit log records it (R4)
        CreditLineEvent.objects.create(line=line, kind=CreditLineEvent.Kind.REVOKED, amount_before=line.amount,
                                       amount_after=line.amount, status_after=LineStatus.REVOKED,
                                       reason=reason[:500], actor=None)
    # Lines another active case revoked already are recorded on this one too: reversing either case alone
    # does not restore a line the other still holds.
    held = list(CreditLine.objects.filter(household_id__in=households, status=LineStatus.REVOKED,
                                          revocations__status=RevocationCase.Status.ACTIVE).distinct())
    case.lines.set([*lines, *held])
    case.revoked_now = len(lines)
    if cause == Cause.OVERDUE:
        drawdown.overdue_since = drawdown.due_on + datetime.timedelta(days=1)
        drawdown.version += 1
        drawdown.save(update_fields=["overdue_since", "version"])
    if lines:
        case.notice = _publish_notice(drawdown, case, lines, today=today, settle_on=settle_on)
        case.save(update_fields=["notice"])
    groups_recheck(household_ids=households)  # G7: a member's line was revoked
    return case


def _publish_notice(drawdown: Drawdown, case: RevocationCase, lines: list[CreditLine], *, today: datetime.date,
                    settle_on: datetime.date | None):
    """The village's revocation notice: one row per revoked line, by villagers' group (P2: masked names)."""
    branch = drawdown.village.branch
    household_ids = {line.household_id for line in lines}
    names = dict(Member.objects.filter(household_id__in=household_ids, relation=Relation.HEAD)
                 .values_list("household_id", "name"))
    consented = set(Household.objects.filter(pk__in=household_ids, publicity_consent=True)
                    .values_list("pk", flat=True))  # full names only with consent (P2)
    groups = dict(CreditLine.objects.filter(pk__in=[line.pk for line in lines])
                  .values_list("pk", "household__group__name"))
    # By villagers' group (the board groups consecutive rows), households without one last.
    ordered = sorted(lines, key=lambda line: (not groups.get(line.pk), groups.get(line.pk) or "", line.household_id))
    rows = [(groups.get(line.pk) or "", [n, mask_name(names.get(line.household_id, ""),
                                                      full=branch.publish_full_names and line.household_id in consented), yuan(line.amount)],
             line.amount) for n, line in enumerate(ordered, start=1)]
    with translation.override(settings.LANGUAGE_CODE):
        columns = [{"label": _("No."), "num": True}, {"label": _("Name"), "num": False},
                   {"label": _("Credit line revoked (yuan)"), "num": True}]
        if case.cause == Cause.OVERDUE:
            intro = _("Loan no. %(loan)s was not repaid by its due date %(due)s. Under the Sunshine Credit rules the "
                      "credit of the borrower and of its guarantors listed below is revoked, and the bank will take "
                      "legal action where necessary.") % {"loan": drawdown.loan_number or drawdown.number,
                                                          "due": drawdown.due_on.isoformat()}
        else:
            intro = _("The interest of loan no. %(loan)s due on %(date)s is unpaid more than a month past its date. "
                      "Under the Sunshine Credit rules the credit of the borrower and of its guarantors listed below "
                      "is revoked, and the bank will take legal action where necessary.") % {
                "loan": drawdown.loan_number or drawdown.number, "date": settle_on.isoformat() if settle_on else ""}
        title = _("Credit-revocation notice")
    return notice_publish(actor=drawdown.created_by, kind=NoticeKind.REVOCATION, village=drawdown.village,
                          title=title, columns=columns, rows=rows, starts_on=today,
                          days=getattr(settings, "REVOCATION_NOTICE_DAYS", NOTICE_DAYS), intro=intro)


# --- reversing a case (maker-checker, R2: approvals.py registers the kind) -----------------------------------
# The loan officer of the village (or an administrator) asks, with a written reason, that a case be reversed —
# the loan was repaid, the interest settled, the case was opened in error. The branch president (the checker of
# the branch's credit decisions, who approves its drawdowns) or an administrator decides; never the requester
# (O3). Head-office supervisors read the cases but enter no data (SPEC §1), so they do not decide.
#
# Approving restores every line of the case that is still revoked — back to ACTIVE with a "restored" event by
# the checker — unless its term has ended meanwhile (then it becomes EXPIRED, with an "expired" event) or another
# revocation case still in force holds it; the case becomes REVERSED with `reversed_at`, and the households'
# joint-guarantee groups are checked again (G7). The legal-action mark stays as recorded: whether to drop legal
# action is the bank's decision, not this one. Refusing changes nothing.

REVERSAL_KIND = "revocation_reversal"  # sunshine_credit.approvals key (approvals.py registers it)


def may_request(scope: Scope, case: RevocationCase) -> bool:
    return scope.is_maker and scope.can_edit_village(case.village_id) and case.status == RevocationCase.Status.ACTIVE


@transaction.atomic
def revocation_reversal_request(*, scope: Scope, actor, case_id: int, reason: str) -> Approval:
    """Ask for the reversal of a revocation case. Raises Http404 outside the scope (R1), PermissionDenied for
    roles that do not make requests, ApprovalRefused (reversed already, no reason, a request waiting)."""
    with activate(scope):
        case = (RevocationCase.objects.select_for_update(of=("self",)).select_related("drawdown")
                .filter(pk=case_id, head_office_id=scope.head_office_id, village_id__in=scope.village_ids).first())
        if case is None:
            raise Http404
        scope.require_maker(_("Only the loan officer of the village asks for a reversal."), village_id=case.village_id)
        if case.status != RevocationCase.Status.ACTIVE:
            raise ApprovalRefused(_("This revocation was reversed already."))
        title = _("Reversal of a credit revocation: application %(number)s (%(cause)s)") % {
            "number": case.drawdown.number, "cause": case.get_cause_display()}
        return approval_request(scope=scope, actor=actor, kind=REVERSAL_KIND, subject_id=case.pk,
                                village_id=case.village_id, title=title, reason=reason)


def revocation_reversal_decided(approval, approved: bool) -> None:
    """Runs in the checker's transaction and scope (approval_decide), after the case's row was locked
    (lock_subject). Approving restores the case's lines (see below); raises ApprovalRefused (nothing written)."""
    if not approved:
        return
    case = (RevocationCase.objects.select_for_update()
            .filter(pk=approval.subject_id, village_id=approval.village_id).first())
    if case is None:
        raise ApprovalRefused(_("The revocation this request is about no longer exists."))
    if case.status != RevocationCase.Status.ACTIVE:
        raise ApprovalRefused(_("This revocation was reversed already."))
    today = timezone.localdate()
    reason = _("Revocation reversed (request %(id)d)") % {"id": approval.pk}
    # The case names its lines; a guarantor's line may lie in a village outside the checker's scope.
    with scopes_disabled():
        lines = list(CreditLine.objects.select_for_update(of=("self",)).filter(revocations=case).order_by("pk"))
        held = set(RevocationCase.lines.through.objects
                   .filter(creditline_id__in=[line.pk for line in lines],
                           revocationcase__status=RevocationCase.Status.ACTIVE)
                   .exclude(revocationcase_id=case.pk).values_list("creditline_id", flat=True))
        for line in lines:
            if line.status != LineStatus.REVOKED or line.pk in held:
                continue
            ended = line.expires_on < today
            line.status = LineStatus.EXPIRED if ended else LineStatus.ACTIVE
            line.version += 1
            line.save(update_fields=["status", "version"])
            CreditLineEvent.objects.create(
                line=line, kind=CreditLineEvent.Kind.EXPIRED if ended else CreditLineEvent.Kind.RESTORED,
                amount_before=line.amount, amount_after=line.amount, status_after=line.status,
                reason=reason, actor=approval.decided_by)
        case.status, case.reversed_at = RevocationCase.Status.REVERSED, timezone.now()
        case.save(update_fields=["status", "reversed_at"])
        groups_recheck(household_ids={line.household_id for line in lines})
