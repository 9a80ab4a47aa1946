from django.urls import path

from . import import_views, views

app_name = "households"
urlpatterns = [
    path("", views.household_list, name="household_list"),
    path("imports/", import_views.roster_import_list, name="roster_import_list"),
    path("imports/template.xlsx", import_views.roster_template, name="roster_template"),
    path("imports/<int:pk>/", import_views.roster_import_detail, name="roster_import_detail"),
    path("imports/<int:pk>/confirm/", import_views.roster_import_confirm, name="roster_import_confirm"),
]
