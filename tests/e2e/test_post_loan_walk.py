"""Issue 16's "Done when" walk in a real Chromium, on factory data (not the demo):

1. the officer's 30-day list on a phone-size window (390×844) shows a borrower; the call is logged with one tap
   and its outcome shows;
2. a loan goes overdue in the demo's time (`manage.py postloan_daily --date D`, D = its first day overdue) and the
   overdue notices for the borrower and each guarantor appear on the Letters page;
3. a supervisor reads PAR30 and the repayment rate, and after a later run reads them moved.

The repayment-rate page counts a loan as matured by the real clock (a loan falling due today or later is not
counted yet), not by the date of the last daily run; so what moves the rate in step 3 is a real event between the
two readings: a loan that fell due yesterday, unpaid on the first reading, has its repayment made on its due date
recorded at the counter. PAR30 moves with the later run itself (the classification is as of the last run).
"""

import datetime
import os
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scopes_disabled

from credit_use.models import Drawdown, DrawdownGuarantor, GuaranteeKind, Repayment
from credit_use.services.repayments import repayment_record
from post_loan.services.daily import postloan_daily
from tests.county import build_county
from tests.credit_use.factories_drawdowns import make_drawdown_world
from tests.e2e.browsing import login
from tests.post_loan.visit_world import loan

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/post-loan-walk"
DAY = datetime.timedelta(days=1)


def past_loan(world, i, *, due_on, term=180):
    """A loan of h[i] of 20,000 yuan applied for `term` days before `due_on` and disbursed the next day."""
    applied = due_on - term * DAY
    drawdown = loan(world, i, amount=20000, today=applied + 30 * DAY, due_in=term - 30)
    with scopes_disabled():
        Drawdown.objects.filter(pk=drawdown.pk).update(disbursed_at=timezone.make_aware(
            datetime.datetime.combine(applied + DAY, datetime.time(10))))
    return drawdown


def book(world, today):
    """R: due in 20 days (the 30-day list). O: due 35 days ago, guaranteed by h[1] and h[2], unpaid. P: due 10 days
    ago, repaid two days before. Q: due yesterday, paid at the counter on the day (recorded later)."""
    r = loan(world, 3, due_in=20, amount=15000)
    o = past_loan(world, 0, due_on=today - 35 * DAY)
    p = past_loan(world, 2, due_on=today - 10 * DAY)
    q = past_loan(world, 1, due_on=today - DAY)
    with scopes_disabled():
        Drawdown.objects.filter(pk=o.pk).update(guarantee=GuaranteeKind.GUARANTORS)
        for home in (world.h[1], world.h[2]):
            DrawdownGuarantor.objects.create(drawdown=o, household=home, amount=o.amount)
        Drawdown.objects.filter(pk=p.pk).update(status=Drawdown.Status.REPAID, principal_outstanding=0)
        Repayment.objects.create(drawdown=p, kind=Repayment.Kind.PRINCIPAL, amount=p.amount,
                                 paid_on=today - 12 * DAY, recorded_by=world.tom)
        for drawdown in (r, o, p, q):
            drawdown.refresh_from_db()
    return r, o, p, q


def figures(page, base):
    """(PAR30, repayment rate) as the supervisor's pages print them."""
    page.goto(f"{base}/post-loan/risk/")
    par30 = page.locator("#par30-total").inner_text().strip()
    page.goto(f"{base}/post-loan/repayment-rate/?date_from={(timezone.localdate() - 365 * DAY).isoformat()}"
              f"&date_to={timezone.localdate().isoformat()}")
    rate = page.locator("#rate").inner_text().strip()
    return par30, rate


def number(text: str) -> Decimal:
    found = re.search(r"\d+(\.\d+)?", text)
    assert found, text
    return Decimal(found.group())


def test_the_post_loan_walk(live_server, phone, desk):
    os.makedirs(SHOTS, exist_ok=True)
    today = timezone.localdate()
    world = make_drawdown_world(build_county())
    r, o, p, q = book(world, today)
    base = live_server.url
    postloan_daily(today=o.due_on)  # the book as of the day loan O falls due: nothing overdue yet

    # 1. The officer's 30-day list on the phone: the borrower of R, called, the outcome shown.
    login(phone, base, "tina")
    phone.goto(f"{base}/post-loan/reminders/")
    row = phone.locator(f"#loan-{r.pk}")
    assert world.h[3].code in row.inner_text()
    assert phone.locator(".reminder-row").count() == 1  # O, P and Q are past their dates
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=f"{SHOTS}/1-call-list-phone.png", full_page=True)
    row.locator("input[name=note]").fill("本人接听，答应月底前还款")
    row.locator("button[name=outcome][value=reached]").click()
    phone.wait_for_url("**/post-loan/reminders/**")
    outcome = phone.locator(f"#loan-{r.pk} .last-outcome")
    assert outcome.get_attribute("data-outcome") == "reached"
    assert "本人接听" in phone.locator(f"#loan-{r.pk} .last-call").inner_text()
    phone.screenshot(path=f"{SHOTS}/2-call-logged-phone.png", full_page=True)

    # 3 (before). The supervisor's figures as of that run.
    login(desk, base, "sue")
    par30_before, rate_before = figures(desk, base)
    desk.screenshot(path=f"{SHOTS}/3-rate-before.png", full_page=True)

    # 2. Loan O goes overdue in the demo's time: the notices for its borrower and both guarantors appear.
    call_command("postloan_daily", "--date", (o.due_on + DAY).isoformat())
    phone.goto(f"{base}/post-loan/letters/?kind=overdue")
    rows = phone.locator("tr.letter-row")
    text = phone.locator("#letter-table").inner_text()
    assert rows.count() == 3
    for home in (world.h[0], world.h[1], world.h[2]):
        with scopes_disabled():
            name = home.members.get(relation="户主").name
        assert name in text
    assert (o.due_on + DAY).isoformat() in text
    phone.screenshot(path=f"{SHOTS}/4-overdue-notices-phone.png", full_page=True)

    # 3 (after). Q's repayment, made on its due date, recorded at the counter; then the daily run of today.
    repayment_record(scope=world.scope(world.tom), actor=world.tom, drawdown_id=q.pk,
                     kind=Repayment.Kind.PRINCIPAL, amount=q.amount, paid_on=q.due_on)
    call_command("postloan_daily", "--date", today.isoformat())
    desk.goto(f"{base}/post-loan/risk/")
    desk.screenshot(path=f"{SHOTS}/5-risk-after.png", full_page=True)
    par30_after, rate_after = figures(desk, base)
    desk.screenshot(path=f"{SHOTS}/6-rate-after.png", full_page=True)

    assert number(par30_before) == 0 < number(par30_after)       # O is 35 days overdue
    assert number(rate_before) < number(rate_after)              # Q repaid by maturity
    assert (number(rate_before), number(rate_after)) == (Decimal("33.33"), Decimal("66.67"))
