"""Credit use, mounted at /lines/: credit lines (P5) and their changes, drawdowns (U1–U6) and their disbursement,
repayments (U8), time-limit breaches (U7) and revocation cases (U9)."""

from django.urls import path

from .views import disbursement, drawdowns, line_change, lines, overdue, repayments, time_limits

app_name = "credit_use"

urlpatterns = [
    path("", lines.line_list, name="line_list"),
    path("<int:pk>/", lines.line_detail, name="line_detail"),
    path("export/<int:campaign_pk>/", lines.export_precredit, name="export_precredit"),
    path("<int:pk>/change/", line_change.line_change, name="line_change"),
    path("drawdowns/", drawdowns.drawdown_list, name="drawdown_list"),
    path("<int:line_pk>/drawdowns/new/", drawdowns.drawdown_create, name="drawdown_create"),
    path("drawdowns/<int:pk>/", drawdowns.drawdown_detail, name="drawdown_detail"),
    path("drawdowns/<int:pk>/edit/", drawdowns.drawdown_edit, name="drawdown_edit"),
    path("drawdowns/<int:pk>/submit/", drawdowns.drawdown_submit, name="drawdown_submit"),
    path("drawdowns/<int:pk>/disburse/", disbursement.drawdown_disburse, name="drawdown_disburse"),
    path("drawdowns/<int:pk>/slip.pdf", disbursement.drawdown_slip, name="drawdown_slip"),
    path("drawdowns/<int:pk>/post-loan-check/", drawdowns.drawdown_post_loan_check, name="drawdown_post_loan_check"),
    path("drawdowns/<int:pk>/repayments/", repayments.drawdown_repayments, name="drawdown_repayments"),
    path("time-limits/", time_limits.time_limit_breaches, name="time_limit_breaches"),
    path("revocations/", overdue.revocation_list, name="revocation_list"),
    path("revocations/<int:pk>/", overdue.revocation_detail, name="revocation_detail"),
]
