"""P4 at the counter and reconsideration (复议): lodging freezes the line, only while the notice runs; the panel's
outcome (upheld / changed / rejected, with reasons; changed only lowers) closes the objections; scope (R1) and
roles for reads and writes, and R3 on the reconsideration form."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from publicity import rules, selectors, services
from publicity.models import ItemStatus, NoticeItem, Objection
from sunshine_credit.errors import Stale
from sunshine_credit.scoping import scope_for_user
from tests.publicity.factories import make_notice_world

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r"YY[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10}")


@pytest.fixture
def county(county):
    """The county's board of 东岭村: four lines, 50,000 + i×1,000 元, running today (make_notice_world)."""
    return make_notice_world(county)


def item_of(county, i=0) -> NoticeItem:
    with scopes_disabled():
        return NoticeItem.objects.get(pk=county.items[i].pk)


def objections_of(county) -> list[Objection]:
    with scopes_disabled():
        return list(Objection.objects.filter(notice=county.notice).order_by("pk"))


def lodge_url(county):
    return f"/publicity/notices/{county.notice.pk}/objections/new/"


def reconsider_url(county, i=0):
    return f"/publicity/items/{county.items[i].pk}/reconsider/"


def detail_path(county):
    return f"/publicity/notices/{county.notice.pk}/"


def lodge(county, who="tina", line_no=1, content="他家常年在外，不在本村居住"):
    user = county[who]
    return services.objection_lodge(scope=scope_for_user(user), actor=user, notice_id=county.notice.pk,
                                    line_no=line_no, content=content)


def form_errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def snapshot(county):
    """What a refused request must leave as it was."""
    with scopes_disabled():
        items = list(NoticeItem.objects.filter(notice=county.notice).order_by("line_no").values_list(
            "status", "version", "outcome", "final_amount", "outcome_reason", "reconsidered_by"))
    return items, [(o.pk, o.status) for o in objections_of(county)]


# --- lodging at the counter -------------------------------------------------------------------------------

def test_counter_objection_freezes_the_line(client, county):
    client.force_login(county.tina)
    data = {"line_no": "2", "content": "  他家已有他行贷款逾期  ", "objector_name": "", "objector_phone": ""}
    response = client.post(lodge_url(county), data)
    assert response.status_code == 302 and response["Location"] == detail_path(county)
    item = item_of(county, 1)
    assert (item.status, item.version) == (ItemStatus.FROZEN, 2)
    [objection] = objections_of(county)
    assert (objection.item_id, objection.channel, objection.status, objection.lodged_by) == (
        item.pk, Objection.Channel.COUNTER, Objection.Status.OPEN, county.tina)
    assert objection.content == "他家已有他行贷款逾期" and objection.objector_name == ""
    assert REFERENCE.fullmatch(objection.reference)
    assert item_of(county, 0).status == ItemStatus.LISTED


def test_counter_form_preselects_the_item(client, county):
    client.force_login(county.tina)
    response = client.get(lodge_url(county) + f"?item={county.items[2].pk}")
    assert response.status_code == 200
    assert response.context["form"]["line_no"].value() == 3


def test_president_may_lodge_at_the_counter(client, county):
    client.force_login(county.pat)
    assert client.get(lodge_url(county)).status_code == 200
    response = client.post(lodge_url(county), {"line_no": "1", "content": "金额过高", "objector_name": "李四",
                                              "objector_phone": "138 1234 5678"})
    assert response.status_code == 302
    [objection] = objections_of(county)
    assert (objection.lodged_by, objection.objector_name, objection.objector_phone) == (
        county.pat, "李四", "13812345678")


def test_supervisor_reads_the_village_but_does_not_serve_the_counter(client, county):
    client.force_login(county.sue)
    before = snapshot(county)
    assert client.get(lodge_url(county)).status_code == 403
    assert client.post(lodge_url(county), {"line_no": "1", "content": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        lodge(county, "sue")
    assert snapshot(county) == before


def test_other_branch_gets_404_on_the_counter_form_and_writes_nothing(client, county):
    client.force_login(county.bob)
    before = snapshot(county)
    assert client.get(lodge_url(county)).status_code == 404
    assert client.post(lodge_url(county), {"line_no": "1", "content": "金额过高"}).status_code == 404
    with pytest.raises(Http404):
        lodge(county, "bob")
    assert snapshot(county) == before


@pytest.mark.parametrize("offset, days", [(1, 3), (-5, 3)], ids=["not_started", "over"])
def test_counter_refuses_outside_the_notice_period(client, offset, days):
    county = make_notice_world(starts_on=timezone.localdate() + datetime.timedelta(days=offset), days=days)
    notice = county.notice
    client.force_login(county.tina)
    response = client.post(lodge_url(county), {"line_no": "1", "content": "金额过高"})
    assert response.status_code == 200
    expected = selectors.running_refusal(notice)
    assert expected and response.context["closed"] == expected
    assert formats.date_format(notice.starts_on) in expected and formats.date_format(notice.ends_on) in expected
    assert objections_of(county) == [] and item_of(county).status == ItemStatus.LISTED
    with pytest.raises(rules.ObjectionRefused):
        lodge(county)


def test_running_check_includes_the_first_and_last_day():
    start, end = datetime.date(2026, 12, 1), datetime.date(2026, 12, 3)
    for today in (start, end):
        rules.check_running(kind="precredit", status="published", starts_on=start, ends_on=end, today=today)
    for today, kind, status in [(start - datetime.timedelta(days=1), "precredit", "published"),
                                (end + datetime.timedelta(days=1), "precredit", "published"),
                                (start, "precredit", "rendering"), (start, "revocation", "published")]:
        with pytest.raises(rules.ObjectionRefused):
            rules.check_running(kind=kind, status=status, starts_on=start, ends_on=end, today=today)


def test_a_second_objection_keeps_the_line_frozen_and_moves_its_version(county):
    lodge(county)
    lodge(county, content="另一条异议")
    item = item_of(county)
    assert (item.status, item.version) == (ItemStatus.FROZEN, 3)
    assert len({o.reference for o in objections_of(county)}) == 2


def test_a_rejected_line_takes_no_more_objections(county):
    lodge(county)
    tina = county.tina
    services.item_reconsider(scope=scope_for_user(tina), actor=tina, item_id=county.items[0].pk, version=2,
                             outcome="rejected", reason="核实属实")
    with pytest.raises(rules.ObjectionRefused):
        lodge(county)
    assert len(objections_of(county)) == 1 and item_of(county).status == ItemStatus.REJECTED


def test_a_colliding_reference_is_drawn_again(county, monkeypatch):
    first = lodge(county)
    drawn = iter([first.reference, "YY23456789AB"])
    monkeypatch.setattr(services, "new_reference", lambda: next(drawn))
    second = lodge(county, line_no=2)
    assert second.reference == "YY23456789AB"
    assert item_of(county, 1).status == ItemStatus.FROZEN


# --- reconsideration --------------------------------------------------------------------------------------

@pytest.fixture
def objected(county):
    """Line 1 objected at the counter and on the public form; line 2 objected too (stays open)."""
    lodge(county)
    services.objection_lodge_public(token=county.notice.public_token, line_no=1, content="名字写错了")
    lodge(county, line_no=2)
    return county


def reconsider(client, county, i=0, **data):
    version = data.pop("version", None)
    data = {"outcome": "upheld", "reason": "经复议，情况不属实", "amount": "",
            "version": item_of(county, i).version if version is None else version, **data}
    return client.post(reconsider_url(county, i), data)


def test_reconsider_page_shows_the_objections_with_masked_phones(client, objected):
    with scopes_disabled():
        Objection.objects.filter(item=objected.items[0]).update(objector_phone="13812345678")
    client.force_login(objected.tina)
    response = client.get(reconsider_url(objected))
    assert response.status_code == 200
    body = response.content.decode()
    assert "名字写错了" in body and "138****5678" in body and "13812345678" not in body


def test_upheld_lists_the_line_again_and_closes_its_objections(client, objected):
    client.force_login(objected.tina)
    response = reconsider(client, objected, outcome="upheld", reason="  经核实，情况不属实  ")
    assert response.status_code == 302 and response["Location"] == detail_path(objected)
    item = item_of(objected)
    assert (item.status, item.outcome, item.final_amount, item.outcome_reason, item.version) == (
        ItemStatus.LISTED, "upheld", None, "经核实，情况不属实", 4)
    assert item.reconsidered_by == objected.tina and item.reconsidered_at is not None
    statuses = {(o.item_id, o.status) for o in objections_of(objected)}
    assert statuses == {(item.pk, "closed"), (objected.items[1].pk, "open")}


def test_changed_lowers_the_amount(client, objected):
    client.force_login(objected.tina)
    response = reconsider(client, objected, outcome="changed", amount="4万", reason="家庭负债较多，下调额度")
    assert response.status_code == 302
    item = item_of(objected)
    assert (item.status, item.outcome, item.final_amount) == (ItemStatus.LISTED, "changed", Decimal("40000.00"))
    assert item.effective_amount == Decimal(40000)
    assert all(o.status == "closed" for o in objections_of(objected) if o.item_id == item.pk)


def test_rejected_takes_the_line_off(client, objected):
    client.force_login(objected.tina)
    assert reconsider(client, objected, outcome="rejected", reason="反映情况属实").status_code == 302
    item = item_of(objected)
    assert (item.status, item.outcome, item.final_amount) == (ItemStatus.REJECTED, "rejected", None)
    assert all(o.status == "closed" for o in objections_of(objected) if o.item_id == item.pk)


@pytest.mark.parametrize("amount", ["50000", "60000", "0"])
def test_changed_amount_must_be_lower_and_positive(client, objected, amount):
    client.force_login(objected.tina)
    before = snapshot(objected)
    response = reconsider(client, objected, outcome="changed", amount=amount)
    assert response.status_code == 200
    if amount == "0":
        expected = _("The amount after reconsideration must be above zero; to give no credit, choose “rejected”.")
    else:
        expected = _("An objection can only lower a line, never raise it: enter an amount below "
                     "%(amount)s yuan, the line as it stands.") % {"amount": "50,000"}
    assert form_errors(response) == [expected]
    assert snapshot(objected) == before


def test_changed_needs_an_amount(client, objected):
    client.force_login(objected.tina)
    before = snapshot(objected)
    response = reconsider(client, objected, outcome="changed", amount="")
    assert form_errors(response) == [_("Enter the amount after reconsideration.")]
    assert snapshot(objected) == before


@pytest.mark.parametrize("outcome", ["upheld", "changed", "rejected"])
def test_every_outcome_needs_reasons(client, objected, outcome):
    client.force_login(objected.tina)
    before = snapshot(objected)
    response = reconsider(client, objected, outcome=outcome, amount="40000", reason="   ")
    assert response.status_code == 200
    assert form_errors(response) == [_("Write the reasons for the reconsideration.")]
    assert snapshot(objected) == before


def test_stale_version_is_refused(client, objected):
    client.force_login(objected.tina)
    shown = item_of(objected).version
    lodge(objected, content="又一条异议")  # arrives while the panel's form is open
    before = snapshot(objected)
    response = reconsider(client, objected, version=shown, outcome="rejected")
    assert response.status_code == 302 and response["Location"] == reconsider_url(objected)
    page = client.get(response["Location"])
    assert _("This line was changed by someone else meanwhile (a new objection, or a reconsideration). "
             "Reload the page.") in messages_of(page)
    assert snapshot(objected) == before
    with pytest.raises(Stale):
        services.item_reconsider(scope=scope_for_user(objected.tina), actor=objected.tina,
                                 item_id=objected.items[0].pk, version=shown, outcome="upheld", reason="x")


def test_only_a_frozen_line_is_reconsidered(client, objected):
    client.force_login(objected.tina)
    before = snapshot(objected)
    page = client.get(reconsider_url(objected, 2))
    assert page.status_code == 200 and page.context["frozen"] is False
    response = reconsider(client, objected, i=2)
    assert form_errors(response) == [_("Only a line frozen by an objection is reconsidered.")]
    assert snapshot(objected) == before


def test_reconsideration_after_the_notice_ended(client):
    county = make_notice_world(starts_on=timezone.localdate() - datetime.timedelta(days=2), days=3)
    lodge(county)  # on the last day
    with scopes_disabled():
        county.notice.starts_on -= datetime.timedelta(days=3)
        county.notice.ends_on -= datetime.timedelta(days=3)
        county.notice.save()
    client.force_login(county.tina)
    assert reconsider(client, county, outcome="upheld").status_code == 302
    assert item_of(county).status == ItemStatus.LISTED


def test_president_may_not_reconsider(client, objected):
    client.force_login(objected.pat)
    before = snapshot(objected)
    assert client.get(reconsider_url(objected)).status_code == 403
    assert reconsider(client, objected).status_code == 403
    with pytest.raises(PermissionDenied):
        services.item_reconsider(scope=scope_for_user(objected.pat), actor=objected.pat,
                                 item_id=objected.items[0].pk, version=3, outcome="upheld", reason="x")
    assert snapshot(objected) == before


def test_other_branch_gets_404_on_the_reconsider_page_and_writes_nothing(client, objected):
    client.force_login(objected.bob)
    before = snapshot(objected)
    assert client.get(reconsider_url(objected)).status_code == 404
    assert reconsider(client, objected).status_code == 404
    with pytest.raises(Http404):
        services.item_reconsider(scope=scope_for_user(objected.bob), actor=objected.bob,
                                 item_id=objected.items[0].pk, version=3, outcome="upheld", reason="x")
    assert snapshot(objected) == before


def test_audit_records_the_lodging_and_the_reconsideration_without_the_phone(client, county):
    client.force_login(county.tina)
    client.post(lodge_url(county), {"line_no": "1", "content": "金额过高", "objector_phone": "13912345678"})
    assert reconsider(client, county, outcome="rejected", reason="反映属实").status_code == 302
    [objection] = objections_of(county)
    with scopes_disabled():
        item_entries = list(LogEntry.objects.get_for_object(item_of(county)).order_by("timestamp"))
        objection_entries = list(LogEntry.objects.get_for_object(objection).order_by("timestamp"))
    assert [(e.actor, e.changes["status"]) for e in item_entries[-2:]] == [
        (county.tina, ["listed", "frozen"]), (county.tina, ["frozen", "rejected"])]
    assert [e.changes.get("status") for e in objection_entries][-1] == ["open", "closed"]
    assert "13912345678" not in json.dumps([e.changes for e in objection_entries])  # R4: masked
