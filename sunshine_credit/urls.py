from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views_files, views_staff

# The root URLconf is the composition root: the one module of the ground floor that may name the domain apps
# (by their urls modules, as strings). Everything else under sunshine_credit/ imports none of them (STYLE §1).
urlpatterns = [
    path("", include("supervision.urls")),  # the dashboard, "/" (name "dashboard")
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views_staff.PasswordChangeView.as_view(), name="password_change"),
    path("staff/", views_staff.staff_list_page, name="staff_list"),
    path("staff/<int:pk>/password/", views_staff.staff_password, name="staff_password"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("files/<int:pk>/", views_files.generated_file_status, name="generated_file_status"),
    path("files/<int:pk>/open/", views_files.generated_file_download, name="generated_file_download"),
    path("households/", include("households.urls")),
    path("surveys/", include("surveys.urls")),
    path("appraisal/", include("appraisal.urls")),
    path("approvals/", include("sunshine_credit.urls_approvals")),
    path("publicity/", include("publicity.urls")),
    path("lines/", include("credit_use.urls")),
    path("groups/", include("guarantee_groups.urls")),
    path("public/", include("publicity.urls_public")),
    path("admin/", admin.site.urls),
]
