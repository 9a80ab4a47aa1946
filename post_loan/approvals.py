"""The maker-checker actions of post-loan management (O3/R2, sunshine_credit.approvals), registered from apps.ready().
Each feature appends its block below (instalment plans, grade changes, blacklist removals)."""

from django.urls import reverse  # noqa: F401
from django.utils.translation import gettext_lazy  # noqa: F401

from sunshine_credit.approvals import Kind, register  # noqa: F401
from sunshine_credit.models import Role  # noqa: F401

# --- blacklist removals (C4, R2) ---------------------------------------------------------------------------
# A maker (officer or administrator) asks; the head office's administrator, or the president of the branch the
# request belongs to (services.blacklist._request_village), decides — never the person who asked (O3).

def _lock_blacklist_entry(approval) -> None:
    from sunshine_credit.models import BlacklistEntry

    list(BlacklistEntry.objects.select_for_update().filter(pk=approval.subject_id).values_list("pk", flat=True))


def _blacklist_entry_url(approval) -> str:
    return reverse("post_loan:blacklist_detail", args=[approval.subject_id])


def _register_blacklist_removal() -> None:
    from .services.blacklist import REMOVAL_KIND, blacklist_removal_decided

    register(REMOVAL_KIND, Kind(label=gettext_lazy("Removal from the blacklist"),
                                approver_roles=frozenset({Role.ADMIN, Role.PRESIDENT}),
                                on_decided=blacklist_removal_decided, subject_url=_blacklist_entry_url,
                                lock_subject=_lock_blacklist_entry))


_register_blacklist_removal()


# --- risk grade changes (C6, R2) ---------------------------------------------------------------------------
# The officer of the loan's village or an administrator proposes a manual downgrade or upgrade with its reason
# (services.classification.grade_change_request); the president of the loan's branch decides it — never the
# person who asked (O3); approving sets the manual grade and recomputes the grade (never below the floor).

def _risk_url(approval) -> str:
    return reverse("post_loan:classification_detail", args=[approval.subject_id])


def _register_grade_change() -> None:
    from .services.classification import GRADE_CHANGE_KIND, grade_change_decided, lock_risk

    register(GRADE_CHANGE_KIND, Kind(label=gettext_lazy("Risk grade change"), approver_roles=frozenset({Role.PRESIDENT}),
                                     on_decided=grade_change_decided, subject_url=_risk_url, lock_subject=lock_risk))


_register_grade_change()


# --- instalment plans (C3, R2) -----------------------------------------------------------------------------
# The officer of the village (or an administrator) proposes the schedule of a case of temporary hardship
# (services.collection.plan_propose); the branch president decides — never the maker (O3); approving puts the
# plan in force and the case repays by instalments (services.collection.plan_decided).

def _lock_plan(approval) -> None:
    from .models import InstalmentPlan

    list(InstalmentPlan.objects.select_for_update().filter(pk=approval.subject_id).values_list("pk", flat=True))


def _plan_url(approval) -> str:
    from .models import InstalmentPlan

    case_id = InstalmentPlan.objects.filter(pk=approval.subject_id).values_list("case_id", flat=True).first()
    return reverse("post_loan:case_detail", args=[case_id]) if case_id else ""


def _plan_makers(approvals) -> dict[int, set]:
    """Kind.makers: instalment plan id → who proposed it."""
    from .models import InstalmentPlan

    rows = InstalmentPlan.objects.filter(pk__in=[a.subject_id for a in approvals]).values_list("pk", "created_by_id")
    return {pk: {user} for pk, user in rows}


def _register_instalment_plan() -> None:
    from .services.collection import PLAN_KIND, plan_decided

    register(PLAN_KIND, Kind(label=gettext_lazy("Instalment plan"), approver_roles=frozenset({Role.PRESIDENT}),
                             on_decided=plan_decided, subject_url=_plan_url, lock_subject=_lock_plan,
                             makers=_plan_makers))


_register_instalment_plan()
