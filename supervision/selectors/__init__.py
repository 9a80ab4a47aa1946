"""The reads of supervision, one module per feature: `dashboard` (the home page's figures and coverage, V1/H7) and
`tasks` (each role's task list at the top of the home page, issue 15 item 4). Every figure starts from the scope."""

from .dashboard import credit_figures, dashboard
from .tasks import TaskRow, task_list

__all__ = ["TaskRow", "credit_figures", "dashboard", "task_list"]
