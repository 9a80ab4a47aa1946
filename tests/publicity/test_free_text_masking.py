"""R5/R4 for what people type (issue 13.5): ID and mobile numbers written into an objection or the panel's
reasons are whole only for a maker of the village; tellers, supervisors, the public look-up and the audit
see them masked."""

import pytest
from auditlog.models import LogEntry
from django.core.cache import cache
from django_scopes import scopes_disabled

from publicity import services
from publicity.models import NoticeItem, Objection
from sunshine_credit.scoping import scope_for_user
from tests.publicity.factories import make_notice_world

pytestmark = pytest.mark.django_db

ID, PHONE = "11010519491231002X", "13812345678"
ID_MASKED, PHONE_MASKED = "110105********002X", "138****5678"
TYPED = f"户主身份证{ID}，电话{PHONE}，常年在外"
REASON = f"经核实（联系人{PHONE}），维持原额度"


@pytest.fixture
def county(county):
    """The county's board of 东岭村 (make_notice_world): tina lodges TYPED against line 1 and the panel upholds
    it, giving REASON."""
    make_notice_world(county)
    tina = county.tina
    services.objection_lodge(scope=scope_for_user(tina), actor=tina, notice_id=county.notice.pk, line_no=1,
                             content=TYPED)
    with scopes_disabled():
        version = NoticeItem.objects.get(pk=county.items[0].pk).version
    services.item_reconsider(scope=scope_for_user(tina), actor=tina, item_id=county.items[0].pk,
                             version=version, outcome="upheld", reason=REASON)
    return county


def board_page(client, county, who) -> str:
    client.force_login(county[who])
    response = client.get(f"/publicity/notices/{county.notice.pk}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("who", ["tom", "pat", "sue"])  # teller, branch president, head-office supervisor
def test_readers_see_ids_and_phones_in_objections_and_reasons_masked(client, county, who):
    page = board_page(client, county, who)
    assert ID not in page and PHONE not in page
    assert ID_MASKED in page and PHONE_MASKED in page and "常年在外" in page and "维持原额度" in page


def test_the_villages_officer_sees_them_whole(client, county):
    page = board_page(client, county, "tina")
    assert TYPED in page and REASON in page


def test_the_public_look_up_masks_the_reasons(client, county):
    cache.clear()  # the look-up's rate limit counts in the cache
    with scopes_disabled():
        reference = Objection.objects.get(notice=county.notice).reference
    body = client.post("/public/lookup/", {"reference": reference}).content.decode()
    assert "维持原额度" in body and PHONE not in body and PHONE_MASKED in body


def test_the_audit_keeps_free_text_masked(county):
    with scopes_disabled():
        objection = Objection.objects.get(notice=county.notice)
        entries = list(LogEntry.objects.get_for_object(objection)) + list(
            LogEntry.objects.get_for_object(NoticeItem.objects.get(pk=county.items[0].pk)))
    stored = " ".join(str(e.changes) for e in entries)
    assert "常年在外" in stored and "维持原额度" in stored
    assert ID not in stored and PHONE not in stored and ID_MASKED in stored and PHONE_MASKED in stored
