"""Changing a line's amount; spliced into the credit_use namespace (mounted at /lines/) by the lead."""

from django.urls import path

from . import views_line_change

urlpatterns = [
    path("<int:pk>/change/", views_line_change.line_change_view, name="line_change"),
]
