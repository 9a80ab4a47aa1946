"""P5: the job that turns an ended board's listed items into credit lines — timing, amounts, dates and history,
idempotence, frozen / rejected items, escalations (L6), and a household that already holds a line."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, connections
from django.utils import timezone
from django_scopes import scopes_disabled

from credit_use.models import CreditLine, CreditLineEvent, LineStatus
from credit_use.services import lines as services_lines
from credit_use.services.lines import lines_take_effect
from publicity.models import ItemStatus, Notice, NoticeItem, Outcome
from sunshine_credit.models import Approval
from tests.credit_use.factories import DAY_AFTER, ENDS, make_ended_world, set_item


def lines(county) -> dict[int, CreditLine]:
    """Lines by the index of their household in the county."""
    with scopes_disabled():
        by_household = {line.household_id: line for line in CreditLine.objects.filter(campaign=county.campaign)}
    return {i: by_household[h.pk] for i, h in enumerate(county.households) if h.pk in by_household}


def status_of(county, i) -> str:
    with scopes_disabled():
        return NoticeItem.objects.get(pk=county.items[i].pk).status


def noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


@pytest.mark.django_db
def test_nothing_happens_while_the_notice_runs(county):
    make_ended_world(county)
    counts = lines_take_effect(today=ENDS)  # the last day of the notice
    assert counts["notices"] == counts["created"] == 0
    assert lines(county) == {}
    assert all(status_of(county, i) == ItemStatus.LISTED for i in range(4))
    with scopes_disabled():
        assert Notice.objects.get(pk=county.notice.pk).ended_at is None


@pytest.mark.django_db
def test_after_the_end_every_listed_item_becomes_a_line_with_its_event(county, settings):
    settings.CREDIT_LINE_YEARS = 3
    make_ended_world(county)
    # Reconsidered during the notice: the amount changed, so the line is the amount after reconsideration.
    set_item(county.items[1], outcome=Outcome.CHANGED, final_amount=Decimal(40000),
             reconsidered_at=noon(datetime.date(2026, 12, 2)))
    counts = lines_take_effect(today=DAY_AFTER)
    assert counts == {"notices": 1, "created": 4, "refused": 0, "waiting": 0, "frozen": 0, "skipped": 0,
                      "failed": 0}
    got = lines(county)
    assert [got[i].amount for i in range(4)] == [Decimal(50000), Decimal(40000), Decimal(52000),
                                                 Decimal(53000)]
    line = got[0]
    assert (line.effective_on, line.expires_on) == (datetime.date(2026, 12, 4), datetime.date(2029, 12, 3))
    assert got[1].effective_on == datetime.date(2026, 12, 4)  # reconsidered before the end: no later start
    assert line.status == LineStatus.ACTIVE and line.campaign_id == county.campaign.pk
    assert line.village_id == county.v_a.pk and line.head_office_id == county.v_a.branch.head_office_id
    assert line.notice_item_id == county.items[0].pk
    with scopes_disabled():
        events = list(CreditLineEvent.objects.filter(line=got[1]))
        notice = Notice.objects.get(pk=county.notice.pk)
        items = list(NoticeItem.objects.filter(notice=notice).order_by("line_no"))
    assert [(e.kind, e.amount_after, e.status_after, e.actor_id, e.reason) for e in events] == [
        (CreditLineEvent.Kind.CREATED, Decimal(40000), LineStatus.ACTIVE, None, county.notice.title)]
    assert all(item.status == ItemStatus.EFFECTIVE and item.version == 2 for item in items)
    assert notice.ended_at is not None


@pytest.mark.django_db
def test_running_twice_gives_one_line_per_item(county):
    make_ended_world(county)
    lines_take_effect(today=DAY_AFTER)
    again = lines_take_effect(today=DAY_AFTER + datetime.timedelta(days=1))
    assert set(again.values()) == {0}
    with scopes_disabled():
        assert CreditLine.objects.count() == 4 and CreditLineEvent.objects.count() == 4
    assert len(lines(county)) == 4


@pytest.mark.django_db
def test_a_frozen_item_waits_for_reconsideration_then_takes_effect_from_that_day(county):
    make_ended_world(county)
    set_item(county.items[0], status=ItemStatus.FROZEN)
    counts = lines_take_effect(today=DAY_AFTER)
    assert (counts["created"], counts["frozen"]) == (3, 1)
    assert 0 not in lines(county) and status_of(county, 0) == ItemStatus.FROZEN
    with scopes_disabled():
        assert Notice.objects.get(pk=county.notice.pk).ended_at is not None

    # The panel reconsiders on 8 December and lowers the amount; the next run makes the line from that day.
    set_item(county.items[0], status=ItemStatus.LISTED, outcome=Outcome.CHANGED, final_amount=Decimal(30000),
             reconsidered_at=noon(datetime.date(2026, 12, 8)))
    counts = lines_take_effect(today=datetime.date(2026, 12, 9))
    assert (counts["notices"], counts["created"], counts["frozen"]) == (1, 1, 0)
    line = lines(county)[0]
    assert line.amount == Decimal(30000)
    assert (line.effective_on, line.expires_on) == (datetime.date(2026, 12, 8), datetime.date(2028, 12, 7))
    assert status_of(county, 0) == ItemStatus.EFFECTIVE


@pytest.mark.django_db
def test_all_items_frozen_still_marks_the_notice_processed(county):
    make_ended_world(county, households=2)
    for item in county.items:
        set_item(item, status=ItemStatus.FROZEN)
    counts = lines_take_effect(today=DAY_AFTER)
    assert (counts["notices"], counts["created"], counts["frozen"]) == (1, 0, 2)
    with scopes_disabled():
        assert Notice.objects.get(pk=county.notice.pk).ended_at is not None
    assert lines_take_effect(today=DAY_AFTER)["notices"] == 0  # nothing listed: not read again


@pytest.mark.django_db
def test_a_rejected_item_never_gets_a_line(county):
    make_ended_world(county)
    set_item(county.items[2], status=ItemStatus.REJECTED, outcome=Outcome.REJECTED)
    lines_take_effect(today=DAY_AFTER)
    lines_take_effect(today=DAY_AFTER + datetime.timedelta(days=5))
    assert set(lines(county)) == {0, 1, 3}
    assert status_of(county, 2) == ItemStatus.REJECTED


@pytest.mark.django_db
def test_escalation_pending_waits_then_approved_takes_effect_on_the_day_of_approval(county):
    make_ended_world(county, escalations={0: "pending", 1: "pending", 2: "approved"})
    counts = lines_take_effect(today=DAY_AFTER)
    assert (counts["created"], counts["waiting"], counts["refused"]) == (2, 2, 0)
    assert set(lines(county)) == {2, 3}
    assert status_of(county, 0) == status_of(county, 1) == ItemStatus.LISTED

    with scopes_disabled():
        decisions = [item.decision for item in county.items]
        Approval.objects.create(head_office=county.v_a.branch.head_office, village=county.v_a,
                                kind="limit_escalation", subject_id=decisions[0].pk, title="x", reason="y",
                                status=Approval.Status.APPROVED, requested_by=county.tina, decided_by=county.sue,
                                decided_at=noon(datetime.date(2026, 12, 6)))
        decisions[0].escalation = "approved"
        decisions[0].save()
        decisions[1].escalation = "rejected"
        decisions[1].save()
    counts = lines_take_effect(today=datetime.date(2026, 12, 7))
    assert (counts["created"], counts["refused"], counts["waiting"]) == (1, 1, 0)
    got = lines(county)
    assert got[0].effective_on == datetime.date(2026, 12, 6)   # the approval's day
    assert got[2].effective_on == DAY_AFTER                    # approved before the end
    assert 1 not in got and status_of(county, 1) == ItemStatus.REFUSED
    assert lines_take_effect(today=datetime.date(2026, 12, 8))["notices"] == 0


@pytest.mark.django_db
def test_escalation_approved_without_a_record_counts_from_the_day_the_job_finds_it(county):
    make_ended_world(county, escalations={0: "pending"})
    lines_take_effect(today=DAY_AFTER)
    with scopes_disabled():
        decision = county.items[0].decision
        decision.escalation = "approved"
        decision.save()
    lines_take_effect(today=datetime.date(2026, 12, 10))
    assert lines(county)[0].effective_on == datetime.date(2026, 12, 10)


@pytest.mark.django_db
def test_a_household_that_already_holds_a_line_of_the_campaign_is_skipped_not_a_crash(county):
    make_ended_world(county)
    home = county.households[3]
    with scopes_disabled():
        CreditLine.objects.create(head_office=home.head_office, village=home.village, household=home,
                                  campaign=county.campaign, amount=Decimal(1000),
                                  effective_on=datetime.date(2026, 11, 1), expires_on=datetime.date(2028, 10, 31))
    counts = lines_take_effect(today=DAY_AFTER)
    assert (counts["created"], counts["skipped"]) == (3, 1)
    assert lines(county)[3].amount == Decimal(1000)
    assert status_of(county, 3) == ItemStatus.LISTED


@pytest.mark.django_db
def test_boards_not_published_are_left_alone(county):
    make_ended_world(county)
    with scopes_disabled():
        Notice.objects.filter(pk=county.notice.pk).update(status=Notice.Status.FAILED)
    assert lines_take_effect(today=DAY_AFTER)["notices"] == 0
    assert lines(county) == {}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_give_one_line_per_item(county):
    """Beat and an IT person's command at the same moment: the second waits on the board's row lock, then finds
    nothing listed."""
    make_ended_world(county)
    barrier, results, errors = threading.Barrier(2), [], []

    def run():
        try:
            barrier.wait()
            results.append(lines_take_effect(today=DAY_AFTER))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and sorted(r["created"] for r in results) == [0, 4]
    assert sum(r["failed"] for r in results) == 0
    assert len(lines(county)) == 4
    with scopes_disabled():
        assert CreditLineEvent.objects.count() == 4


@pytest.mark.django_db
def test_a_board_that_fails_is_rolled_back_whole_and_settled_next_run(county, monkeypatch):
    make_ended_world(county)
    real = services_lines.bulk_insert
    calls = []

    def events_fail(model, fields, rows):
        calls.append(model)
        if model is CreditLineEvent:
            raise IntegrityError("simulated")
        return real(model, fields, rows)

    monkeypatch.setattr(services_lines, "bulk_insert", events_fail)
    counts = lines_take_effect(today=DAY_AFTER)
    assert (counts["failed"], counts["notices"], counts["created"]) == (1, 0, 0)
    assert lines(county) == {} and all(status_of(county, i) == ItemStatus.LISTED for i in range(4))
    with scopes_disabled():
        assert Notice.objects.get(pk=county.notice.pk).ended_at is None
    monkeypatch.setattr(services_lines, "bulk_insert", real)
    assert lines_take_effect(today=DAY_AFTER)["created"] == 4
