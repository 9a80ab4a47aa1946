from django.urls import path

from . import urls_objections, views_boards

app_name = "publicity"

urlpatterns = [
    path("", views_boards.board_list, name="board_list"),
    path("panels/<int:panel_pk>/publish/", views_boards.board_publish, name="board_publish"),
    path("campaigns/<int:campaign_pk>/publish/", views_boards.campaign_publish, name="campaign_publish"),
    path("notices/<int:pk>/", views_boards.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/retry/", views_boards.notice_retry, name="notice_retry"),
    path("notices/<int:pk>/board.pdf", views_boards.notice_pdf, name="notice_pdf"),
    *urls_objections.urlpatterns,
]
