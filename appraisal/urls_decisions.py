"""A7: the decisions of a closed panel, its sign-off and the appraisal sheet. The seat's sign-off and
summary sit under my/ (the only pages a `reviewer` login reaches)."""

from django.urls import path

from . import views_decisions as views

urlpatterns = [
    path("panels/<int:pk>/decisions/", views.decisions_page, name="decisions"),
    path("panels/<int:pk>/decisions/accept/", views.decisions_accept, name="decisions_accept"),
    path("panels/<int:pk>/decisions/<int:decision>/", views.decision_save, name="decision_save"),
    path("panels/<int:pk>/sign-off/paper/", views.sign_off_paper, name="sign_off_paper"),
    path("panels/<int:pk>/sheet.pdf", views.sheet_request, name="decisions_sheet_pdf"),
    path("decisions/<int:pk>/", views.decision_goto, name="decision_goto"),
    path("my/<int:panel>/sign-off/", views.seat_sign_off, name="seat_sign_off"),
    path("my/<int:panel>/decisions/", views.seat_decisions, name="seat_decisions"),
]
