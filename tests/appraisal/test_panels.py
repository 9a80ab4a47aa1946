"""A1/A2: the reviewer registry with logins, forming panels (recusal at formation), the round (A3), scope (R1)."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from appraisal import selectors
from appraisal.models import Panel, Reviewer, ReviewerKind
from appraisal.services import panels as services_panels
from sunshine_credit.models import Role
from sunshine_credit.scoping import scope_for_user
from tests.appraisal.factories import PanelFactory, ReviewerFactory, make_panel_world, reviewer_with_login
from tests.factories import HouseholdFactory
from tests.surveys.campaign_world import zh

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(county):
    """make_panel_world: an open round over three households of 东岭村."""
    return make_panel_world(county)


def form_data(campaign, village, reviewers, positions=None, **extra):
    data = {"campaign": campaign.pk, "village": village.pk, "unit_kind": "village", "unit_name": "新评议小组",
            "preset": "standard", "members-TOTAL_FORMS": 12, "members-INITIAL_FORMS": 0,
            "members-MIN_NUM_FORMS": 12, "members-MAX_NUM_FORMS": 12, **extra}
    for i in range(12):
        data[f"members-{i}-reviewer"] = reviewers[i].pk if i < len(reviewers) else ""
        data[f"members-{i}-position"] = (positions or {}).get(i, "member")
    return data


@pytest.fixture
def fresh(county):
    """A second campaign for v_a with five fresh reviewers registered at branch A."""
    from tests.surveys.factories import CampaignFactory
    with scopes_disabled():
        campaign = CampaignFactory(head_office=county.head_office)
        kinds = ["cadre", "villager", "villager", "villager", "villager"]
        reviewers = [ReviewerFactory(branch=county.branch_a, kind=k) for k in kinds]
    return {"campaign": campaign, "reviewers": reviewers}


def test_officer_forms_a_standard_panel(client, county, fresh):
    client.force_login(county.tina)
    response = client.post(reverse("appraisal:panel_create"), form_data(fresh["campaign"], county.v_a,
                                                                       fresh["reviewers"], {0: "leader"}))
    assert response.status_code == 302, response.content.decode()[:3000]
    with scopes_disabled():
        panel = Panel.objects.get(campaign=fresh["campaign"])
        assert [m.reviewer_id for m in panel.members.order_by("seat")] == [r.pk for r in fresh["reviewers"]]
        assert panel.members.get(seat=1).position == "leader"
        assert panel.status == Panel.Status.FORMING


def test_third_cadre_refused_with_message_and_nothing_written(client, county, fresh):
    with scopes_disabled():
        for reviewer in fresh["reviewers"][1:3]:
            reviewer.kind = ReviewerKind.CADRE
            reviewer.save()
    client.force_login(county.tina)
    response = client.post(reverse("appraisal:panel_create"), form_data(fresh["campaign"], county.v_a,
                                                                       fresh["reviewers"]))
    assert response.status_code == 200
    assert zh("At most %(n)d of the reviewers may be village or street cadres; this panel has %(count)d.", n=2,
              count=3) in response.content.decode()
    with scopes_disabled():
        assert not Panel.objects.filter(campaign=fresh["campaign"]).exists()


def test_area_officer_cannot_sit_on_the_panel_of_their_area(county, fresh):
    """A2 recusal at formation: tina is in charge of v_a."""
    with scopes_disabled():
        tina_reviewer = ReviewerFactory(branch=county.v_a.branch, kind=ReviewerKind.BANK_STAFF, user=county.tina)
    members = [(tina_reviewer.pk, "member")] + [(r.pk, "member") for r in fresh["reviewers"][1:]]
    with pytest.raises(services_panels.PanelRefused) as exc:
        services_panels.panel_create(scope=scope_for_user(county.ada), actor=county.ada,
                                     campaign=fresh["campaign"], village_id=county.v_a.pk,
                                     fields={"unit_kind": "village", "unit_name": "X", "preset": "standard"},
                                     members=members)
    assert str(exc.value) == zh("%(name)s is the loan officer in charge of this area and must not sit on its panel "
                                "(recusal).", name=tina_reviewer.name)
    with scopes_disabled():
        assert not Panel.objects.filter(campaign=fresh["campaign"]).exists()


def test_officer_of_another_branch_gets_404(client, county, fresh):
    client.force_login(county.bob)
    panel = county.panel
    assert client.get(reverse("appraisal:panel_detail", args=[panel.pk])).status_code == 404
    assert client.get(reverse("appraisal:panel_edit", args=[panel.pk])).status_code == 404
    assert client.post(reverse("appraisal:panel_round", args=[panel.pk, "close"]),
                       {"version": panel.version, "confirmed": "1"}).status_code == 404
    response = client.post(reverse("appraisal:panel_create"), form_data(fresh["campaign"], county.v_a,
                                                                       fresh["reviewers"]))
    assert response.status_code == 200  # v_a is not a choice for bob: a form error, nothing written
    with scopes_disabled():
        assert Panel.objects.get(pk=panel.pk).status == Panel.Status.OPEN
        assert not Panel.objects.filter(campaign=fresh["campaign"]).exists()


def test_president_reads_but_does_not_close(client, county):
    client.force_login(county.pat)
    panel = county.panel
    assert client.get(reverse("appraisal:panel_detail", args=[panel.pk])).status_code == 200
    assert client.post(reverse("appraisal:panel_round", args=[panel.pk, "close"]),
                       {"version": panel.version, "confirmed": "1"}).status_code == 404


def test_open_and_close_round_through_the_page(client, county):
    with scopes_disabled():
        Panel.objects.filter(pk=county.panel.pk).update(status=Panel.Status.FORMING)
        panel = Panel.objects.get(pk=county.panel.pk)
    client.force_login(county.tina)
    client.post(reverse("appraisal:panel_round", args=[panel.pk, "open"]), {"version": panel.version})
    with scopes_disabled():
        panel.refresh_from_db()
    assert panel.status == Panel.Status.OPEN
    stale = client.post(reverse("appraisal:panel_round", args=[panel.pk, "close"]),
                        {"version": panel.version - 1, "confirmed": "1"},
                        follow=True)
    assert zh("This panel was changed by someone else meanwhile. Reload the page.") in stale.content.decode()
    client.post(reverse("appraisal:panel_round", args=[panel.pk, "close"]),
                {"version": panel.version, "confirmed": "1"})
    with scopes_disabled():
        panel.refresh_from_db()
        assert panel.status == Panel.Status.CLOSED and panel.closed_by == county.tina
        assert panel.decisions.count() == 3


def test_members_fixed_once_open(county):
    panel = county.panel
    with pytest.raises(services_panels.PanelRefused):
        services_panels.panel_update(scope=scope_for_user(county.tina), actor=county.tina, panel_id=panel.pk,
                                     version=panel.version, fields={}, members=[])


def test_external_reviewer_gets_a_reviewer_login(client, county):
    client.force_login(county.tina)
    response = client.post(reverse("appraisal:reviewer_create"), {
        "branch": county.v_a.branch.pk, "name": "王老党员", "kind": "villager", "title": "老党员",
        "phone": "13900001111", "active": "on", "household_code": "A-0002"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("max-age=0") or "no-cache" in response.headers["Cache-Control"]
    with scopes_disabled():
        reviewer = Reviewer.objects.get(name="王老党员")
        assert reviewer.household == county.households[1]
        assert reviewer.user.staff_profile.role == Role.REVIEWER
        password = response.context["password"]
    assert reviewer.user.check_password(password) and reviewer.user.username.startswith("py")
    assert_handed_over(password)


def assert_handed_over(password: str) -> None:
    """Read off the screen and typed by a villager: 12 symbols without look-alikes (0/O/o, 1/I/l, i, j)."""
    from sunshine_credit.lib.passwords import HANDOVER_ALPHABET, HANDOVER_LENGTH

    assert len(password) == HANDOVER_LENGTH and set(password) <= set(HANDOVER_ALPHABET), password


def test_reviewer_login_reaches_only_their_own_pages(client, county):
    reviewer = county.reviewers[0]
    client.force_login(reviewer.user)
    assert client.get("/").status_code == 302
    for url in [reverse("households:household_list"), reverse("appraisal:panel_list"),
                reverse("appraisal:panel_detail", args=[county.panel.pk]), reverse("surveys:campaign_list"),
                reverse("appraisal:reviewer_list")]:
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("appraisal:my_panels")).status_code == 200
    assert client.get(reverse("appraisal:seat_home", args=[county.panel.pk])).status_code == 200
    assert client.get(reverse("appraisal:seat_home", args=[county.panel_b.pk])).status_code == 404


def test_reviewer_registry_is_scoped_by_branch(client, county):
    client.force_login(county.bob)
    response = client.get(reverse("appraisal:reviewer_list"))
    names = {r.name for r in response.context["reviewers"]}
    assert names == {"外村评议员"}
    assert client.get(reverse("appraisal:reviewer_edit", args=[county.reviewers[0].pk])).status_code == 404


def test_panel_list_queries_do_not_grow(client, county, django_assert_max_num_queries):
    client.force_login(county.ada)
    with scopes_disabled():
        for _i in range(5):
            other = PanelFactory(campaign=county.campaign)
            reviewer_with_login(other.village.branch)
            HouseholdFactory(village=other.village)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("appraisal:panel_list"))
    assert len(response.context["panels"]) == 7


def test_officer_of_another_village_cannot_edit_or_take_over_a_seated_reviewer(client, county):
    """R1/A3: carl (same branch, another village) may not change, lock out or re-password panel v_a's reviewer."""
    from tests.factories import staff_for
    with scopes_disabled():
        carl = staff_for(county.v_a2).user  # officer of 南坡村 only
    reviewer = county.reviewers[0]
    client.force_login(carl)
    assert client.get(reverse("appraisal:reviewer_edit", args=[reviewer.pk])).status_code == 404
    assert client.post(reverse("appraisal:reviewer_edit", args=[reviewer.pk]),
                       {"name": "改名", "kind": "villager", "active": ""}).status_code == 404
    assert client.post(reverse("appraisal:reviewer_password", args=[reviewer.pk])).status_code == 404
    with scopes_disabled():
        reviewer.refresh_from_db()
        assert reviewer.name == "评议员1" and reviewer.user.check_password("pass-word-123")


def test_password_of_a_reviewer_on_an_open_round_only_by_an_administrator(client, county):
    from auditlog.models import LogEntry
    reviewer = county.reviewers[0]
    client.force_login(county.tina)
    response = client.post(reverse("appraisal:reviewer_password", args=[reviewer.pk]), follow=True)
    assert zh("This reviewer sits on an open round: only an administrator gives a new password.") in \
        response.content.decode()
    with scopes_disabled():
        assert reviewer.user.__class__.objects.get(pk=reviewer.user_id).check_password("pass-word-123")
    client.force_login(county.ada)
    response = client.post(reverse("appraisal:reviewer_password", args=[reviewer.pk]))
    password = response.context["password"]
    assert_handed_over(password)
    with scopes_disabled():
        assert reviewer.user.__class__.objects.get(pk=reviewer.user_id).check_password(password)
        entry = LogEntry.objects.get_for_object(reviewer).latest("timestamp")
    assert entry.actor == county.ada and entry.changes == {"password": ["***", "***"]}


def test_closing_the_round_asks_first(client, county):
    """Issue 15 item 5: a close without confirmed=1 shows what will happen and to how many, and changes nothing."""
    panel = county.panel
    client.force_login(county.tina)
    with scopes_disabled():
        seats = panel.members.count()
        households = selectors.panel_households(panel).count()
    page = client.post(reverse("appraisal:panel_round", args=[panel.pk, "close"]), {"version": panel.version})
    assert page.status_code == 200
    text = page.content.decode()
    assert zh("The entries of %(n)d reviewers can no longer change.", n=seats) in text
    assert zh("The system will compute the results of %(n)d households and run the pre-check.", n=households) in text
    assert 'name="confirmed" value="1"' in text and f'name="version" value="{panel.version}"' in text
    with scopes_disabled():
        assert Panel.objects.get(pk=panel.pk).status == Panel.Status.OPEN
        assert not panel.decisions.exists()
    client.post(reverse("appraisal:panel_round", args=[panel.pk, "close"]),
                {"version": panel.version, "confirmed": "0"})
    with scopes_disabled():
        assert Panel.objects.get(pk=panel.pk).status == Panel.Status.OPEN
    client.post(reverse("appraisal:panel_round", args=[panel.pk, "close"]),
                {"version": panel.version, "confirmed": "1"})
    with scopes_disabled():
        assert Panel.objects.get(pk=panel.pk).status == Panel.Status.CLOSED
