"""Under /appraisal/my/: the only pages a `reviewer` login reaches (sunshine_credit.scoping.REVIEWER_PATHS)."""

from django.urls import path

from . import views_reviewer

urlpatterns = [
    path("", views_reviewer.my_panels, name="my_panels"),
    path("<int:panel>/", views_reviewer.seat_home, name="seat_home"),
    path("<int:panel>/groups/<int:group>/", views_reviewer.seat_grid, name="seat_grid"),
    path("<int:panel>/save/", views_reviewer.seat_row_save, name="seat_row_save"),
    path("<int:panel>/households/<int:household>/gaps/", views_reviewer.seat_gap_form, name="seat_gap_form"),
]
