"""A county where every task of every role has one item in each branch (tests/county.py): 东岭村 (tina's, branch
A) and 西河村 (bob's, branch B) each get the same set, so a count of 1 on a branch's home page shows that the
other branch's item was not counted (R1), and the head office's supervisor counts 2."""

import datetime
import secrets
from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled

from appraisal.models import Decision, GapEdit, Panel
from credit_use.models import Drawdown, GuaranteeKind
from post_loan.models import CollectionCase, Letter, Visit
from publicity.models import ItemStatus, Notice, NoticeItem, NoticeKind
from sunshine_credit.models import Approval
from supervision.models import Complaint
from surveys.models import RespondentDraw
from tests.appraisal.factories import PanelFactory, ReviewerFactory, seat
from tests.guarantee_groups.factories import give_line
from tests.surveys.factories import CampaignFactory


def month_end(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


def make_task_world(county):
    """Adds `county.second` and `county.third` (campaigns) and, per village, the items of every task."""
    with scopes_disabled():
        county.second = CampaignFactory(head_office=county.head_office, code="C2", name="第二批")
        county.third = CampaignFactory(head_office=county.head_office, code="C3", name="第三批")
        for village, officer, branch in ((county.v_a, county.tina, county.branch_a),
                                         (county.v_b, county.bob, county.branch_b)):
            village_tasks(county, village, officer, branch)
    return county


def village_tasks(county, village, officer, branch):
    home = county.household(village, code=f"{village.code}-H1")
    # officer: a draw without questionnaires (entry), an open round with reviewer-supplied data (close, gaps)
    RespondentDraw.objects.create(campaign=county.campaign, village=village, seed=secrets.token_hex(8), size=6,
                                  drawn_by=officer)
    panel = PanelFactory(campaign=county.campaign, village=village, status=Panel.Status.OPEN)
    member = seat(panel, ReviewerFactory(branch=branch), 1, "leader")
    GapEdit.objects.create(panel=panel, household=home, field=GapEdit.Field.PHONE, value="13800138000",
                           proposed_by=member)
    # a signed-off board to publish (second campaign), a board with an objected line frozen (third campaign)
    PanelFactory(campaign=county.second, village=village, status=Panel.Status.SIGNED)
    board_panel = PanelFactory(campaign=county.third, village=village, status=Panel.Status.SIGNED)
    today = timezone.localdate()
    notice = Notice.objects.create(
        head_office=county.head_office, village=village, kind=NoticeKind.PRECREDIT, campaign=county.third,
        panel=board_panel, title="第三批 拟授信公示", starts_on=today, ends_on=today + datetime.timedelta(days=2),
        public_token=secrets.token_urlsafe(16), status=Notice.Status.PUBLISHED, published_by=officer)
    decision = Decision.objects.create(campaign=county.third, panel=board_panel, household=home,
                                       computed_status="granted", status="granted", amount=Decimal(50000))
    NoticeItem.objects.create(notice=notice, line_no=1, household=home, decision=decision, name="农*一",
                              amount=decision.amount, status=ItemStatus.FROZEN)
    _drawdowns(county, village, officer, home, today)


def _drawdowns(county, village, officer, home, today):
    line = give_line(home, 200000, campaign=county.campaign)
    ago = timezone.now() - datetime.timedelta(days=60)
    common = dict(head_office=county.head_office, village=village, household=home, line=line, amount=Decimal(10000),
                  purpose="种植", applied_on=today - datetime.timedelta(days=60), annual_rate=Decimal("0.0650"),
                  created_by=officer)
    end = month_end(today)
    # officer: a group drawdown disbursed without its post-loan check (interest paid through the month)
    Drawdown.objects.create(number=f"{village.code}-1", status=Drawdown.Status.DISBURSED, disbursed_at=ago,
                            guarantee=GuaranteeKind.GROUP, due_on=today + datetime.timedelta(days=200),
                            principal_outstanding=Decimal(10000), interest_paid_until=end, **common)
    # teller: approved, to disburse; disbursed, maturing (so its interest falls due) this month
    Drawdown.objects.create(number=f"{village.code}-2", status=Drawdown.Status.APPROVED,
                            guarantee=GuaranteeKind.GUARANTORS, due_on=today + datetime.timedelta(days=200), **common)
    Drawdown.objects.create(number=f"{village.code}-3", status=Drawdown.Status.DISBURSED, disbursed_at=ago,
                            guarantee=GuaranteeKind.GUARANTORS, due_on=end, principal_outstanding=Decimal(10000),
                            **common)
    _post_loan(county, village, officer, home, Drawdown.objects.get(number=f"{village.code}-1"), today)
    # supervisor: complete 60 days ago and still waiting for the president (time limit breached); president: it
    waiting = Drawdown.objects.create(number=f"{village.code}-4", status=Drawdown.Status.SUBMITTED, complete_at=ago,
                                      guarantee=GuaranteeKind.GUARANTORS, due_on=today + datetime.timedelta(days=200),
                                      submitted_by=officer, **common)
    for kind, subject in (("drawdown", waiting.pk), ("limit_escalation", home.pk), ("precheck_override", home.pk)):
        Approval.objects.create(head_office=county.head_office, village=village, kind=kind, subject_id=subject,
                                title=f"{kind} {village.name}", reason="理由", requested_by=officer)


def _post_loan(county, village, officer, home, loan, today):
    """Issue 16: a visit of this quarter and one of the quarter before, neither made; a letter without its receipt;
    a collection case whose limitation period ends within 90 days. (The drawdown maturing this month is in the
    30-day call list.)"""
    quarter = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    before = (quarter - datetime.timedelta(days=1)).replace(day=1)
    before = before.replace(month=(before.month - 1) // 3 * 3 + 1)
    for start, end in ((quarter, (quarter + datetime.timedelta(days=95)).replace(day=1) - datetime.timedelta(days=1)),
                       (before, quarter - datetime.timedelta(days=1))):
        Visit.objects.create(head_office=county.head_office, village=village, household=home, drawdown=loan,
                             officer=officer, period_start=start, due_on=end)
    Letter.objects.create(head_office=county.head_office, village=village, drawdown=loan, kind=Letter.Kind.OVERDUE,
                          recipient=home, recipient_role=Letter.Role.BORROWER, recipient_name="农一",
                          issued_on=today, principal=loan.principal_outstanding, due_on=loan.due_on)
    CollectionCase.objects.create(head_office=county.head_office, village=village, drawdown=loan,
                                  opened_on=today - datetime.timedelta(days=1000),
                                  limitation_from=today - datetime.timedelta(days=1000),
                                  limitation_ends_on=today + datetime.timedelta(days=60))
    # V4 (audit's): a complaint about the officer, past its handling time limit.
    Complaint.objects.create(head_office=county.head_office, branch=village.branch, officer=officer, kind="complaint",
                             content="拖延办贷", source="counter", reference=f"TS{secrets.token_hex(5).upper()}",
                             received_on=today - datetime.timedelta(days=30), due_on=today - datetime.timedelta(days=15),
                             status=Complaint.Status.OPEN)
