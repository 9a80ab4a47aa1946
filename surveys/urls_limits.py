from django.urls import path

from . import views_limits

urlpatterns = [
    path("campaigns/<int:pk>/compute/", views_limits.limits_compute_start, name="limits_compute_start"),
    path("campaigns/<int:pk>/compute/<int:job>/", views_limits.limits_job, name="limits_job"),
]
