"""Drawdown pages (U1–U6), spliced into the credit_use namespace mounted at /lines/."""

from django.urls import path

from . import views_drawdowns as views

urlpatterns = [
    path("drawdowns/", views.drawdown_list, name="drawdown_list"),
    path("<int:line_pk>/drawdowns/new/", views.drawdown_create, name="drawdown_create"),
    path("drawdowns/<int:pk>/", views.drawdown_detail, name="drawdown_detail"),
    path("drawdowns/<int:pk>/edit/", views.drawdown_edit, name="drawdown_edit"),
    path("drawdowns/<int:pk>/submit/", views.drawdown_submit, name="drawdown_submit"),
    path("drawdowns/<int:pk>/disburse/", views.drawdown_disburse, name="drawdown_disburse"),
    path("drawdowns/<int:pk>/slip.pdf", views.drawdown_slip, name="drawdown_slip"),
    path("drawdowns/<int:pk>/post-loan-check/", views.drawdown_post_loan_check, name="drawdown_post_loan_check"),
]
