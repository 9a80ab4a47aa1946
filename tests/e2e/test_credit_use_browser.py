"""Issue 6 as a new user meets it, in a real Chromium: the officer forms a joint-guarantee group of three and
one member applies for a drawdown; the president approves it in the inbox; the teller disburses it, prints
the slip and records a repayment of principal."""

import datetime

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from credit_use.models import Drawdown, Repayment
from guarantee_groups.models import GuaranteeGroup
from sunshine_credit.models import Role
from tests.factories import staff_for
from tests.guarantee_groups.factories import make_group_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"


def login(page, base, user):
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_group_drawdown_approval_disbursement_slip_repayment(live_server, page):
    world = make_group_world()
    with scopes_disabled():
        tom = staff_for(world["v_a"], role=Role.TELLER).user
        for user in (world["tina"], world["pat"], tom):
            user.set_password(PASSWORD)
            user.save()
    homes, base = world["households"], live_server.url

    # The officer forms the group: 50,000 ≤ 30,000 + 20,000 (G2), the first household leads.
    login(page, base, world["tina"])
    page.goto(f"{base}/groups/new/?village={world['v_a'].pk}")
    for home in homes[:3]:
        page.check(f"#member-{home.pk}")
    page.check(f"#leader-{homes[0].pk}")
    page.fill("input[name=name]", "东岭一组联保")
    page.click("#group-form button[type=submit]")
    page.wait_for_url("**/groups/*/")
    with scopes_disabled():
        group = GuaranteeGroup.objects.get()
        assert group.members.filter(active=True).count() == 3 and group.leader_id == homes[0].pk

    # The second member applies for 1.2万 for five months, guaranteed by the group.
    page.goto(f"{base}/lines/{world['lines'][1].pk}/")
    page.click("#new-drawdown")
    today = timezone.localdate()
    page.fill("input[name=amount]", "1.2万")
    page.fill("input[name=purpose]", "购买化肥种子")
    page.fill("input[name=applied_on]", today.isoformat())
    page.fill("input[name=due_on]", (today + datetime.timedelta(days=150)).isoformat())
    page.fill("input[name=annual_rate]", "6.5")
    page.check("input[name=guarantee][value=group]")
    for box in page.locator("input[name=documents]").all():
        box.check()
    page.click("#drawdown-form button[type=submit]")
    page.wait_for_url("**/lines/drawdowns/*/")
    page.click("#drawdown-actions a[href$='/submit/']")
    page.fill("textarea[name=opinion]", "经营情况属实，同意用信。")
    page.click("#submit-form button[type=submit]")
    page.wait_for_url("**/lines/drawdowns/*/")
    with scopes_disabled():
        drawdown = Drawdown.objects.get()
    assert drawdown.status == Drawdown.Status.SUBMITTED and drawdown.group_id == group.pk

    # The president approves it in the inbox.
    login(page, base, world["pat"])
    page.goto(f"{base}/approvals/")
    assert drawdown.number in page.inner_text("body")
    page.locator(".approval-form button[value=approve]").first.click()
    page.wait_for_load_state()
    with scopes_disabled():
        drawdown.refresh_from_db()
    assert drawdown.status == Drawdown.Status.APPROVED

    # The teller disburses, prints the slip and records a repayment of 2,000 yuan of principal.
    login(page, base, tom)
    page.goto(f"{base}/lines/drawdowns/{drawdown.pk}/disburse/")
    page.fill("input[name=settlement_account]", "6228480012345678901")
    page.fill("input[name=core_loan_number]", f"JK-{drawdown.pk:06d}")
    page.click("#disburse-form button[type=submit]")
    assert "JK-" in page.inner_text("#confirm-summary")              # the confirmation page (issue 15 item 5)
    page.click("#confirm-action")
    page.wait_for_url(f"**/lines/drawdowns/{drawdown.pk}/")
    loan_number = page.inner_text("#loan-number").strip()
    assert loan_number
    slip = page.request.get(f"{base}/lines/drawdowns/{drawdown.pk}/slip.pdf")
    assert slip.ok and slip.headers["content-type"] == "application/pdf" and slip.body().startswith(b"%PDF")
    page.goto(f"{base}/lines/drawdowns/{drawdown.pk}/repayments/")
    page.select_option("select[name=kind]", "principal")
    page.fill("input[name=amount]", "2000")
    page.fill("input[name=paid_on]", today.isoformat())
    page.click("#repayment-form button[type=submit]")
    page.wait_for_load_state()
    with scopes_disabled():
        drawdown.refresh_from_db()
        assert Repayment.objects.filter(drawdown=drawdown, kind="principal").count() == 1
    assert drawdown.loan_number == loan_number and drawdown.principal_outstanding == 10000
    assert "10,000" in page.inner_text("body")
