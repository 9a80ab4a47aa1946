from django.urls import include, path

app_name = "appraisal"
# One module per part of the capability, so that each stays small.
urlpatterns = [
    path("", include("appraisal.urls_panels")),
    path("my/", include("appraisal.urls_reviewer")),
    path("", include("appraisal.urls_booklets")),
    path("", include("appraisal.urls_precheck")),
    path("", include("appraisal.urls_decisions")),
]
