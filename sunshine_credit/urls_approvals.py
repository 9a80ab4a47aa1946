"""O3/R2: the shared checker inbox under /approvals/."""

from django.urls import path

from . import views_approvals

urlpatterns = [
    path("", views_approvals.approval_inbox_page, name="approval_inbox"),
    path("<int:pk>/decide/", views_approvals.approval_decide_view, name="approval_decide"),
]
