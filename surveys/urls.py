from django.urls import include, path

app_name = "surveys"
# One module per part of the capability, so that each stays small.
urlpatterns = [
    path("", include("surveys.urls_campaigns")),
    path("", include("surveys.urls_imports")),
    path("", include("surveys.urls_entry")),
    path("", include("surveys.urls_summary")),
    path("", include("surveys.urls_limits")),
]
