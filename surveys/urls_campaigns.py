from django.urls import path

from . import views_campaigns as views

_village = "campaigns/<int:pk>/villages/<int:village_pk>/"
urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path(_village + "respondents/", views.respondent_list, name="respondent_list"),
    path(_village + "respondents/new/", views.respondent_create, name="respondent_create"),
    path(_village + "respondents/<int:respondent_pk>/edit/", views.respondent_edit, name="respondent_edit"),
    path(_village + "respondents/draw/", views.respondent_draw, name="respondent_draw"),
    path(_village + "questionnaires.pdf", views.questionnaire_blank_pdf, name="questionnaire_blank_pdf"),
]
