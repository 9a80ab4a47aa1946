"""P4: a line objected to again after a reconsideration lowered it is judged against the amount that stands:
upheld keeps the lowered amount, a change must go lower still — an objection never raises a line."""

from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from publicity import rules, services
from publicity.models import NoticeItem, Outcome
from sunshine_credit.scoping import scope_for_user
from tests.publicity.factories import make_notice_world

pytestmark = pytest.mark.django_db


def lodge(county):
    tina = county.tina
    services.objection_lodge(scope=scope_for_user(tina), actor=tina, notice_id=county.notice.pk, line_no=1,
                             content="额度偏高")


def reconsider(county, outcome, amount=None):
    tina = county.tina
    with scopes_disabled():
        item = NoticeItem.objects.get(pk=county.items[0].pk)
    return services.item_reconsider(scope=scope_for_user(tina), actor=tina, item_id=item.pk, version=item.version,
                                    outcome=outcome, reason="评议小组复议", amount=amount)


def test_upheld_after_a_lowering_keeps_the_lowered_amount_and_a_change_cannot_raise_it(county):
    make_notice_world(county, households=2)  # line 1 published at 50,000
    lodge(county)
    assert reconsider(county, Outcome.CHANGED, Decimal(20000)).effective_amount == Decimal(20000)
    lodge(county)
    with pytest.raises(rules.ObjectionRefused):
        reconsider(county, Outcome.CHANGED, Decimal(30000))  # below the published 50,000, above the standing 20,000
    assert reconsider(county, Outcome.UPHELD).effective_amount == Decimal(20000)
