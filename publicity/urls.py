from django.urls import path  # noqa: F401  (the boards' paths are added below with their views)

from . import urls_objections

app_name = "publicity"

urlpatterns = [
    *urls_objections.urlpatterns,
]
