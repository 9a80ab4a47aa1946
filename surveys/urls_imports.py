from django.urls import path

from . import import_views

urlpatterns = [
    path("imports/", import_views.survey_import_list, name="survey_import_list"),
    path("imports/template.xlsx", import_views.survey_template, name="survey_template"),
    path("imports/<int:pk>/", import_views.survey_import_detail, name="survey_import_detail"),
    path("imports/<int:pk>/confirm/", import_views.survey_import_confirm, name="survey_import_confirm"),
]
