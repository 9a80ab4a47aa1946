from django.urls import path

from . import views

# Not namespaced: base.html and the login redirect name the dashboard "dashboard".
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
