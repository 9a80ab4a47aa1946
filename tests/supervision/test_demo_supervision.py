"""The demo's supervision (supervision/demo/reviews.py, complaints.py, overview.py): a democratic review of BR01 with
findings, complaints and cards routed to head-office audit, a suggestion-box opening signed by two people, the
campaign's timetable partly behind, and 90 days of village figures for the monthly trends. Written through the
services (their rules and audit hold); a second `seed_demo` writes nothing."""

import io
import json

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from sunshine_credit.models import Branch, Village
from sunshine_credit.scoping import scope_for_profile
from supervision.demo.reviews import half_year
from supervision.models import (
    Complaint,
    ComplaintChannel,
    Finding,
    Review,
    StagePlan,
    SuggestionBoxOpening,
    VillageDay,
)
from supervision.selectors import complaints as complaint_selectors
from supervision.selectors.overview import campaign_or_latest, overview

pytestmark = pytest.mark.django_db


def seed() -> dict:
    out = io.StringIO()
    call_command("seed_demo", "--json", stdout=out)
    return json.loads(out.getvalue())


def counts() -> dict:
    with scopes_disabled():
        return {model.__name__: model.objects.count() for model in (
            Review, Finding, Complaint, ComplaintChannel, SuggestionBoxOpening, StagePlan, VillageDay)} | {
            "closed": Finding.objects.filter(status=Finding.Status.CLOSED).count(),
            "handled": Complaint.objects.filter(status=Complaint.Status.HANDLED).count()}


def user(username):
    return get_user_model().objects.get(username=username)


def test_seeding_twice_gives_the_same_rows():
    first = seed()
    before = counts()
    assert before["Review"] == 1 and before["Finding"] == 2 and before["closed"] == 1
    assert before["Complaint"] == 6 and before["handled"] == 1 and before["SuggestionBoxOpening"] == 1
    assert before["StagePlan"] == 6 and before["VillageDay"] == 5 * 90
    assert first["created"]["village_days"] == 450 and first["created"]["complaints"] == 6
    second = seed()
    assert counts() == before
    assert not {key: n for key, n in second["created"].items() if n}


def test_the_complaint_about_officer1_is_audits_not_the_branchs(client):
    seed()
    with scopes_disabled():
        about = Complaint.objects.filter(officer__username="officer1", branch__code="BR01")
        assert set(about.values_list("kind", "source")) == {(Complaint.Kind.COMPLAINT, Complaint.Source.COUNTER),
                                                             (Complaint.Kind.EVALUATION, Complaint.Source.PUBLIC)}
        card = about.get(kind=Complaint.Kind.EVALUATION)
        complaint = about.get(kind=Complaint.Kind.COMPLAINT)
    today = timezone.localdate()
    assert card.rating == Complaint.Rating.PROBLEM and card.status == Complaint.Status.OPEN and card.due_on > today
    assert complaint.escalated and complaint.entered_by == user("teller1")

    president, auditor = user("president1"), user("auditor")
    assert president.staff_profile.branch.code == "BR01"
    assert not complaint_selectors.complaints(scope=scope_for_profile(president.staff_profile)).exists()
    client.force_login(president)
    assert client.get(reverse("complaint_list")).status_code == 404
    for row in (card, complaint):
        assert client.get(reverse("complaint_detail", args=[row.pk])).status_code == 404
    client.force_login(auditor)
    page = client.get(reverse("complaint_list")).content.decode()
    assert card.reference in page and complaint.reference in page
    assert client.get(reverse("complaint_detail", args=[complaint.pk])).status_code == 200


def test_the_demo_goes_through_the_services_rules_and_audit():
    seed()
    auditor, teller = user("auditor"), user("teller1")
    with scopes_disabled():
        review = Review.objects.get()
        assert (review.branch.code, review.period, review.drawn_by) == ("BR01", half_year(timezone.localdate()), auditor)
        assert review.villages.count() == 2 and review.officer is not None     # half of BR01's three villages, up
        closed = review.findings.get(status=Finding.Status.CLOSED)
        assert closed.closed_by == auditor and closed.closing_note and closed.staff == review.officer
        assert review.findings.get(status=Finding.Status.OPEN).household.village in review.villages.all()

        handled = Complaint.objects.get(status=Complaint.Status.HANDLED)
        assert handled.branch.code == "BR02" and handled.handled_by == auditor and handled.result and handled.reply
        assert Complaint.objects.filter(rating=Complaint.Rating.SATISFIED, status=Complaint.Status.RECORDED).exists()

        opening = SuggestionBoxOpening.objects.get()
        assert opening.opened_by == teller and opening.confirmed_by not in (None, teller)
        assert opening.cards.count() == opening.card_count == 2
        assert all(card.source == Complaint.Source.BOX and card.received_on == opening.opened_on
                   for card in opening.cards.all())

        # R4: the audit names who did each thing
        actors = set(LogEntry.objects.get_for_model(Complaint).values_list("actor__username", flat=True))
        assert {"teller1", "auditor"} <= actors
        assert LogEntry.objects.get_for_model(Finding).filter(actor=auditor).count() >= 3   # two added, one closed
        assert LogEntry.objects.get_for_model(SuggestionBoxOpening).filter(actor=opening.confirmed_by).exists()


def test_the_timetable_is_partly_behind_and_the_history_spans_90_days():
    seed()
    scope = scope_for_profile(user("supervisor").staff_profile)
    with scopes_disabled():
        campaign = campaign_or_latest(scope=scope, pk=None)
        assert campaign.code == "2026A" and campaign.stage_plans.count() == 6
        plan = overview(scope=scope, level="county", campaign=campaign)["plan"]
        behind = [row.stage for row in plan if row.behind]
        assert "archived" in behind and len(behind) < len(plan)

        today = timezone.localdate()
        for village in Village.objects.filter(branch__in=Branch.objects.all()):
            days = VillageDay.objects.filter(village=village)
            assert days.count() == 90 and days.order_by("on").last().on == today
        months = {day.strftime("%Y-%m") for day in VillageDay.objects.values_list("on", flat=True)}
        assert len(months) >= 3
        # history grows towards today: never more archived than on the roster, and the archive only grows
        archived = list(VillageDay.objects.filter(village__code="BR01V01").order_by("on")
                        .values_list("archived", "roster"))
        assert all(a <= r for a, r in archived)
        assert [a for a, _r in archived] == sorted(a for a, _r in archived) and archived[0][0] < archived[-1][0]
