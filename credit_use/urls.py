"""P5: credit lines (授信额度) and their history."""

from django.urls import path

from . import views

app_name = "credit_use"

urlpatterns = [
    path("", views.line_list, name="line_list"),
    path("<int:pk>/", views.line_detail, name="line_detail"),
    path("export/<int:campaign_pk>/", views.export_precredit, name="export_precredit"),
]
