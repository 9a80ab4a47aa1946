from django.urls import path

from . import views_precheck

urlpatterns = [
    path("precheck/<int:pk>/", views_precheck.precheck_list, name="precheck_list"),
    path("precheck/<int:pk>/run/", views_precheck.precheck_rerun, name="precheck_run"),
    path("precheck/<int:pk>/override/<int:decision>/", views_precheck.precheck_override, name="precheck_override"),
    path("precheck/decision/<int:pk>/", views_precheck.precheck_decision, name="precheck_decision"),
    path("precheck/campaign/<int:pk>/audit/", views_precheck.precheck_audit_list, name="precheck_audit_list"),
    path("precheck/campaign/<int:pk>/audit/export/", views_precheck.precheck_audit_export,
         name="precheck_audit_export"),
]
