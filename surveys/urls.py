from django.urls import path

from . import views

app_name = "surveys"
_village = "campaigns/<int:pk>/villages/<int:village_pk>/"
urlpatterns = [
    # Campaigns, respondent pools and draws, blank questionnaires
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path(_village + "respondents/", views.respondent_list, name="respondent_list"),
    path(_village + "respondents/new/", views.respondent_create, name="respondent_create"),
    path(_village + "respondents/<int:respondent_pk>/edit/", views.respondent_edit, name="respondent_edit"),
    path(_village + "respondents/draw/", views.respondent_draw, name="respondent_draw"),
    path(_village + "questionnaires.pdf", views.questionnaire_blank_pdf, name="questionnaire_blank_pdf"),
    # Import
    path("imports/", views.survey_import_list, name="survey_import_list"),
    path("imports/template.xlsx", views.survey_template, name="survey_template"),
    path("imports/<int:pk>/", views.survey_import_detail, name="survey_import_detail"),
    path("imports/<int:pk>/confirm/", views.survey_import_confirm, name="survey_import_confirm"),
    # Entry
    path("entry/", views.entry_start, name="entry_start"),
    path("entry/<int:campaign>/<int:village>/<int:group>/<int:respondent>/", views.entry_grid, name="entry_grid"),
    path("entry/<int:campaign>/<int:village>/respondents/<int:respondent>/save/", views.entry_row_save,
         name="entry_row_save"),
    # Summary
    path("summary/", views.summary_start, name="summary_start"),
    path("summary/<int:campaign>/villages/<int:village>/", views.summary_village, name="summary_village"),
    path("summary/<int:campaign>/households/<int:household>/", views.summary_household,
         name="summary_household"),
    # Limits
    path("campaigns/<int:pk>/compute/", views.limits_compute_start, name="limits_compute_start"),
    path("campaigns/<int:pk>/compute/<int:job>/", views.limits_job, name="limits_job"),
]
