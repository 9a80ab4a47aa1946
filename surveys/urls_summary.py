from django.urls import path

from . import views_summary

urlpatterns = [
    path("summary/", views_summary.summary_start, name="summary_start"),
    path("summary/<int:campaign>/villages/<int:village>/", views_summary.summary_village, name="summary_village"),
    path("summary/<int:campaign>/households/<int:household>/", views_summary.summary_household,
         name="summary_household"),
]
