"""V2: drawing a democratic review and recording its findings.

Head office's auditors and supervisors draw (one review per branch and half-year); auditors record findings and
close them (a closure needs a note; who closed it and when are kept). Every id from a form is re-checked against
the actor's scope here (R1): a branch outside it is refused like one that does not exist.
"""

import datetime
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from credit_use.models import Drawdown
from households.models import Household
from sunshine_credit.errors import Refusal
from sunshine_credit.models import Branch, Role, StaffProfile, Village
from sunshine_credit.scoping import Scope

from ..models import Finding, Review
from ..models.reviews import PERIOD_VALIDATOR
from ..rules.reviews import Candidates, draw
from ..selectors.reviews import DRAWERS, finding_in_scope_or_404, review_in_scope_or_404


def may_draw(scope: Scope) -> bool:
    return scope.role in DRAWERS


def may_record(scope: Scope) -> bool:
    return scope.role == Role.AUDITOR


def _branch(scope: Scope, branch_id) -> Branch:
    if not may_draw(scope):
        raise PermissionDenied(_("Only head office's auditors and supervisors draw a democratic review."))
    branch = Branch.objects.filter(pk=branch_id, head_office_id=scope.head_office_id,
                                   pk__in=scope.branch_ids).first() if str(branch_id).isdigit() else None
    if branch is None:
        raise Refusal(_("Choose a branch."), field="branch")
    return branch


def candidates_for(branch: Branch, previous: Review | None) -> Candidates:
    """The branch's villages, those of its previous review, its officers and their outstanding loans, now."""
    with scopes_disabled():
        villages = tuple(Village.objects.filter(branch=branch).values_list("pk", flat=True))
        excluded = tuple(previous.villages.values_list("pk", flat=True)) if previous else ()
        officers = tuple(StaffProfile.objects.filter(branch=branch, role=Role.OFFICER, user__is_active=True)
                         .values_list("user_id", flat=True))
        loans: dict[int, list[int]] = {}
        for pk, officer in (Drawdown.objects.filter(village__branch=branch, status=Drawdown.Status.DISBURSED,
                                                    principal_outstanding__gt=0, created_by__in=officers)
                            .values_list("pk", "created_by_id")):
            loans.setdefault(officer, []).append(pk)
    with_loans = tuple(officer for officer in officers if loans.get(officer))
    return Candidates(villages=villages, excluded=excluded, officers=with_loans or officers,
                      loans={officer: tuple(ids) for officer, ids in loans.items()})


def review_draw(*, scope: Scope, actor, branch_id, period: str, seed: str = "") -> Review:
    branch = _branch(scope, branch_id)
    try:
        PERIOD_VALIDATOR(period)
    except Exception:
        raise Refusal(_("A half-year is written like 2026H2."), field="period") from None
    seed = seed or secrets.token_hex(16)
    with transaction.atomic():
        Branch.objects.select_for_update().filter(pk=branch.pk).first()  # one draw of a branch at a time
        if Review.objects.filter(branch=branch, period=period).exists():
            raise Refusal(_("This branch's review of %(period)s has already been drawn.") % {"period": period},
                          field="period")
        previous = Review.objects.filter(branch=branch, period__lt=period).order_by("-period").first()
        candidates = candidates_for(branch, previous)
        result = draw(seed, candidates)
        try:
            with transaction.atomic():
                review = Review.objects.create(
                    head_office_id=scope.head_office_id, branch=branch, period=period, seed=seed,
                    candidates=candidates.as_json(), previous=previous, officer_id=result.officer,
                    short=result.short, drawn_by=actor, drawn_at=timezone.now())
        except IntegrityError:
            raise Refusal(_("This branch's review of %(period)s has already been drawn.") % {"period": period},
                          field="period") from None
        with scopes_disabled():  # the branch was checked against the scope; its loans are the draw's
            review.villages.set(result.villages)
            review.loans.set(result.loans)
    return review


@dataclass(frozen=True)
class FindingInput:
    text: str
    action: str
    due_on: datetime.date
    severity: str = Finding.Severity.MINOR
    staff_id: int | None = None
    household_code: str = ""


def _person(review: Review, data: FindingInput):
    """The member of staff (of the review's branch, or of its head office) and the household (of the branch)."""
    staff = household = None
    if data.staff_id:
        staff = (StaffProfile.objects.filter(user_id=data.staff_id, head_office_id=review.head_office_id)
                 .filter(branch__in=[review.branch_id, None]).select_related("user").first())
        if staff is None:
            raise Refusal(_("Choose a member of staff of this branch."), field="staff")
    if data.household_code.strip():
        with scopes_disabled():
            household = Household.objects.filter(village__branch_id=review.branch_id,
                                                 code=data.household_code.strip()).first()
        if household is None:
            raise Refusal(_("No household of this branch has this code."), field="household_code")
    if staff is None and household is None:
        raise Refusal(_("A finding is about a person: name a member of staff or a household."), field="staff")
    return (staff.user if staff else None), household


def finding_add(*, scope: Scope, actor, review_id: int, data: FindingInput) -> Finding:
    review = review_in_scope_or_404(scope=scope, pk=review_id)
    if not may_record(scope):
        raise PermissionDenied(_("Only auditors record findings."))
    if not data.text.strip() or not data.action.strip():
        raise Refusal(errors=[(name, _("This field is required.")) for name in ("text", "action")
                              if not getattr(data, name).strip()])
    staff, household = _person(review, data)
    return Finding.objects.create(review=review, staff=staff, household=household, text=data.text.strip(),
                                  severity=data.severity, action=data.action.strip(), due_on=data.due_on,
                                  created_by=actor)


def finding_close(*, scope: Scope, actor, finding_id: int, note: str) -> Finding:
    finding = finding_in_scope_or_404(scope=scope, pk=finding_id)
    if not may_record(scope):
        raise PermissionDenied(_("Only auditors close findings."))
    if not note.strip():
        raise Refusal(_("Say how the finding was followed up before closing it."), field="note")
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        if finding.status != Finding.Status.OPEN:
            raise Refusal(_("This finding is already closed."))
        finding.status, finding.closed_by, finding.closed_at = Finding.Status.CLOSED, actor, timezone.now()
        finding.closing_note = note.strip()
        finding.save()  # through save(): the audit log records the closure
    return finding
