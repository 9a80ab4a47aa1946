"""The demo's democratic review (V2): 城关支行 (BR01) drawn for this half-year by the auditor, from a fixed seed (so
the draw is the same on every machine), with two findings recorded against people — one about the officer drawn,
closed with its note, and one about a household of a village drawn, still open.

Everything goes through supervision.services.reviews (the rules, the scope checks, the audit, with the auditor as its
actor). Idempotent: a branch has one review per half-year; when it exists nothing is written."""

import datetime

from auditlog.context import set_actor
from django.utils import timezone
from django_scopes import scopes_disabled

from households.models import ArchiveStatus, Household
from sunshine_credit.models import Branch
from sunshine_credit.scoping import scope_for_profile

from ..models import Finding, Review
from ..services import reviews as services

BRANCH = "BR01"
SEED = "demo-review-BR01"


def half_year(day: datetime.date) -> str:
    return f"{day.year}H{1 if day.month <= 6 else 2}"


def seed_reviews(office, users: dict) -> dict:
    today = timezone.localdate()
    period = half_year(today)
    branch = Branch.objects.get(head_office=office, code=BRANCH)
    if Review.objects.filter(branch=branch, period=period).exists():
        return {"reviews": 0, "findings": 0}
    auditor = users["auditor"]
    scope = scope_for_profile(auditor.staff_profile)
    with set_actor(auditor):
        review = services.review_draw(scope=scope, actor=auditor, branch_id=branch.pk, period=period,
                                      seed=f"{SEED}-{period}")
        officer = review.officer or users["officer1"]
        closed = services.finding_add(scope=scope, actor=auditor, review_id=review.pk, data=services.FindingInput(
            text="抽查贷款中有2笔贷后检查记录未由借款人签字确认。", severity=Finding.Severity.MINOR,
            action="补签贷后检查记录，支行行长复核。", due_on=today + datetime.timedelta(days=15), staff_id=officer.pk))
        services.finding_close(scope=scope, actor=auditor, finding_id=closed.pk,
                               note="已补签，支行行长陈志强复核无误。")
        household = _household_of(review)
        services.finding_add(scope=scope, actor=auditor, review_id=review.pk, data=services.FindingInput(
            text="该户实际经营规模小于档案记载，家庭收入信息需要重新核实。", severity=Finding.Severity.SERIOUS,
            action="客户经理上门复核并更新档案，必要时重新评议授信额度。",
            due_on=today + datetime.timedelta(days=30),
            staff_id=None if household else officer.pk, household_code=household.code if household else ""))
    return {"reviews": 1, "findings": 2}


def _household_of(review: Review) -> Household | None:
    """An archived household of the first village drawn (the finding names a person, SPEC V2)."""
    with scopes_disabled():
        return (Household.objects.filter(village__in=review.villages.all(), archive_status=ArchiveStatus.ARCHIVED)
                .order_by("village__code", "code").first())
