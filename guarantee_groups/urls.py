"""SPEC §7: joint-guarantee groups (联保小组), mounted at /groups/."""

from django.urls import path

from . import views

app_name = "guarantee_groups"

urlpatterns = [
    path("", views.group_list, name="group_list"),
    path("new/", views.group_new, name="group_form"),  # ?village=<id>
    path("<int:pk>/", views.group_detail, name="group_detail"),
    path("<int:pk>/update/", views.group_update, name="group_update"),
    path("<int:pk>/members/add/", views.member_add, name="member_add"),
    path("<int:pk>/members/<int:household_pk>/remove/", views.member_remove, name="member_remove"),
    path("<int:pk>/dissolve/", views.group_dissolve, name="group_dissolve"),
    path("register/<int:village_pk>.pdf", views.group_register, name="group_register"),
]
