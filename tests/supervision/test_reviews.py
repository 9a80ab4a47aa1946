"""V2 (SPEC §10, issue 17 item 3): the semi-annual democratic review — the draw from a recorded seed over a recorded
snapshot of the candidates, never the previous review's villages, at least half (rounded up) of the villages and of
the drawn officer's outstanding loans; who may draw; findings against people with follow-up and closure; the
auditor's workspace and task list."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from credit_use.models import Drawdown, GuaranteeKind
from sunshine_credit.errors import Refusal
from sunshine_credit.models import Role
from sunshine_credit.scoping import activate
from supervision.models import Finding, Review
from supervision.rules.reviews import Candidates, draw, half_up
from supervision.selectors import task_list
from supervision.selectors.reviews import reproduces
from supervision.services import reviews as services
from tests.credit_use.factories_drawdowns import give_line
from tests.factories import BranchFactory, HeadOfficeFactory, StaffFactory, VillageFactory

TODAY = datetime.date(2026, 12, 6)


def grow(county, total: int):
    """Branch A with `total` villages (it has 2)."""
    with scopes_disabled():
        for i in range(total - 2):
            VillageFactory(branch=county.branch_a, code=f"BRAV{i + 3:02d}", name=f"村{i + 3}")


def drawn(county, period: str, user=None, seed: str = "") -> Review:
    user = user or county.aude
    return services.review_draw(scope=county.scope(user), actor=user, branch_id=county.branch_a.pk, period=period,
                                seed=seed)


def village_ids(review) -> set[int]:
    return set(review.villages.values_list("pk", flat=True))


def loan_ids(review) -> list[int]:
    with scopes_disabled():
        return list(review.loans.values_list("pk", flat=True))


def loan(county, household, *, creator, status=Drawdown.Status.DISBURSED, outstanding=Decimal(1000)) -> Drawdown:
    today = timezone.localdate()
    with scopes_disabled():
        line = give_line(household, 50000, campaign=county.campaign)
        return Drawdown.objects.create(
            head_office=county.head_office, village=household.village, household=household, line=line,
            number=f"DD-{household.code}", amount=Decimal(5000), purpose="种植", applied_on=today,
            due_on=today + datetime.timedelta(days=180), annual_rate=Decimal("0.0650"),
            guarantee=GuaranteeKind.GUARANTORS, status=status, principal_outstanding=outstanding, created_by=creator)


# --- the rules ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("count, half", [(0, 0), (1, 1), (2, 1), (4, 2), (5, 3), (6, 3), (7, 4)])
def test_half_is_rounded_up(count, half):
    assert half_up(count) == half


def test_same_seed_and_candidates_give_the_same_draw():
    candidates = Candidates(villages=tuple(range(1, 21)), excluded=(3, 4), officers=(7, 8, 9),
                            loans={7: tuple(range(100, 111)), 8: (200, 201), 9: (300,)})
    first = draw("a1b2c3", candidates)
    # the same seed over the same candidates, given in another order: the same draw
    shuffled = Candidates(villages=tuple(reversed(range(1, 21))), excluded=(4, 3), officers=(9, 7, 8),
                          loans={9: (300,), 8: (201, 200), 7: tuple(reversed(range(100, 111)))})
    assert draw("a1b2c3", shuffled) == first
    assert len(first.villages) == 10 and not {3, 4} & set(first.villages)
    assert len(first.loans) == half_up(len(candidates.loans[first.officer]))
    assert set(first.loans) <= set(candidates.loans[first.officer])
    assert Candidates.from_json(candidates.as_json()) == Candidates(
        villages=tuple(range(1, 21)), excluded=(3, 4), officers=(7, 8, 9),
        loans={7: tuple(range(100, 111)), 8: (200, 201), 9: (300,)})
    # another seed draws differently (over 20 villages, 10 of 18 candidates: a different sample)
    assert any(draw(f"other-{i}", candidates).villages != first.villages for i in range(5))


def test_fewer_remaining_than_half_draws_all_remaining_and_says_so():
    result = draw("s", Candidates(villages=(1, 2, 3, 4, 5), excluded=(1, 2, 3)))
    assert result.villages == (4, 5) and result.short
    enough = draw("s", Candidates(villages=(1, 2, 3, 4, 5), excluded=(1, 2)))
    assert enough.villages == (3, 4, 5) and not enough.short


# --- the draw ----------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_two_successive_draws_of_six_villages_are_disjoint(county):
    grow(county, 6)
    first = drawn(county, "2026H1")
    second = drawn(county, "2026H2")
    assert len(village_ids(first)) == 3 and len(village_ids(second)) == 3
    assert not village_ids(first) & village_ids(second)
    assert second.previous == first and not second.short
    assert set(second.candidates["excluded"]) == village_ids(first)


@pytest.mark.django_db
def test_five_villages_draw_three_then_the_two_left(county):
    grow(county, 5)
    first = drawn(county, "2026H1")
    assert len(village_ids(first)) == 3 and not first.short
    second = drawn(county, "2026H2")
    assert len(village_ids(second)) == 2 and second.short
    assert not village_ids(first) & village_ids(second)
    third = drawn(county, "2027H1")  # only the previous review's villages are excluded
    assert len(village_ids(third)) == 3 and not village_ids(third) & village_ids(second)


@pytest.mark.django_db
def test_half_of_the_officers_outstanding_loans_rounded_up(county):
    homes = [county.household(code=f"A-{i:04d}") for i in range(8)]
    outstanding = {loan(county, home, creator=county.tina).pk for home in homes[:5]}
    loan(county, homes[5], creator=county.tina, status=Drawdown.Status.REPAID, outstanding=Decimal(0))
    loan(county, homes[6], creator=county.tina, outstanding=Decimal(0))       # disbursed, nothing owed
    loan(county, homes[7], creator=county.ada)                                 # not the officer's
    review = drawn(county, "2026H2")
    assert review.officer == county.tina
    loans = set(loan_ids(review))
    assert len(loans) == 3 and loans <= outstanding
    assert set(review.candidates["loans"][str(county.tina.pk)]) == outstanding


@pytest.mark.django_db
def test_who_when_seed_recorded_and_the_draw_reproducible_after_changes(county, client):
    grow(county, 6)
    homes = [county.household(code=f"A-{i:04d}") for i in range(3)]
    for home in homes:
        loan(county, home, creator=county.tina)
    before = timezone.now()
    review = drawn(county, "2026H2")
    assert review.drawn_by == county.aude and before <= review.drawn_at <= timezone.now()
    assert len(review.seed) == 32 and review.candidates["villages"]
    again = draw(review.seed, Candidates.from_json(review.candidates))
    assert set(again.villages) == village_ids(review) and again.officer == county.tina.pk
    assert set(again.loans) == set(loan_ids(review)) and len(again.loans) == 2
    # the branch changes after the draw: the stored snapshot still reproduces it
    with scopes_disabled():
        VillageFactory(branch=county.branch_a, code="BRAV99", name="新村")
        Drawdown.objects.filter(pk__in=loan_ids(review)).update(principal_outstanding=0)
    assert reproduces(review, villages=list(village_ids(review)),
                      loans=loan_ids(review))
    page = county.login(client, county.aude).get(reverse("review_detail", args=[review.pk]))
    assert page.status_code == 200 and review.seed in page.content.decode()
    assert 'id="reproduce"><span class="text-success">' in page.content.decode()
    # a tampered record no longer reproduces
    assert not reproduces(review, villages=list(village_ids(review))[:-1],
                          loans=loan_ids(review))


@pytest.mark.django_db
def test_one_review_per_branch_and_half_year(county):
    drawn(county, "2026H2")
    with pytest.raises(Refusal):
        drawn(county, "2026H2", user=county.sue)
    with pytest.raises(Refusal):
        drawn(county, "2026H3")
    assert Review.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("name, may", [("aude", True), ("sue", True), ("ada", False), ("tina", False),
                                       ("pat", False), ("tom", False)])
def test_only_head_office_auditors_and_supervisors_draw(county, name, may):
    user = county[name]
    if may:
        assert drawn(county, "2026H2", user=user).drawn_by == user
    else:
        with pytest.raises(PermissionDenied):
            drawn(county, "2026H2", user=user)
        assert not Review.objects.exists()


@pytest.mark.django_db
def test_draw_goes_through_a_confirmation_page(county, client):
    county.login(client, county.aude)
    body = {"branch": county.branch_a.pk, "period": "2026H2"}
    page = client.post(reverse("review_draw"), body)
    assert page.status_code == 200 and 'id="confirm-action"' in page.content.decode()
    assert not Review.objects.exists()
    done = client.post(reverse("review_draw"), {**body, "confirmed": "1"})
    review = Review.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("review_detail", args=[review.pk])


@pytest.mark.django_db
def test_officers_presidents_and_another_head_office_cannot_draw(county, client):
    for name in ("tina", "pat"):
        response = county.login(client, county[name]).post(
            reverse("review_draw"), {"branch": county.branch_a.pk, "period": "2026H2", "confirmed": "1"})
        assert response.status_code == 404
    other = BranchFactory(head_office=HeadOfficeFactory(code="HQ2", name="另一家银行"), code="ZZ")
    VillageFactory(branch=other, code="ZZV01")
    response = county.login(client, county.aude).post(
        reverse("review_draw"), {"branch": other.pk, "period": "2026H2", "confirmed": "1"})
    assert response.status_code == 400
    with pytest.raises(Refusal):
        services.review_draw(scope=county.scope(county.aude), actor=county.aude, branch_id=other.pk,
                             period="2026H2")
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_another_head_offices_review_is_404(county, client):
    head_office = HeadOfficeFactory(code="HQ2", name="另一家银行")
    branch = BranchFactory(head_office=head_office, code="ZZ")
    VillageFactory(branch=branch, code="ZZV01")
    auditor = StaffFactory(head_office=head_office, role=Role.AUDITOR, branch=None).user
    review = services.review_draw(scope=county.scope(auditor), actor=auditor, branch_id=branch.pk, period="2026H2")
    county.login(client, county.aude)
    assert client.get(reverse("review_detail", args=[review.pk])).status_code == 404
    assert client.get(reverse("review_workspace")).content.decode().count("review-row") == 0


@pytest.mark.django_db
def test_a_branch_president_sees_only_their_branch(county, client):
    review = drawn(county, "2026H2")
    finding = services.finding_add(scope=county.scope(county.aude), actor=county.aude, review_id=review.pk,
                                   data=services.FindingInput(text="未入户", action="补走访", due_on=TODAY,
                                                              staff_id=county.tina.pk))
    county.login(client, county.pete)
    assert client.get(reverse("review_detail", args=[review.pk])).status_code == 404
    assert "review-row" not in client.get(reverse("review_workspace")).content.decode()
    assert client.post(reverse("review_finding_close", args=[finding.pk]), {"note": "x"}).status_code == 404
    county.login(client, county.pat)  # branch A's president reads A's review, and records nothing
    assert client.get(reverse("review_detail", args=[review.pk])).status_code == 200
    assert client.post(reverse("review_finding_close", args=[finding.pk]), {"note": "x"}).status_code == 403
    assert client.post(reverse("review_finding_add", args=[review.pk]), {"text": "x"}).status_code == 403
    assert Finding.objects.get().status == Finding.Status.OPEN
    for name in ("tina", "tom"):  # officers and tellers have no workspace
        assert county.login(client, county[name]).get(reverse("review_workspace")).status_code == 404


# --- findings ----------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_findings_are_about_people_and_closed_with_a_note(county, client):
    review = drawn(county, "2026H2")
    scope = county.scope(county.aude)
    home = county.household(code="A-0100")
    with pytest.raises(Refusal):  # about nobody
        services.finding_add(scope=scope, actor=county.aude, review_id=review.pk,
                             data=services.FindingInput(text="x", action="y", due_on=TODAY))
    other = county.household(county.v_b, code="B-0100")
    with pytest.raises(Refusal):  # a household of another branch
        services.finding_add(scope=scope, actor=county.aude, review_id=review.pk,
                             data=services.FindingInput(text="x", action="y", due_on=TODAY, household_code=other.code))
    with pytest.raises(Refusal):  # staff of another branch
        services.finding_add(scope=scope, actor=county.aude, review_id=review.pk,
                             data=services.FindingInput(text="x", action="y", due_on=TODAY, staff_id=county.bob.pk))
    with pytest.raises(PermissionDenied):  # a supervisor draws but does not record findings
        services.finding_add(scope=county.scope(county.sue), actor=county.sue, review_id=review.pk,
                             data=services.FindingInput(text="x", action="y", due_on=TODAY, staff_id=county.tina.pk))
    county.login(client, county.aude)
    response = client.post(reverse("review_finding_add", args=[review.pk]), {
        "staff": county.tina.pk, "household_code": home.code, "text": "贷后检查流于形式", "severity": "serious",
        "action": "重新检查并报告", "due_on": "2026-12-01"})
    assert response.status_code == 302
    finding = Finding.objects.get()
    assert (finding.staff, finding.household, finding.created_by, finding.status) == (
        county.tina, home, county.aude, Finding.Status.OPEN)
    refused = client.post(reverse("review_finding_close", args=[finding.pk]), {"note": "  "})
    assert refused.status_code == 400
    finding.refresh_from_db()
    assert finding.status == Finding.Status.OPEN
    with pytest.raises(Refusal):
        services.finding_close(scope=scope, actor=county.aude, finding_id=finding.pk, note="")
    assert client.post(reverse("review_finding_close", args=[finding.pk]), {"note": "已整改"}).status_code == 302
    finding.refresh_from_db()
    assert (finding.status, finding.closed_by, finding.closing_note) == (Finding.Status.CLOSED, county.aude, "已整改")
    assert finding.closed_at is not None
    with pytest.raises(Refusal):  # closed once
        services.finding_close(scope=scope, actor=county.aude, finding_id=finding.pk, note="again")


@pytest.mark.django_db
def test_overdue_follow_ups_are_flagged_and_counted_as_tasks(county, client):
    review = drawn(county, "2026H2")
    scope = county.scope(county.aude)
    today = timezone.localdate()
    for due in (today - datetime.timedelta(days=1), today, today + datetime.timedelta(days=5)):
        services.finding_add(scope=scope, actor=county.aude, review_id=review.pk,
                             data=services.FindingInput(text="x", action="y", due_on=due, staff_id=county.tina.pk))
    with activate(scope):
        rows = {row.key: row for row in task_list(scope=scope, today=today)}
    assert rows["findings_overdue"].count == 1 and rows["findings_open"].count == 3
    county.login(client, county.aude)
    listed = client.get(rows["findings_overdue"].url).content.decode()
    assert listed.count('class="finding-row') == 1
    assert client.get(rows["findings_open"].url).content.decode().count('class="finding-row') == 3
    page = client.get(reverse("review_detail", args=[review.pk])).content.decode()
    assert page.count("finding-overdue") == 1
    workspace = client.get(reverse("review_workspace")).content.decode()
    assert 'open-count">3 <span' in workspace and 'data-n="1"' in workspace
    assert 'village-count">1<' in workspace  # half of branch A's two villages
    # branch B's president is not an auditor: no such task, and branch A's findings are not theirs
    with activate(county.scope(county.pete)):
        assert not [row for row in task_list(scope=county.scope(county.pete), today=today)
                    if row.key.startswith("findings")]


@pytest.mark.django_db
def test_workspace_queries_do_not_grow_with_reviews(county, client):
    grow(county, 6)
    county.login(client, county.aude)
    drawn(county, "2025H2")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("review_workspace")).status_code == 200
        return len(captured)

    one = queries()
    for period in ("2026H1", "2026H2"):
        review = drawn(county, period)
        services.finding_add(scope=county.scope(county.aude), actor=county.aude, review_id=review.pk,
                             data=services.FindingInput(text="x", action="y", due_on=TODAY, staff_id=county.tina.pk))
    assert queries() == one
    page = client.get(reverse("review_workspace")).content.decode()
    assert page.count("review-row") == 3


@pytest.mark.django_db
def test_review_page_queries_do_not_grow_with_findings(county, client, django_assert_max_num_queries):
    home = county.household(code="A-0001")
    loan(county, home, creator=county.tina)
    review = drawn(county, "2026H2")
    county.login(client, county.aude)
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("review_detail", args=[review.pk]))
    for _ in range(3):
        services.finding_add(scope=county.scope(county.aude), actor=county.aude, review_id=review.pk,
                             data=services.FindingInput(text="x", action="y", due_on=TODAY, staff_id=county.tina.pk,
                                                        household_code=home.code))
    with django_assert_max_num_queries(len(first)):
        assert client.get(reverse("review_detail", args=[review.pk])).status_code == 200
