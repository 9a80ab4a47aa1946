"""Publicity's URLs: the officers' pages under /publicity/ (namespace "publicity"), and the public pages the
board's QR code opens (no login), mounted under /public/ by the root URLconf as namespace "public"."""

from django.urls import path

from . import views

app_name = "publicity"

urlpatterns = [
    path("", views.board_list, name="board_list"),
    path("panels/<int:panel_pk>/publish/", views.board_publish, name="board_publish"),
    path("campaigns/<int:campaign_pk>/publish/", views.campaign_publish, name="campaign_publish"),
    # V1: the households on a campaign's published boards (the dashboards' 公示 figure), by ?branch/village/officer.
    path("campaigns/<int:campaign_pk>/published/", views.published_list, name="published_list"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/retry/", views.notice_retry, name="notice_retry"),
    path("notices/<int:pk>/board.pdf", views.notice_pdf, name="notice_pdf"),
    # P4 at the counter and reconsideration (复议).
    path("notices/<int:pk>/objections/new/", views.objection_lodge, name="objection_lodge"),
    path("items/<int:pk>/reconsider/", views.item_reconsider, name="item_reconsider"),
]

# P4: the public objection form and the look-up by reference (no login).
public_urlpatterns = [
    path("n/<str:token>/", views.objection_form, name="objection_form"),
    path("n/<str:token>/done/<str:reference>/", views.objection_done, name="objection_done"),
    path("lookup/", views.lookup, name="lookup"),
    path("b/", views.board_code, name="board_code"),
]
