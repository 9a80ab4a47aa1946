"""U7–U9 pages: repayments of a drawdown, time-limit breaches, revocation cases (included by credit_use.urls)."""

from django.urls import path

from . import views_repayments, views_supervision

urlpatterns = [
    path("drawdowns/<int:pk>/repayments/", views_repayments.drawdown_repayments, name="drawdown_repayments"),
    path("time-limits/", views_supervision.time_limit_breaches, name="time_limit_breaches"),
    path("revocations/", views_supervision.revocation_list, name="revocation_list"),
    path("revocations/<int:pk>/", views_supervision.revocation_detail, name="revocation_detail"),
]
