"""V2: reads of the democratic reviews. Head office's administrators, supervisors and auditors read every branch of
their head office; a branch president reads the reviews of their own branch; nobody else reads any (R1: every read
starts from the scope, and a review outside it answers 404)."""

import datetime

from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django_scopes import scopes_disabled

from credit_use.models import Drawdown
from sunshine_credit.models import Branch, Role, Village
from sunshine_credit.scoping import HEAD_OFFICE_READERS, Scope

from ..models import Finding, Review
from ..rules.reviews import Candidates, draw

READERS = HEAD_OFFICE_READERS | {Role.PRESIDENT}
DRAWERS = {Role.AUDITOR, Role.SUPERVISOR}


def reads_reviews(scope: Scope) -> bool:
    return scope.role in READERS


def reviews(scope: Scope):
    if not reads_reviews(scope):
        return Review.objects.none()
    return Review.objects.filter(head_office_id=scope.head_office_id, branch_id__in=scope.branch_ids)


def review_list(*, scope: Scope, today: datetime.date, branch_id: int | None = None, period: str = ""):
    """The workspace's list: each review with its counts of villages, loans, open and overdue findings."""
    rows = reviews(scope).select_related("branch", "drawn_by", "officer")
    if branch_id:
        rows = rows.filter(branch_id=branch_id)
    if period:
        rows = rows.filter(period=period)
    # One subquery per count (not joins: villages × loans × findings would multiply the rows).
    return rows.annotate(
        village_count=_count(Review.villages.through.objects.filter(review_id=OuterRef("pk"))),
        loan_count=_count(Review.loans.through.objects.filter(review_id=OuterRef("pk"))),
        open_count=_count(Finding.objects.filter(review_id=OuterRef("pk"), status=Finding.Status.OPEN)),
        overdue_count=_count(Finding.objects.filter(review_id=OuterRef("pk"), status=Finding.Status.OPEN,
                                                    due_on__lt=today)),
    ).order_by("-period", "branch__code")


def _count(queryset):
    return Coalesce(Subquery(queryset.order_by().values("review_id").annotate(n=Count("pk")).values("n")[:1]),
                    Value(0))


def review_branches(scope: Scope):
    if not reads_reviews(scope):
        return Branch.objects.none()
    return Branch.objects.filter(head_office_id=scope.head_office_id, pk__in=scope.branch_ids).order_by("code")


def review_in_scope_or_404(*, scope: Scope, pk: int) -> Review:
    review = reviews(scope).select_related("branch", "drawn_by", "officer", "previous").filter(pk=pk).first()
    if review is None:
        raise Http404
    return review


def finding_in_scope_or_404(*, scope: Scope, pk: int) -> Finding:
    finding = Finding.objects.filter(review__in=reviews(scope), pk=pk).select_related("review").first()
    if finding is None:
        raise Http404
    return finding


def findings(scope: Scope, *, status: str = "", overdue_on: datetime.date | None = None):
    rows = Finding.objects.filter(review__in=reviews(scope))
    if status:
        rows = rows.filter(status=status)
    if overdue_on is not None:
        rows = rows.filter(status=Finding.Status.OPEN, due_on__lt=overdue_on)
    return rows


def review_detail(*, scope: Scope, review: Review, today: datetime.date) -> dict:
    """What the review's page shows: the villages, officer and loans drawn, the findings, and the reproduce check."""
    with scopes_disabled():  # the review is in scope; its villages and loans are of its branch
        villages = list(Village.objects.filter(pk__in=review.villages.values("pk")).order_by("code"))
        loans = list(Drawdown.objects.filter(pk__in=review.loans.values("pk"))
                     .select_related("household", "village").order_by("village__code", "number"))
    rows = list(review.findings.select_related("staff", "household", "created_by", "closed_by"))
    for finding in rows:
        finding.overdue = finding.status == Finding.Status.OPEN and finding.due_on < today
    return {"review": review, "villages": villages, "loans": loans, "findings": rows,
            "reproduced": reproduces(review, villages=[v.pk for v in villages], loans=[d.pk for d in loans])}


def reproduces(review: Review, *, villages: list[int], loans: list[int]) -> bool:
    """Re-run the draw from the stored seed and the stored candidates: the same villages, officer and loans?"""
    again = draw(review.seed, Candidates.from_json(review.candidates))
    return (again.villages == tuple(sorted(villages)) and again.officer == review.officer_id
            and again.loans == tuple(sorted(loans)) and again.short == review.short)
