"""The demo's post-loan book (SPEC §9, issue 16), so that `make run` shows every post-loan list with rows.

西河村 (BR01V02, officer1): its credit lines are in effect (publicity.py). Eight loans, due relative to the day of
seeding:
- due in 10 and in 25 days (the 30-day call list; the 14-day maturity notice): made through credit_use's services —
  applied and submitted by officer1, approved by president1, disbursed by teller1 — with named guarantors;
- overdue 1 day (guaranteed by a joint-guarantee group: the overdue notices go to the borrower and each member),
  about 84 days (the lawyer's letter is due; not yet three months), 100 days (a case to classify; 次级) and 300 days
  (可疑; classified as hardship, with an instalment plan waiting for president1), repaid on time and repaid late
  (the repayment rate, its grace ended: both figures defined). These are written straight to the tables with consistent fields (status, loan number,
  disbursement, principal outstanding, guarantors or group members, repayments): the services date everything
  today — a drawdown is applied for on or after its line took effect (yesterday, publicity.py) and never disbursed
  on or after its due date — so a loan a year old cannot be made through them.

Then the letters of past days (each overdue notice on its loan's first day overdue, each lawyer's letter on its day,
delivered two days later against a signed receipt) and `postloan_daily` for today: visits, messages, letters, cases, risk grades. On top, what the people did: a visit
signed on the screen by both sides, a reminder call, a signed letter receipt, a promise in a case's log, a pending
instalment plan and a pending grade change (president1's approvals inbox), and two blacklist entries — one settled
with its erase date, one with a removal request waiting.

Idempotent like the rest of the demo: each loan is found by its core banking loan number, each action by what it
left; a second run the same day creates nothing (the daily job is idempotent too).
"""

import base64
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled
from PIL import Image, ImageDraw

from credit_use.models import CreditLine, Drawdown, DrawdownGuarantor, GuaranteeKind, Repayment
from credit_use.rules.drawdowns import DOCUMENTS
from credit_use.services import disbursement
from credit_use.services import drawdowns as drawdown_services
from guarantee_groups.models import GroupMember, GuaranteeGroup
from households.models import Household
from post_loan.models import (
    CollectionCase,
    CollectionEntry,
    Grade,
    GradeChange,
    Letter,
    ReminderCall,
    Visit,
)
from post_loan.rules.collection import Instalment
from post_loan.rules.letters import first_day_overdue, lawyer_letter_on, three_months_overdue_on
from post_loan.services import blacklist as blacklist_services
from post_loan.services import classification as classification_services
from post_loan.services import collection as collection_services
from post_loan.services import letters as letter_services
from post_loan.services import reminders as reminder_services
from post_loan.services import visits as visit_services
from post_loan.services.daily import postloan_daily
from sunshine_credit.approvals import approval_decide
from sunshine_credit.models import Approval, BlacklistEntry
from sunshine_credit.scoping import scope_for_profile

VILLAGE = "BR01V02"
PREFIX = "PLDEMO"
SETTLEMENT_ACCOUNT = "6228480012300000001"
RATE = Decimal("0.0650")
DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Loan:
    key: str              # the core banking loan number's tail: how a second run finds the loan
    borrower: str         # household code's tail (BR01V02-D…)
    amount: int
    due_in: int           # days from today (negative: in the past)
    term: int = 180       # days from application to the due date
    guarantors: tuple[str, ...] = ()
    group: bool = False
    repaid_after: int | None = None  # repaid: days after the due date (negative: before it)
    purpose: str = "种植"


# The two loans still to fall due go through the services; the others are back-dated rows.
UPCOMING = (Loan("01", "D002", 20000, 10, guarantors=("D003",), purpose="购买化肥种子"),
            Loan("02", "D007", 15000, 25, guarantors=("D012",), purpose="生猪养殖"))


def _lawyer_days(today: datetime.date) -> int:
    """The fewest days overdue on which the lawyer's letter is due today (about 83–86: a week before three months)."""
    return next(days for days in range(80, 100) if lawyer_letter_on(today - days * DAY) <= today)


def _back_dated(today: datetime.date) -> tuple[Loan, ...]:
    return (Loan("03", "D008", 30000, -1, group=True, purpose="大棚蔬菜"),
            Loan("04", "D003", 25000, -_lawyer_days(today), guarantors=("D005",), purpose="农机购置"),
            Loan("05", "D005", 40000, -100, guarantors=("D010",), purpose="养牛"),
            Loan("06", "D009", 12000, -300, term=300, guarantors=("D002",), purpose="果园管护"),
            Loan("07", "D010", 20000, -40, repaid_after=-5, purpose="种植"),
            Loan("08", "D012", 18000, -120, repaid_after=20, purpose="小卖部进货"))


def seed_post_loan(office, users: dict) -> dict:
    """Create what is missing of the post-loan book; returns {"post_loan": rows created}."""
    today = timezone.localdate()
    officer = users["officer1"]
    homes = {h.code.rsplit("-", 1)[1]: h for h in Household.objects.filter(village__code=VILLAGE)}
    lines = {line.household_id: line for line in CreditLine.objects.filter(village__code=VILLAGE, campaign__code="2026A")}
    made = 0
    loans = {}
    for spec in UPCOMING:
        loans[spec.key], new = _upcoming(spec, users, homes, lines, today)
        made += new
    group = _group(office, homes, officer)
    for spec in _back_dated(today):
        loans[spec.key], new = _raw(spec, office, users, homes, lines, group, today)
        made += new
    if made:  # the loans are new: their history, once
        with scopes_disabled():
            _letters_of_past_days(loans, today)
            collection_services.open_cases(today=today)  # (the daily job's step 3) so that receipts reach the cases
        _deliver_past_letters(officer, today)
    # U9's revocation sweep is left to beat (01:30): run here, it would revoke the lines of nearly every household
    # of 西河村 (borrowers and guarantors of the overdue loans), and the demo's groups and drawdowns need them.
    postloan_daily(today=today)
    made += _actions(users, loans, today)
    made += _blacklist(office, users, today)
    return {"post_loan": made}


# --- the loans ---------------------------------------------------------------------------------------------

def _existing(key: str) -> Drawdown | None:
    return Drawdown.objects.filter(core_loan_number=f"{PREFIX}{key}").first()


def _upcoming(spec: Loan, users, homes, lines, today) -> tuple[Drawdown, bool]:
    """Applied and submitted by officer1, approved by president1, disbursed by teller1: the services' own path."""
    found = _existing(spec.key)
    if found is not None:
        return found, False
    officer, borrower = users["officer1"], homes[spec.borrower]
    scope = scope_for_profile(officer.staff_profile)
    data = drawdown_services.DrawdownInput(
        amount=Decimal(spec.amount), purpose=spec.purpose, applied_on=today, due_on=today + spec.due_in * DAY,
        annual_rate=RATE, guarantee=GuaranteeKind.GUARANTORS,
        guarantors=tuple((homes[code].code, None) for code in spec.guarantors), documents=tuple(DOCUMENTS),
        investigated_on=today, investigation="入户调查：家庭经营正常，收入稳定，用途真实。")
    drawdown = drawdown_services.drawdown_create(scope=scope, actor=officer, line_id=lines[borrower.pk].pk, data=data)
    drawdown = drawdown_services.drawdown_submit(scope=scope, actor=officer, drawdown_id=drawdown.pk,
                                                 version=drawdown.version, opinion="同意发放")
    president = users["president1"]
    approval = Approval.objects.get(kind__in=drawdown_services.DRAWDOWN_KINDS, subject_id=drawdown.pk,
                                    status=Approval.Status.PENDING)
    approval_decide(scope=scope_for_profile(president.staff_profile), actor=president, approval_id=approval.pk,
                    approve=True, note="同意")
    teller = users["teller1"]
    return disbursement.drawdown_disburse(scope=scope_for_profile(teller.staff_profile), actor=teller,
                                          drawdown_id=drawdown.pk, settlement_account=SETTLEMENT_ACCOUNT,
                                          core_loan_number=f"{PREFIX}{spec.key}"), True


def _group(office, homes, officer) -> GuaranteeGroup:
    """西河村's joint-guarantee group 1 (D008 leading, D009, D010), which guarantees the loan overdue one day."""
    members = [homes[code] for code in ("D008", "D009", "D010")]
    group, new = GuaranteeGroup.objects.get_or_create(village=members[0].village, number=1, defaults={
        "head_office": office, "name": "西河1组", "leader": members[0], "created_by": officer,
        "checked_at": timezone.now()})
    if new:
        for home in members:
            GroupMember.objects.create(group=group, household=home)
    return group


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def _raw(spec: Loan, office, users, homes, lines, group, today) -> tuple[Drawdown, bool]:
    """A back-dated loan written to the table, its fields as the services would have left them."""
    found = _existing(spec.key)
    if found is not None:
        return found, False
    officer, teller = users["officer1"], users["teller1"]
    borrower = homes[spec.borrower]
    due_on = today + spec.due_in * DAY
    applied_on = due_on - spec.term * DAY
    disbursed_on = applied_on + 2 * DAY  # approved the next day, disbursed the day after (numbers as the services')
    branch = borrower.village.branch.code
    repaid = spec.repaid_after is not None
    amount = Decimal(spec.amount)
    drawdown = Drawdown.objects.create(
        head_office=office, village=borrower.village, household=borrower, line=lines[borrower.pk],
        number=f"YX{branch}{applied_on:%Y%m%d}{spec.key:0>4}", loan_number=f"{branch}{disbursed_on:%Y%m%d}{spec.key:0>4}",
        settlement_account=SETTLEMENT_ACCOUNT, core_loan_number=f"{PREFIX}{spec.key}", amount=amount,
        purpose=spec.purpose, applied_on=applied_on, due_on=due_on, annual_rate=RATE,
        guarantee=GuaranteeKind.GROUP if spec.group else GuaranteeKind.GUARANTORS, group=group if spec.group else None,
        group_members=sorted(GroupMember.objects.filter(group=group, active=True).exclude(household=borrower)
                             .values_list("household_id", flat=True)) if spec.group else [],
        documents=list(DOCUMENTS), investigated_on=applied_on, investigated_by=officer,
        investigation="入户调查：家庭经营正常，收入稳定。", complete_at=_at(applied_on),
        status=Drawdown.Status.REPAID if repaid else Drawdown.Status.DISBURSED, submitted_by=officer,
        decided_by=users["president1"], decided_at=_at(applied_on + DAY), decision_note="同意", disbursed_by=teller,
        disbursed_at=_at(disbursed_on), principal_outstanding=Decimal(0) if repaid else amount,
        created_by=officer)
    for code in spec.guarantors:
        DrawdownGuarantor.objects.create(drawdown=drawdown, household=homes[code], amount=amount)
    if repaid:
        Repayment.objects.create(drawdown=drawdown, kind=Repayment.Kind.PRINCIPAL, amount=amount,
                                 paid_on=due_on + spec.repaid_after * DAY, recorded_by=teller)
    return drawdown, True


def _letters_of_past_days(loans: dict, today: datetime.date) -> None:
    """Each overdue notice on its loan's first day overdue and each lawyer's letter on its day, as the daily job
    would have issued them (only the letters step: the other steps' history would date visits before the loans)."""
    days = set()
    for drawdown in loans.values():
        if drawdown.status == Drawdown.Status.DISBURSED and drawdown.due_on < today:
            days.add(first_day_overdue(drawdown.due_on))
            if three_months_overdue_on(drawdown.due_on) <= today:
                days.add(lawyer_letter_on(drawdown.due_on))
    for day in sorted(d for d in days if d < today):
        letter_services.issue_due_letters(today=day)


def _deliver_past_letters(officer, today: datetime.date) -> None:
    """The letters of past days were delivered two days after they were issued, against a signed receipt (a signed
    demand restarts the case's limitation period, C7); today's wait for the officer's round."""
    scope = scope_for_profile(officer.staff_profile)
    for letter in Letter.objects.filter(village__code=VILLAGE, issued_on__lt=today, delivered_on__isnull=True):
        letter_services.receipt_record(scope=scope, actor=officer, letter_id=letter.pk, version=letter.version,
                                       delivered_on=min(letter.issued_on + 2 * DAY, today),
                                       delivered_to=letter.recipient_name or "本人", signed=True)


# --- what the people did -------------------------------------------------------------------------------------

def _signature(text: str) -> str:
    """A small signature drawn on the screen, as the form posts it (a PNG data URL)."""
    picture = Image.new("RGB", (240, 80), "white")
    pen = ImageDraw.Draw(picture)
    pen.line([(12, 60), (50, 18), (80, 58), (120, 22), (160, 56), (200, 20), (228, 50)], fill="black", width=3)
    pen.text((14, 4), text, fill="black")
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _actions(users: dict, loans: dict, today: datetime.date) -> int:
    officer = users["officer1"]
    scope = scope_for_profile(officer.staff_profile)
    steps = (_visit, _call, _receipt, _promise, _plan, _grade_change)
    return sum(step(scope, officer, loans, today) for step in steps)


def _visit(scope, officer, loans, today) -> int:
    """C1: this quarter's visit to the borrower of loan 01, signed on the screen by both sides."""
    visits = Visit.objects.filter(drawdown=loans["01"], kind=Visit.Kind.SCHEDULED)
    visit = visits.filter(visited_on__isnull=True).order_by("-period_start").first()
    if visit is None or visits.filter(visited_on__isnull=False).exists():
        return 0
    data = visit_services.VisitInput(
        visited_on=today, place="借款人家中", funds_as_applied=True, operation="种植玉米12亩，长势良好，预计秋收后收入约3万元。",
        risks=(Visit.Risk.OTHER_DEBTS,), risk_note="另有亲友借款约5000元。", next_action="到期前一周电话提醒还款。",
        borrower_signature=_signature("borrower"), officer_signature=_signature("officer"))
    visit_services.visit_record(scope=scope, actor=officer, visit_id=visit.pk, version=visit.version, data=data)
    return 1


def _call(scope, officer, loans, today) -> int:
    """C2: the reminder call about loan 02 (due in 25 days)."""
    if ReminderCall.objects.filter(drawdown=loans["02"]).exists():
        return 0
    reminder_services.reminder_call_record(scope=scope, actor=officer, drawdown_id=loans["02"].pk,
                                           outcome=ReminderCall.Outcome.REACHED, note="借款人表示生猪出栏后按时还款。")
    return 1


def _receipt(scope, officer, loans, today) -> int:
    """C3: the borrower of loan 03 signed the receipt of the overdue notice; the guarantors' are still out."""
    letter = Letter.objects.filter(drawdown=loans["03"], kind=Letter.Kind.OVERDUE,
                                   recipient_role=Letter.Role.BORROWER).first()
    if letter is None or letter.delivered_on is not None:
        return 0
    letter_services.receipt_record(scope=scope, actor=officer, letter_id=letter.pk, version=letter.version,
                                   delivered_on=today, delivered_to=letter.recipient_name or "本人", signed=True)
    return 1


def _promise(scope, officer, loans, today) -> int:
    """C3: a promise to pay in the log of loan 04's case."""
    case = CollectionCase.objects.filter(drawdown=loans["04"]).first()
    if case is None or case.entries.filter(kind=CollectionEntry.Kind.PROMISE).exists():
        return 0
    collection_services.entry_add(scope=scope, actor=officer, case_id=case.pk, kind=CollectionEntry.Kind.PROMISE,
                                  on=today, note="电话联系借款人，承诺卖掉农机配件后先还一部分。",
                                  promised_amount=Decimal(5000), promised_by=today + 10 * DAY)
    return 1


def _plan(scope, officer, loans, today) -> int:
    """C3: loan 06 (about 300 days overdue) classified as temporary hardship, its instalment plan waiting for the
    branch president."""
    case = CollectionCase.objects.filter(drawdown=loans["06"]).first()
    if case is None or case.plans.exists():
        return 0
    if not case.cause:
        case = collection_services.case_classify(
            scope=scope, actor=officer, case_id=case.pk, version=case.version,
            cause=CollectionCase.Cause.HARDSHIP, note="借款人因病住院，果园减产，无恶意逃债，愿意分期还款。")
    owed = case.drawdown.principal_outstanding
    items = [Instalment(due_on=today + 30 * DAY, amount=owed / 2), Instalment(due_on=today + 90 * DAY,
                                                                           amount=owed - owed / 2)]
    collection_services.plan_propose(scope=scope, actor=officer, case_id=case.pk, version=case.version, items=items,
                                     note="分两期还清：下月先还一半，三个月内还清余款。")
    return 1


def _grade_change(scope, officer, loans, today) -> int:
    """C6: a downgrade of loan 03 (overdue one day: 关注 by its days) to 次级, waiting for the branch president."""
    if GradeChange.objects.filter(drawdown=loans["03"]).exists():
        return 0
    classification_services.grade_change_request(scope=scope, actor=officer, drawdown_id=loans["03"].pk,
                                                 grade=Grade.SUBSTANDARD,
                                                 reason="借款人外出务工失联，联保小组成员均表示无力代偿。")
    return 1


# --- the blacklist's life (C4) --------------------------------------------------------------------------------

def _id(body: str) -> str:
    from stdnum.cn import ric

    return body + ric.calc_check_digit(body + "0")


BLACKLISTED = (  # people from outside the demo's archive: no demo household is blocked by them
    ("刘长福", _id("42282219680312003"), "恶意拖欠贷款本息，经法院判决后已全部清偿", "法院判决", "settle"),
    ("马桂兰", _id("42282519790527004"), "冒名贷款", "人民银行征信系统", "remove"),
)


def _blacklist(office, users: dict, today: datetime.date) -> int:
    """One entry settled (its erase date set), one with a removal request waiting for a checker."""
    officer = users["officer1"]
    scope = scope_for_profile(officer.staff_profile)
    made = 0
    for name, id_number, reason, source, then in BLACKLISTED:
        entry = BlacklistEntry.objects.filter(head_office=office, id_number=id_number).order_by("pk").first()
        if entry is None:
            entry = blacklist_services.blacklist_add(scope=scope, actor=officer, id_number=id_number, name=name,
                                                     reason=reason, source=source)
            made += 1
        if then == "settle" and entry.active and entry.settled_on is None:
            blacklist_services.blacklist_settle(scope=scope, actor=officer, pk=entry.pk, settled_on=today,
                                                version=entry.version)
            made += 1
        asked = Approval.objects.filter(kind=blacklist_services.REMOVAL_KIND, subject_id=entry.pk).exists()
        if then == "remove" and entry.active and not asked:
            blacklist_services.blacklist_removal_request(scope=scope, actor=officer, pk=entry.pk,
                                                         reason="经公安机关核实系身份证被冒用，本人未办理该笔贷款，申请移出黑名单。")
            made += 1
    return made
