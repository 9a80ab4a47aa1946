"""P4: the public objection form the board's QR code opens, and the look-up by reference (no login)."""

from django.urls import path

from . import views_public

app_name = "public"

urlpatterns = [
    path("n/<str:token>/", views_public.objection_form, name="objection_form"),
    path("n/<str:token>/done/<str:reference>/", views_public.objection_done, name="objection_done"),
    path("lookup/", views_public.lookup, name="lookup"),
]
