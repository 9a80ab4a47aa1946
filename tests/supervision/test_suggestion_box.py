"""V5: suggestion-box openings — recorded by one of the branch's staff and signed by a second, different one
(maker-checker: the same person twice is refused), date and card count; the cards found are entered as
complaints or evaluations linked to the opening, and go to head-office audit like any other."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from supervision.models import Complaint, SuggestionBoxOpening
from supervision.rules.complaints import ComplaintRefused
from supervision.services import complaints as services

pytestmark = pytest.mark.django_db

LIST = "/suggestion-box/"


def record(client, county, user, **overrides) -> SuggestionBoxOpening:
    county.login(client, user)
    data = {"opened_on": timezone.localdate().isoformat(), "card_count": 2, "note": ""}
    data.update(overrides)
    response = client.post(LIST, data)
    assert response.status_code == 302, response.content.decode()[:1500]
    return SuggestionBoxOpening.objects.latest("pk")


def card(**overrides):
    data = {"kind": "evaluation", "rating": "problem", "content": "办贷慢", "name": "", "phone": "", "officer": ""}
    data.update(overrides)
    return data


def test_one_person_alone_cannot_sign_twice(client, county):
    opening = record(client, county, county.tina)
    assert (opening.branch, opening.opened_by, opening.card_count) == (county.branch_a, county.tina, 2)
    response = client.post(reverse("suggestion_opening_confirm", args=[opening.pk]), follow=True)
    assert response.status_code == 200
    opening.refresh_from_db()
    assert opening.confirmed_by is None
    with pytest.raises(ComplaintRefused):
        services.opening_confirm(scope=county.scope(county.tina), actor=county.tina, opening_id=opening.pk)
    # The database refuses it too.
    opening.confirmed_by = county.tina
    with pytest.raises(IntegrityError), transaction.atomic():
        opening.save()


def test_two_different_people_of_the_branch_are_accepted(client, county):
    opening = record(client, county, county.tina)
    county.login(client, county.pat)
    page = client.get(reverse("suggestion_opening_detail", args=[opening.pk])).content.decode()
    assert 'id="opening-sign-form"' in page
    assert client.post(reverse("suggestion_opening_confirm", args=[opening.pk])).status_code == 302
    opening.refresh_from_db()
    assert opening.confirmed_by == county.pat and opening.confirmed_at is not None
    # Signed once: a third signature is refused.
    with pytest.raises(ComplaintRefused):
        services.opening_confirm(scope=county.scope(county.tom), actor=county.tom, opening_id=opening.pk)


def test_another_branch_cannot_see_or_sign(client, county):
    opening = record(client, county, county.tina)
    county.login(client, county.bob)
    assert client.get(reverse("suggestion_opening_detail", args=[opening.pk])).status_code == 404
    assert client.post(reverse("suggestion_opening_confirm", args=[opening.pk])).status_code == 404
    with pytest.raises(Http404):
        services.opening_confirm(scope=county.scope(county.bob), actor=county.bob, opening_id=opening.pk)
    opening.refresh_from_db()
    assert opening.confirmed_by is None


def test_head_office_does_not_record_openings(county):
    with pytest.raises(Exception) as exc:
        services.opening_record(scope=county.scope(county.aude), actor=county.aude,
                                opened_on=timezone.localdate(), card_count=1)
    assert exc.type.__name__ == "PermissionDenied"
    with pytest.raises(ComplaintRefused):
        services.opening_record(scope=county.scope(county.tina), actor=county.tina,
                                opened_on=timezone.localdate() + datetime.timedelta(days=1), card_count=1)
    assert not SuggestionBoxOpening.objects.exists()


def test_cards_are_entered_after_the_second_signature_and_linked(client, county):
    opening = record(client, county, county.tina)
    url = reverse("suggestion_opening_card", args=[opening.pk])
    assert client.post(url, card()).status_code == 400   # not signed yet
    assert not Complaint.objects.exists()
    county.login(client, county.pat)
    client.post(reverse("suggestion_opening_confirm", args=[opening.pk]))
    assert client.post(url, card(officer=county.tina.pk)).status_code == 302
    assert client.post(url, card(kind="complaint", rating="", content="柜台态度差")).status_code == 302
    cards = list(Complaint.objects.order_by("pk"))
    assert [(c.opening_id, c.source, c.received_on) for c in cards] == [(opening.pk, "box", opening.opened_on)] * 2
    assert cards[0].officer == county.tina and cards[0].status == "open" and cards[1].kind == "complaint"
    # The count is reached: a third card is refused.
    assert client.post(url, card()).status_code == 400
    assert Complaint.objects.count() == 2
    # The branch does not see them afterwards; audit does.
    assert client.get(reverse("complaint_detail", args=[cards[0].pk])).status_code == 404
    county.login(client, county.aude)
    page = client.get("/complaints/").content.decode()
    assert cards[0].reference in page and cards[1].reference in page


def test_card_for_an_officer_of_another_branch_is_refused(client, county):
    opening = record(client, county, county.tina)
    services.opening_confirm(scope=county.scope(county.pat), actor=county.pat, opening_id=opening.pk)
    county.login(client, county.pat)
    assert client.post(reverse("suggestion_opening_card", args=[opening.pk]),
                       card(officer=county.bob.pk)).status_code == 400
    assert not Complaint.objects.exists()


def test_openings_list_query_count(client, county, django_assert_num_queries):
    record(client, county, county.tina)
    county.login(client, county.pat)
    with django_assert_num_queries(4) as captured:
        client.get(LIST)
    first = len(captured.captured_queries)
    for _i in range(3):
        record(client, county, county.tom)
    county.login(client, county.pat)
    with django_assert_num_queries(first):
        page = client.get(LIST).content.decode()
    assert page.count("/suggestion-box/") >= 4
