from django.urls import path

from . import views

app_name = "households"
urlpatterns = [
    path("", views.household_list, name="household_list"),
    path("new/", views.household_create, name="household_create"),
    path("export.xlsx", views.household_export, name="household_export"),
    path("exports/", views.archive_export_list, name="archive_export_list"),
    path("archive/", views.household_archive_bulk, name="household_archive_bulk"),
    path("<int:pk>/", views.household_detail, name="household_detail"),
    path("<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("<int:pk>/loans/new/", views.existing_loan_create, name="existing_loan_create"),
    path("loans/<int:pk>/edit/", views.existing_loan_edit, name="existing_loan_edit"),
    path("loans/<int:pk>/delete/", views.existing_loan_delete, name="existing_loan_delete"),
    path("imports/", views.roster_import_list, name="roster_import_list"),
    path("imports/template.xlsx", views.roster_template, name="roster_template"),
    path("imports/<int:pk>/", views.roster_import_detail, name="roster_import_detail"),
    path("imports/<int:pk>/confirm/", views.roster_import_confirm, name="roster_import_confirm"),
]
