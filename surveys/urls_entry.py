from django.urls import path

from . import views_entry

urlpatterns = [
    path("entry/", views_entry.entry_start, name="entry_start"),
    path("entry/<int:campaign>/<int:village>/<int:group>/<int:respondent>/", views_entry.entry_grid,
         name="entry_grid"),
    path("entry/<int:campaign>/<int:village>/respondents/<int:respondent>/save/", views_entry.entry_row_save,
         name="entry_row_save"),
]
