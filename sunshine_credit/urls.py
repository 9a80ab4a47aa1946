from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from publicity.urls import public_urlpatterns
from supervision.urls import public_urlpatterns as supervision_public

from . import views

# The root URLconf is the composition root: the one module of the ground floor that may name the domain apps
# (their urls modules; publicity's second, public URL set is mounted under /public/). Everything else under
# sunshine_credit/ imports none of them (STYLE §1).
urlpatterns = [
    path("", include("supervision.urls")),  # the dashboard, "/" (name "dashboard")
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("staff/", views.staff_list_page, name="staff_list"),
    path("staff/<int:pk>/password/", views.staff_password, name="staff_password"),
    # U7: the holiday calendar (the administrator's).
    path("calendar/", views.calendar_day_list_page, name="calendar_day_list"),
    path("calendar/new/", views.calendar_day_form, name="calendar_day_create"),
    path("calendar/<int:pk>/", views.calendar_day_form, name="calendar_day_edit"),
    path("calendar/<int:pk>/delete/", views.calendar_day_delete_view, name="calendar_day_delete"),
    path("calendar/import/", views.calendar_import_page, name="calendar_import"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("files/<int:pk>/", views.generated_file_status, name="generated_file_status"),
    path("files/<int:pk>/open/", views.generated_file_download, name="generated_file_download"),
    path("households/", include("households.urls")),
    path("surveys/", include("surveys.urls")),
    path("appraisal/", include("appraisal.urls")),
    # O3/R2: the shared checker inbox.
    path("approvals/", views.approval_inbox_page, name="approval_inbox"),
    path("approvals/<int:pk>/decide/", views.approval_decide_view, name="approval_decide"),
    path("publicity/", include("publicity.urls")),
    path("lines/", include("credit_use.urls")),
    path("groups/", include("guarantee_groups.urls")),
    path("post-loan/", include("post_loan.urls")),
    path("public/", include((public_urlpatterns, "public"))),
    path("public/", include((supervision_public, "public_sv"))),
    path("admin/", admin.site.urls),
]
