"""Issue 15 item 3: the whole household on one page — archive and members; each campaign's questionnaires and
pre-credit result, the panel's decision (never a reviewer's entry, A3), the boards and objections; the credit line
and its history; drawdowns with repayments and post-loan checks; the joint-guarantee group; blacklist hits first.
Each part through the reader's scope and masked per role (R1, R5); a fixed number of queries however many
campaigns, drawdowns and repayments (no N+1).

The household goes through the pipeline with the world builders (make_lines_world: panel signed off, board
published and ended, lines taken effect by the job); what those builders do not reach (questionnaires, an objection,
a group, a drawdown repaid and checked) is written straight to the tables below.
"""

import datetime
import re
import secrets
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled

from appraisal.models import Appraisal, Decision, Panel
from credit_use.models import CreditLine, CreditLineEvent, Drawdown, DrawdownGuarantor, GuaranteeKind, Repayment
from guarantee_groups.models import GroupMember, GuaranteeGroup
from households.rules import mask_id, mask_phone
from publicity.models import Notice, NoticeItem, NoticeKind, Objection
from surveys.models import Campaign, LimitResult, RespondentDraw
from tests.appraisal.factories import PanelFactory
from tests.credit_use.factories import make_lines_world
from tests.factories import BlacklistEntryFactory, HouseholdFactory, MemberFactory, make_id_number
from tests.surveys.factories import CampaignFactory, QuestionnaireFactory, RespondentFactory

OBJECTOR, OBJECTOR_PHONE = "赵大庆", "13900001111"
TYPED_PHONE = "13700002222"  # a number typed into an objection: whole for the village's makers only (R5)


def page(client, county, user, household):
    county.login(client, user)
    return client.get(f"/households/{household.pk}/")


# --- what the builders do not reach, written straight to the tables ---------------------------------------------

def add_survey(county, campaign, home, *, amount=Decimal(48000)):
    """Six respondents drawn, five questionnaires entered, a granted result (trimmed mean)."""
    with scopes_disabled():
        respondents = [RespondentFactory(village=home.village, code=f"Q{campaign.pk}-{home.pk}-{i}") for i in range(6)]
        draw = RespondentDraw.objects.create(campaign=campaign, village=home.village, seed="s", size=6,
                                             drawn_by=county.tina)
        draw.respondents.set(respondents)
        for r in respondents[:5]:
            QuestionnaireFactory(campaign=campaign, household=home, respondent=r, surveyor=county.tina)
        return LimitResult.objects.create(
            campaign=campaign, household=home, status="granted", amount=amount, valid_count=5, mean=amount,
            dropped_high=respondents[0], dropped_low=respondents[1], computed_at=timezone.now(),
            inputs=[[r.pk, 5000000] for r in respondents[:5]])


def add_objection(item, n: int = 1):
    with scopes_disabled():
        return Objection.objects.create(notice=item.notice, item=item, reference=f"YY{item.pk:05d}{n:03d}",
                                        channel=Objection.Channel.COUNTER, objector_name=OBJECTOR,
                                        objector_phone=OBJECTOR_PHONE, content=f"他欠债未还，电话{TYPED_PHONE}")


def add_drawdown(county, line, *, repayments: int = 1, checked: bool = True):
    """A disbursed drawdown of the line with `repayments` interest repayments and a post-loan check."""
    today = timezone.localdate()
    with scopes_disabled():
        number = f"D{Drawdown.objects.count() + 1:05d}"
        drawdown = Drawdown.objects.create(
            head_office=county.head_office, village=line.village, household=line.household, line=line,
            number=number, loan_number=f"JJ{number}", amount=Decimal(20000), purpose="种植葡萄", applied_on=today,
            due_on=today + datetime.timedelta(days=180), annual_rate=Decimal("0.065"), guarantee=GuaranteeKind.GROUP,
            status=Drawdown.Status.DISBURSED, principal_outstanding=Decimal(20000), disbursed_at=timezone.now(),
            created_by=county.tina, submitted_by=county.tina, decided_by=county.pat, disbursed_by=county.tom,
            post_loan_checked_on=today if checked else None, post_loan_checked_by=county.tina if checked else None,
            post_loan_note="资金用于种植，无问题" if checked else "")
        for i in range(repayments):
            Repayment.objects.create(drawdown=drawdown, kind=Repayment.Kind.INTEREST, amount=Decimal(300 + i),
                                     paid_on=today, recorded_by=county.tom)
    return drawdown


def add_group(county, homes, *, number: int = 1):
    with scopes_disabled():
        group = GuaranteeGroup.objects.create(head_office=county.head_office, village=homes[0].village, number=number,
                                              name=f"东岭{number}组", leader=homes[0], created_by=county.tina)
        for home in homes:
            GroupMember.objects.create(group=group, household=home)
    return group


def add_round(county, home, *, k: int):
    """One more campaign for `home` through every stage: questionnaires and result, a signed panel and its
    decision, a board with the household's line and an objection, a line with an event, a drawdown with two
    repayments."""
    with scopes_disabled():
        campaign = (Campaign.objects.filter(head_office=county.head_office, code=f"K{k}").first()
                    or CampaignFactory(head_office=county.head_office, code=f"K{k}", name=f"第{k}批"))
        add_survey(county, campaign, home)
        panel = (Panel.objects.filter(campaign=campaign, village=home.village).first()
                 or PanelFactory(campaign=campaign, village=home.village, status=Panel.Status.SIGNED))
        decision = Decision.objects.create(campaign=campaign, panel=panel, household=home, computed_status="granted",
                                           status="granted", amount=Decimal(48000))
        notice = Notice.objects.filter(campaign=campaign, village=home.village).first() or Notice.objects.create(
            head_office=county.head_office, village=home.village, kind=NoticeKind.PRECREDIT, campaign=campaign,
            panel=panel, title=f"{campaign.name} 拟授信公示", starts_on=datetime.date(2026, 11, 1),
            ends_on=datetime.date(2026, 11, 3), public_token=secrets.token_urlsafe(16),
            status=Notice.Status.PUBLISHED, published_by=county.tina, snapshot={"code": f"BC{k}"})
        item = NoticeItem.objects.create(notice=notice, line_no=home.pk, household=home, decision=decision, name="农*",
                                         amount=Decimal(48000))
        add_objection(item)
        line = CreditLine.objects.create(
            head_office=county.head_office, village=home.village, household=home, campaign=campaign,
            notice_item=item, amount=Decimal(48000), effective_on=datetime.date(2026, 11, 4),
            expires_on=datetime.date(2028, 11, 3))
        CreditLineEvent.objects.create(line=line, kind=CreditLineEvent.Kind.CREATED, amount_after=line.amount,
                                       status_after=line.status)
    add_drawdown(county, line, repayments=2)


@pytest.fixture
def world(county):
    """households[0] of make_lines_world taken through every stage, with a spouse on the blacklist; its drawdown
    guaranteed by households[1] and a group of the first three."""
    make_lines_world(county)
    home = county.households[0]
    with scopes_disabled():
        county.home = home
        county.head = home.representative
        county.spouse = MemberFactory(household=home, name="李秀英", relation="配偶", phone="13655556666",
                                      id_number=make_id_number(datetime.date(1986, 5, 17), sequence=117, male=False))
        county.result = add_survey(county, county.campaign, home)
        county.objection = add_objection(county.items[0])
        county.line = CreditLine.objects.get(household=home)
        county.drawdown = add_drawdown(county, county.line, repayments=2)
        DrawdownGuarantor.objects.create(drawdown=add_drawdown(county, CreditLine.objects.get(
            household=county.households[1])), household=home, amount=Decimal(20000))
        county.group = add_group(county, county.households[:3])
        county.blacklisted = BlacklistEntryFactory(head_office=county.head_office, id_number=county.spouse.id_number,
                                                   reason="恶意逃废债", source="人民银行征信")
        # A reviewer's own entry: secret on this page (A3), whatever the round's state.
        Appraisal.objects.create(panel=county.panel, member=county.seats[0], household=home, amount=Decimal(12345),
                                 rating=1, entered_by=county.tina)
    return county


# --- every part is there -------------------------------------------------------------------------------------

def test_the_page_shows_every_stage_of_the_household(client, world):
    response = page(client, world, world.tina, world.home)
    assert response.status_code == 200
    html = response.content.decode()

    assert "{#" not in html and "{%" not in html  # no template comment or tag leaks onto the page
    # Blacklist first: before the archive's details.
    assert html.index('id="blacklist-hits"') < html.index('id="member-table"')
    assert "恶意逃废债" in html and "人民银行征信" in html
    # The sections in reading order.
    order = ["household-campaigns", "precheck-hits", "household-decisions", "household-boards", "household-line-",
             "household-drawdowns", "household-guarantees", "household-groups"]
    positions = [html.find(marker) for marker in order if marker != "precheck-hits"]
    assert -1 not in positions and positions == sorted(positions)
    # Questionnaires: 5 of the 6 drawn, the result with its amount, a link to the household's summary.
    campaigns = section(html, "household-campaigns")
    assert re.search(r">\s*5\D+6\s*<", campaigns) and "48,000.00" in campaigns
    assert f"/surveys/summary/{world.campaign.pk}/households/{world.home.pk}/" in campaigns
    # The panel's decision (granted 50,000, signed off), never a reviewer's entry (A3).
    decisions = section(html, "household-decisions")
    assert "50,000.00" in decisions and "12,345" not in html
    # The board (its period) and the objection.
    boards = section(html, "household-boards")
    assert f"/publicity/notices/{world.notice.pk}/" in boards
    assert "2026-12-01" in boards and world.objection.reference in boards
    # The line, its history, the drawdown with its repayments and post-loan check, the guarantee given.
    assert f"/lines/{world.line.pk}/" in html and "50,000.00" in section(html, "household-line-")
    drawdowns = section(html, "household-drawdowns")
    assert world.drawdown.loan_number in drawdowns and "300.00" in drawdowns and "301.00" in drawdowns
    assert "资金用于种植，无问题" in drawdowns
    assert f"/lines/drawdowns/{world.drawdown.pk}/repayments/" in drawdowns
    assert world.households[1].code in section(html, "household-guarantees")
    # The group with its three members.
    groups = section(html, "household-groups")
    assert all(h.code in groups for h in world.households[:3]) and world.households[3].code not in groups


def section(html: str, marker: str) -> str:
    """The html from the element whose id starts with `marker` to the next section heading."""
    start = html.index(f'id="{marker}')
    end = html.find("<h2", start)
    return html[start:end if end != -1 else len(html)]


def test_a_household_that_reached_no_stage_shows_no_section(client, county):
    home = county.household()
    html = page(client, county, county.tina, home).content.decode()
    for marker in ("blacklist-hits", "household-campaigns", "household-decisions", "household-boards",
                   "household-line-", "household-drawdowns", "household-groups"):
        assert f'id="{marker}' not in html


def test_the_decisions_of_an_open_round_stay_hidden(client, world):
    """A3: before a round is closed nothing of its decisions shows."""
    with scopes_disabled():
        Panel.objects.filter(pk=world.panel.pk).update(status=Panel.Status.OPEN)
    assert 'id="household-decisions"' not in page(client, world, world.tina, world.home).content.decode()
    with scopes_disabled():
        Panel.objects.filter(pk=world.panel.pk).update(status=Panel.Status.CLOSED)
    assert 'id="household-decisions"' in page(client, world, world.tina, world.home).content.decode()


# --- scope and masking per role (R1, R5) ------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["bob", "pete", "tess"])
def test_staff_of_another_branch_get_404(client, world, who):
    assert page(client, world, world[who], world.home).status_code == 404


@pytest.mark.parametrize("who", ["tina", "ada"])
def test_makers_of_the_village_see_whole_numbers_and_the_objector(client, world, who):
    html = page(client, world, world[who], world.home).content.decode()
    assert world.spouse.id_number in html and "13655556666" in html  # members table and the blacklist hit
    assert OBJECTOR in html and OBJECTOR_PHONE in html and TYPED_PHONE in html


@pytest.mark.parametrize("who", ["pat", "tom", "sue", "aude"])
def test_other_readers_see_masked_numbers_and_objector(client, world, who):
    response = page(client, world, world[who], world.home)
    assert response.status_code == 200
    html = response.content.decode()
    assert world.spouse.id_number not in html and mask_id(world.spouse.id_number) in html
    assert world.head.id_number not in html and "13655556666" not in html and mask_phone("13655556666") in html
    # The blacklist hit shows to them too, with the ID number masked.
    assert "恶意逃废债" in section(html, "blacklist-hits")
    boards = section(html, "household-boards")
    assert OBJECTOR not in boards and "赵*庆" in boards
    assert OBJECTOR_PHONE not in html and mask_phone(OBJECTOR_PHONE) in boards
    assert TYPED_PHONE not in html and mask_phone(TYPED_PHONE) in boards


HREF = re.compile(r'href="(/[^"#?]*)')


@pytest.mark.parametrize("who", ["tina", "pat", "tom", "ada", "sue", "aude"])
def test_every_link_on_the_page_opens_for_its_reader(client, world, who):
    """No link the page shows answers 404 or 403 to the user who sees it (tests/core/test_home_links.py)."""
    html = page(client, world, world[who], world.home).content.decode()
    links = sorted({href for href in HREF.findall(html) if not href.startswith(("/logout/", "/i18n/", "/static/"))})
    assert any("/lines/drawdowns/" in href for href in links) and any("/groups/" in href for href in links)
    broken = [(href, client.get(href).status_code) for href in links]
    assert [(href, code) for href, code in broken if code not in (200, 302)] == []


# --- queries (no N+1) -------------------------------------------------------------------------------------------

def count_queries(client, county, user, household) -> int:
    county.login(client, user)
    client.get(f"/households/{household.pk}/")  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/households/{household.pk}/").status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_campaigns_drawdowns_and_repayments(client, county):
    with scopes_disabled():
        one, three = HouseholdFactory(village=county.v_a, code="Q-1"), HouseholdFactory(village=county.v_a, code="Q-3")
    add_round(county, one, k=1)
    for k in range(1, 4):
        add_round(county, three, k=k)
    add_group(county, [one, three])
    with scopes_disabled():
        assert Drawdown.objects.filter(household=three).count() == 3
        assert Repayment.objects.filter(drawdown__household=three).count() == 6
    assert count_queries(client, county, county.tina, three) == count_queries(client, county, county.tina, one)


# --- the post-loan part (issue 16) ---------------------------------------------------------------------------

def test_the_post_loan_part_shows_the_loans_grade_visits_letters_and_case(client, world):
    """A loan 100 days overdue: its days, its grade from the daily classification (次级), the visit due, the
    letter without a signed receipt and the collection case — for the readers of the post-loan book, not tellers."""
    from post_loan.models import Letter, Visit
    from post_loan.services.daily import postloan_daily

    today = timezone.localdate()
    with scopes_disabled():
        Drawdown.objects.filter(pk=world.drawdown.pk).update(applied_on=today - datetime.timedelta(days=300),
                                                             due_on=today - datetime.timedelta(days=100))
        postloan_daily(today=today)
        loan = Drawdown.objects.get(pk=world.drawdown.pk)
        assert Visit.objects.filter(drawdown=loan, visited_on=None).exists()
        undelivered = Letter.objects.filter(drawdown=loan, receipt_signed=False).count()
        assert undelivered >= 1
    html = page(client, world, world.tina, world.home).content.decode()
    part = html[html.index('id="household-post-loan"'):]
    row = re.search(rf'<tr data-loan="{loan.pk}">(.*?)</tr>', part, re.S).group(1)
    assert ">100<" in row and "次级" in row and f"/post-loan/risk/loans/{loan.pk}/" in row
    assert f"/post-loan/cases/{loan.collection.pk}/" in row
    assert re.search(rf'text-end">{undelivered}<', row)
    assert html.index('id="household-post-loan"') > html.index('id="household-drawdowns')
    assert 'id="household-post-loan"' not in page(client, world, world.tom, world.home).content.decode()


# --- issue 18: what the page costs ------------------------------------------------------------------------------

# Every request: the session, the user with their staff profile (one query), the scope's villages.
REQUEST_QUERIES = 3
# The household's row (with whether it has a blacklisted member, existing loans and anything in each section), its
# members, and its change history in three (the removed members, the loans of every member ever here, then the
# entries: each by an index, tests/households/test_history_indexed.py; foreign keys named from the objects the page
# holds).
ARCHIVE_QUERIES = 5
# A household in every stage: blacklist hits, existing loans; the household's drawdowns (own loans and the credit
# section); questionnaires: results, campaigns with their counts and draws; pre-check: hits, decisions, override
# requests; boards: items, objections; credit: lines, their events, their change requests, guarantees given,
# repayments; post-loan: the loans owed with grade, visits, letters and case; group: memberships with the group's
# members and names, their lines.
EVERY_SECTION_QUERIES = 2 + 1 + 2 + 3 + 2 + 5 + 1 + 2


def rich_household(county):
    """A household with something in every part of the page: two campaigns through every stage (questionnaires,
    result, signed decision, board with an objection, line, drawdown with two repayments), then more drawdowns and
    repayments, a pre-check removal waiting for its override, a line change request, a guarantee given, a group,
    a blacklisted member and an existing loan."""
    from appraisal.approvals import OVERRIDE_KIND
    from appraisal.models import PreCheckHit
    from credit_use.models import LineChangeRequest
    from sunshine_credit.models import Approval
    from tests.factories import ExistingLoanFactory

    with scopes_disabled():
        home = HouseholdFactory(village=county.v_a, code="Q-R")
        other = HouseholdFactory(village=county.v_a, code="Q-O")
    for k in (1, 2):
        add_round(county, home, k=k)
    add_round(county, other, k=1)
    with scopes_disabled():
        lines = list(CreditLine.objects.filter(household=home).order_by("pk"))
        add_drawdown(county, lines[0], repayments=3)
        add_drawdown(county, lines[1], repayments=0, checked=False)
        for decision in Decision.objects.filter(household=home):
            PreCheckHit.objects.create(campaign=decision.campaign, household=home, flag=5, computed_at=timezone.now(),
                                       evidence=[{"loan": "JJ0001"}])
            Decision.objects.filter(pk=decision.pk).update(precheck_flags=[5])
            Approval.objects.create(head_office=county.head_office, village=home.village, kind=OVERRIDE_KIND,
                                    subject_id=decision.pk, title=home.code, reason="核实已结清", requested_by=county.tina)
        for line in lines:
            approval = Approval.objects.create(head_office=county.head_office, village=home.village, kind="line_change",
                                               subject_id=line.pk, title=home.code, reason="经营扩大",
                                               requested_by=county.tina)
            LineChangeRequest.objects.create(line=line, approval=approval, amount_before=line.amount,
                                             amount_proposed=Decimal(60000), reason="经营扩大", investigation="走访核实",
                                             line_version=line.version)
        DrawdownGuarantor.objects.create(drawdown=Drawdown.objects.filter(household=other).first(), household=home,
                                         amount=Decimal(20000))
        BlacklistEntryFactory(head_office=county.head_office, id_number=home.representative.id_number,
                              reason="恶意逃废债")
        ExistingLoanFactory(member=home.representative)
    add_group(county, [home, other])
    return home


def test_the_page_costs_a_fixed_number_of_queries_with_something_in_every_section(client, county):
    """The page's query count, pinned: an N+1 (a query per campaign, drawdown, repayment, history entry …) or a
    section asking again what another one read shows here."""
    home = rich_household(county)
    html = page(client, county, county.tina, home).content.decode()
    for marker in ("blacklist-hits", "loan-table", "household-campaigns", "precheck-hits", "household-decisions",
                   "household-boards", "household-line-", "household-drawdowns", "household-guarantees",
                   "household-post-loan", "household-groups", "history-table"):
        assert f'id="{marker}' in html, marker
    assert html.count('class="campaign-row"') == 2 and html.count('class="drawdown-row"') == 4
    assert html.count('class="line-change"') == 2 and html.count('class="objection-row') == 2
    assert html.count('class="own-loan"') == 4
    assert count_queries(client, county, county.tina, home) == REQUEST_QUERIES + ARCHIVE_QUERIES + EVERY_SECTION_QUERIES


def test_a_household_without_any_stage_asks_no_section(client, county):
    """Issue 18: the household's row says there is nothing in any section, so none is asked (the county's typical
    household); only the row, its members and its history are read."""
    with scopes_disabled():
        home = HouseholdFactory(village=county.v_a, code="Q-0")
    assert count_queries(client, county, county.tina, home) == REQUEST_QUERIES + ARCHIVE_QUERIES
