"""A loan officer, in a real Chromium, types one household's six questionnaires (S2) by keyboard alone:
one grid per respondent, no clicks once the grid is shown, each row saved as the cursor leaves it.
The keystrokes per questionnaire are counted and printed (run with -s to see them)."""

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from surveys.models import Questionnaire
from tests.factories import HouseholdFactory, VillageFactory, VillageGroupFactory, staff_for
from tests.surveys.factories import CampaignFactory, RespondentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# What each respondent said about household A-0001, as typed: one string per cell, in column order
# (经营项目, 成员务工, 总资产, 总负债, 净收入, 可授信额度, 待授信原因). None in 成员务工 keeps the prefilled 否.
TYPED = {
    "R01": ["1 7", None, "20w", "2w", "8w", "8w", ""],
    "R02": ["1", "y", "25w", "3w", "9w", "8.5w", ""],
    "R03": ["1,7", None, "30w", "", "10w", "9w", ""],
    "R04": ["1.7", None, "20w", "2w", "8w", "8.3w", ""],
    "R05": ["1", None, "18w", "5w", "6w", "40000", ""],
    "R06": ["1 2", None, "20w", "2w", "8w", "", "2 8"],
}
EXPECTED = {  # business codes, members away, assets, liabilities, income, amount, reasons
    "R01": ([1, 7], False, "200000", "20000", "80000", "80000", []),
    "R02": ([1], True, "250000", "30000", "90000", "85000", []),
    "R03": ([1, 7], False, "300000", None, "100000", "90000", []),
    "R04": ([1, 7], False, "200000", "20000", "80000", "83000", []),
    "R05": ([1], False, "180000", "50000", "60000", "40000", []),
    "R06": ([1, 2], False, "200000", "20000", "80000", None, [2, 8]),
}


class Keyboard:
    """page.keyboard, counting key presses (one per character typed, one per key pressed)."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def type(self, text: str):
        self.page.keyboard.type(text)
        self.count += len(text)

    def press(self, key: str):
        self.page.keyboard.press(key)
        self.count += 1


def type_row(keyboard: Keyboard, cells: list):
    for index, text in enumerate(cells):
        if index == 1 and text is not None:
            keyboard.type(text)          # 成员务工 takes one key and moves on by itself
            continue
        if text:
            keyboard.type(text)
        keyboard.press("Enter")


def test_officer_types_six_questionnaires_by_keyboard(live_server, page):
    with scopes_disabled():
        village = VillageFactory(name="东岭村")
        group = VillageGroupFactory(village=village, name="1组")
        target = HouseholdFactory(village=village, group=group, code="A-0001", head__name="李大山")
        HouseholdFactory(village=village, group=group, code="A-0002", head__name="陈二")
        respondents = {code: RespondentFactory(village=village, code=code, name=f"评{code}") for code in TYPED}
        campaign = CampaignFactory()
        officer = staff_for(village, user__username="officer_survey").user

    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", officer.username)
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    counts = {}
    for code, cells in TYPED.items():
        page.goto(f"{live_server.url}/surveys/entry/{campaign.pk}/{village.pk}/{group.pk}/{respondents[code].pk}/")
        # The cursor starts in the first cell of the first row not yet saved: no click, no Tab.
        page.locator(f"tr[data-household='{target.pk}'] [name=business_codes]:focus").wait_for()
        keyboard = Keyboard(page)
        type_row(keyboard, cells)
        counts[code] = keyboard.count
        # Enter on the last cell moved the cursor to the next household's row; leaving the row saved it.
        assert page.evaluate("document.activeElement.closest('tr').dataset.household") != str(target.pk)
        page.locator(f"tr[data-household='{target.pk}'] [data-state=saved]").wait_for()
        assert page.locator(f"tr[data-household='{target.pk}'] [name=total_assets]").input_value() != ""

    print("\nkeystrokes per questionnaire:", counts, "mean", sum(counts.values()) / len(counts))
    assert max(counts.values()) <= 24

    with scopes_disabled():
        saved = {q.respondent.code: q for q in Questionnaire.objects.filter(household=target)
                 .select_related("respondent")}
    assert set(saved) == set(TYPED)
    for code, (business, away, assets, liabilities, income, amount, reasons) in EXPECTED.items():
        q = saved[code]
        money = [None if v is None else Decimal(v) for v in (assets, liabilities, income, amount)]
        assert [q.business_codes, q.members_away, q.total_assets, q.total_liabilities, q.net_income, q.amount,
                q.withhold_reasons] == [business, away, *money, reasons], code
        assert q.campaign_id == campaign.pk and q.surveyor_id == officer.pk
        assert q.representative_id == target.representative_id and q.version == 1


def test_a_row_error_is_shown_on_the_row_and_fixed_by_keyboard(live_server, page):
    with scopes_disabled():
        village = VillageFactory(name="东岭村")
        group = VillageGroupFactory(village=village, name="1组")
        target = HouseholdFactory(village=village, group=group, code="A-0001")
        HouseholdFactory(village=village, group=group, code="A-0002")
        respondent = RespondentFactory(village=village, code="R01")
        campaign = CampaignFactory()
        officer = staff_for(village, user__username="officer_survey2").user

    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", officer.username)
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/surveys/entry/{campaign.pk}/{village.pk}/{group.pk}/{respondent.pk}/")
    page.locator("[name=business_codes]:focus").wait_for()

    row = page.locator(f"tr[data-household='{target.pk}']")
    type_row(Keyboard(page), ["1 17", None, "20w", "2w", "8w", "", ""])   # code 17 and neither amount nor reason
    row.locator("[data-state=error]").wait_for()
    assert row.locator(".is-invalid").count() == 2
    assert "17" in row.locator(".entry-status").inner_text()
    assert row.locator(".entry-net").inner_text() == "180,000"
    for _ in range(7):
        page.keyboard.press("Shift+Tab")                                    # back to the first cell of the row
    type_row(Keyboard(page), ["1 7", None, "20w", "2w", "8w", "8w", ""])
    row.locator("[data-state=saved]").wait_for()
    assert row.locator(".is-invalid").count() == 0
    with scopes_disabled():
        q = Questionnaire.objects.get(household=target)
    assert q.business_codes == [1, 7] and q.amount == Decimal(80000)
