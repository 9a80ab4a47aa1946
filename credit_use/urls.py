"""P5: credit lines (授信额度) and their history."""

from django.urls import path

from . import urls_drawdowns, urls_line_change, urls_repayments, views

app_name = "credit_use"

urlpatterns = [
    path("", views.line_list, name="line_list"),
    path("<int:pk>/", views.line_detail, name="line_detail"),
    path("export/<int:campaign_pk>/", views.export_precredit, name="export_precredit"),
    *urls_repayments.urlpatterns,
    *urls_drawdowns.urlpatterns,
    *urls_line_change.urlpatterns,
]
