"""Issue 15 item 4: each role's home page opens with its task list (待办). A task is a count of what waits for the
user and a link to the list of exactly those items: the count and the list come from one definition, owned by
the app the items belong to (appraisal.selectors.panels_todo, publicity.selectors.boards_todo,
credit_use.selectors.todo, surveys.selectors.entry_unfinished, sunshine_credit.approvals.approval_inbox,
credit_use.selectors.time_limits), so a count is always the number of rows its link lists. Each count is one
aggregate query (or two), never a query per item.

Supervision sits at the top of the import chain and may name every app: post_loan's visits, reminder calls,
undelivered letters and collection cases are tasks like the others.

A task with nothing waiting is shown muted and without a link (the role still sees its whole checklist, and an
empty list is never a click away); a task whose items belong to a campaign gives one row per campaign with items.
"""

import datetime
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from appraisal.approvals import ESCALATION_KIND, OVERRIDE_KIND
from appraisal.selectors import panels_todo
from credit_use.selectors.time_limits import time_limit_breach_count
from credit_use.selectors.todo import drawdowns_todo
from post_loan.selectors.collection import case_list
from post_loan.selectors.letters import letter_list
from post_loan.selectors.reminders import call_list
from post_loan.selectors.visits import visit_list
from publicity.selectors import boards_todo
from sunshine_credit.approvals import approval_inbox
from sunshine_credit.models import Role
from sunshine_credit.scoping import Scope
from surveys.models import Campaign
from surveys.selectors import ENTRY_TODO, entry_unfinished

from .complaints import complaints_todo
from .reviews import findings as review_findings

# (detail, count, url): one row of a task; detail names the campaign of per-campaign tasks, else "".
Counted = list[tuple[str, int, str]]


@dataclass(frozen=True)
class Task:
    key: str
    label: object                                        # lazy translated: what waits
    count: Callable[[Scope, datetime.date], Counted]


@dataclass(frozen=True)
class TaskRow:
    key: str
    label: str
    count: int
    url: str      # "" when nothing waits: no link to an empty list
    detail: str = ""


def _single(url_name: str, query: str, queryset_of: Callable,
            scoped_by_filter: bool = False) -> Callable[[Scope, datetime.date], Counted]:
    """A task counted by one queryset, listed at `url_name?query`. `scoped_by_filter`: the queryset filters by the
    scope's head office and villages itself, so it is counted without the manager adding the same village list again
    (issue 18: a head office's list of villages is hundreds of parameters, compiled and planned twice)."""
    def count(scope: Scope, today: datetime.date) -> Counted:
        if scoped_by_filter:
            with scopes_disabled():
                return [("", queryset_of(scope, today).count(), f"{reverse(url_name)}{query}")]
        return [("", queryset_of(scope, today).count(), f"{reverse(url_name)}{query}")]
    return count


def _per_campaign(counts: dict[int, int], url: Callable[[int], str]) -> Counted:
    """One row per campaign with items, latest campaign first (one query for the names, only when needed)."""
    if not counts:
        return [("", 0, "")]
    campaigns = Campaign.objects.filter(pk__in=list(counts)).order_by("-reference_date", "-pk")
    return [(campaign.name, counts[campaign.pk], url(campaign.pk)) for campaign in campaigns]


def _entry(scope: Scope, today: datetime.date) -> Counted:
    counts = Counter(campaign_id for campaign_id, _village in entry_unfinished(scope=scope))
    return _per_campaign(counts, lambda pk: f"{reverse('surveys:campaign_detail', args=[pk])}?todo={ENTRY_TODO}")


def _boards(todo: str) -> Callable[[Scope, datetime.date], Counted]:
    def count(scope: Scope, today: datetime.date) -> Counted:
        counts = dict(boards_todo(scope=scope, todo=todo).order_by().values("campaign_id")
                      .annotate(n=Count("pk")).values_list("campaign_id", "n"))
        return _per_campaign(counts, lambda pk: f"{reverse('publicity:board_list')}?campaign={pk}&todo={todo}")
    return count


def _approvals(kind: str = "") -> Callable[[Scope, datetime.date], Counted]:
    query = f"?kind={kind}" if kind else ""
    return _single("approval_inbox", query, lambda scope, today: approval_inbox(scope=scope, kind=kind),
                   scoped_by_filter=True)


def _panels(todo: str):
    return _single("appraisal:panel_list", f"?todo={todo}", lambda scope, today: panels_todo(scope=scope, todo=todo))


def _drawdowns(todo: str):
    return _single("credit_use:drawdown_list", f"?todo={todo}",
                   lambda scope, today: drawdowns_todo(scope=scope, todo=todo, today=today))


def _breaches(scope: Scope, today: datetime.date) -> Counted:
    return [("", time_limit_breach_count(scope=scope, today=today), reverse("credit_use:time_limit_breaches"))]


def _visits(tab: str):
    return _single("post_loan:visit_list", f"?tab={tab}",
                   lambda scope, today: visit_list(scope=scope, tab=tab, today=today))


def _calls(scope: Scope, today: datetime.date) -> Counted:
    return [("", call_list(scope=scope, today=today, uncalled=True).count(),
             f"{reverse('post_loan:reminder_list')}?todo=call")]


def _undelivered(scope: Scope, today: datetime.date) -> Counted:
    return [("", letter_list(scope=scope, delivery="undelivered").count(),
             f"{reverse('post_loan:letter_list')}?delivery=undelivered")]


def _limitation(scope: Scope, today: datetime.date) -> Counted:
    with scopes_disabled():  # case_list filters by the scope's head office and villages itself
        return [("", case_list(scope=scope, today=today, limitation_soon=True).count(),
                 f"{reverse('post_loan:case_list')}?limitation=on")]


def _findings(overdue: bool) -> Callable[[Scope, datetime.date], Counted]:
    """V2: the democratic reviews' findings still open (with their follow-up overdue), listed in the workspace."""
    def count(scope: Scope, today: datetime.date) -> Counted:
        rows = review_findings(scope, overdue_on=today) if overdue else review_findings(scope, status="open")
        return [("", rows.count(), f"{reverse('review_workspace')}?findings={'overdue' if overdue else 'open'}")]
    return count


def _complaints(todo: str) -> Callable[[Scope, datetime.date], Counted]:
    """V4: complaints and "有问题" cards waiting for audit (or past their handling time limit)."""
    return _single("complaint_list", f"?todo={todo}",
                   lambda scope, today: complaints_todo(scope=scope, todo=todo, today=today))


APPROVALS = Task("approvals", _("Requests waiting for your approval"), _approvals())
# Issue 16 (SPEC §9): what the post-loan book asks of the officer, and what head office watches.
LIMITATION = Task("limitation", _("Collection cases whose limitation period ends within 90 days"), _limitation)

# The task list of each role, in the order a working day meets them. Roles absent here have none (
# reviewers — who land on their own panels page).
TASKS: dict[str, tuple[Task, ...]] = {
    Role.OFFICER: (
        Task("entry", _("Villages with questionnaires to enter"), _entry),
        Task("close", _("Open appraisal rounds to close"), _panels("close")),
        Task("gaps", _("Panels with reviewer-supplied data to confirm"), _panels("gaps")),
        Task("reconsider", _("Boards with objections to reconsider"), _boards("reconsider")),
        Task("publish", _("Signed-off boards to publish"), _boards("publish")),
        Task("check", _("Post-loan checks due"), _drawdowns("check")),
        Task("visits_overdue", _("Quarterly visits overdue"), _visits("overdue")),
        Task("visits_due", _("Visits due this quarter"), _visits("due")),
        Task("calls", _("Borrowers to call before maturity"), _calls),
        Task("undelivered", _("Letters without a signed receipt"), _undelivered),
        LIMITATION,
    ),
    Role.PRESIDENT: (APPROVALS,),
    Role.TELLER: (
        Task("disburse", _("Approved drawdowns to disburse"), _drawdowns("disburse")),
        Task("interest", _("Interest due this month"), _drawdowns("interest")),
    ),
    Role.SUPERVISOR: (
        Task("escalations", _("Limits above a branch's authority to decide"), _approvals(ESCALATION_KIND)),
        Task("overrides", _("Pre-check overrides to decide"), _approvals(OVERRIDE_KIND)),
        Task("breaches", _("Time limits breached"), _breaches),
        Task("complaints_overdue", _("Complaints past their handling time limit"), _complaints("overdue")),
        LIMITATION,
    ),
    Role.ADMIN: (APPROVALS,),
    Role.AUDITOR: (
        Task("complaints", _("Complaints to handle"), _complaints("handle")),
        Task("complaints_overdue", _("Complaints past their handling time limit"), _complaints("overdue")),
        Task("findings_overdue", _("Findings with follow-up overdue"), _findings(overdue=True)),
        Task("findings_open", _("Findings open"), _findings(overdue=False)),
    ),
}


def task_list(*, scope: Scope, today: datetime.date | None = None) -> list[TaskRow]:
    """The user's role's tasks with their counts and links, in TASKS' order."""
    today = today or timezone.localdate()
    rows = []
    for task in TASKS.get(scope.role, ()):
        for detail, count, url in task.count(scope, today):
            rows.append(TaskRow(key=task.key, label=str(task.label), count=count, url=url if count else "",
                                detail=detail))
    return rows
