"""A3: the paper appraisal booklet (评议册): export for printing, import of the filled sheets."""

from django.urls import path

from . import views_booklets

urlpatterns = [
    path("panels/<int:pk>/booklet.xlsx", views_booklets.booklet_export, name="booklet_export"),
    path("panels/<int:pk>/booklets/", views_booklets.booklet_import_list, name="booklet_import_list"),
    path("booklets/<int:pk>/", views_booklets.booklet_import_detail, name="booklet_import_detail"),
    path("booklets/<int:pk>/confirm/", views_booklets.booklet_import_confirm, name="booklet_import_confirm"),
]
