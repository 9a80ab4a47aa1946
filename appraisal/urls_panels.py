from django.urls import path

from . import views_panels

urlpatterns = [
    path("", views_panels.panel_list, name="panel_list"),
    path("panels/new/", views_panels.panel_form, name="panel_create"),
    path("panels/<int:pk>/", views_panels.panel_detail, name="panel_detail"),
    path("panels/<int:pk>/edit/", views_panels.panel_form, name="panel_edit"),
    path("panels/<int:pk>/round/<str:action>/", views_panels.panel_round, name="panel_round"),
    path("panels/<int:pk>/gaps/<int:gap>/", views_panels.gap_decide, name="gap_decide"),
    path("reviewers/", views_panels.reviewer_list, name="reviewer_list"),
    path("reviewers/new/", views_panels.reviewer_form, name="reviewer_create"),
    path("reviewers/<int:pk>/", views_panels.reviewer_form, name="reviewer_edit"),
    path("reviewers/<int:pk>/password/", views_panels.reviewer_password, name="reviewer_password"),
]
