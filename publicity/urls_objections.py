"""P4 at the counter and reconsideration (复议): included by publicity/urls.py (namespace "publicity")."""

from django.urls import path

from . import views_objections

urlpatterns = [
    path("notices/<int:pk>/objections/new/", views_objections.objection_lodge, name="objection_lodge"),
    path("items/<int:pk>/reconsider/", views_objections.item_reconsider, name="item_reconsider"),
]
