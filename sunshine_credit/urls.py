from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from publicity.urls import public_urlpatterns
from supervision.urls import public_urlpatterns as supervision_public

from . import views
from .staff import views as staff_views
from .staff.forms import LoginForm

# The root URLconf is the composition root: the one module of the ground floor that may name the domain apps
# (their urls modules; publicity's second, public URL set is mounted under /public/). Everything else under
# sunshine_credit/ imports none of them (STYLE §1).
urlpatterns = [
    path("", include("supervision.urls")),  # the dashboard, "/" (name "dashboard")
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    # R9: the second factor after the password (sunshine_credit.staff.login).
    path("otp/", staff_views.second_factor, name="second_factor"),
    # SPEC §1: the administrator's staff pages; role changes by maker-checker (R2); import_staff (SPEC §11).
    path("staff/", staff_views.staff_list_page, name="staff_list"),
    path("staff/new/", staff_views.staff_create, name="staff_create"),
    path("staff/import/", staff_views.staff_import_page, name="staff_import"),
    path("staff/import/template.xlsx", staff_views.staff_template, name="staff_template"),
    path("staff/<int:pk>/", staff_views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/active/", staff_views.staff_active, name="staff_active"),
    path("staff/<int:pk>/villages/", staff_views.staff_villages, name="staff_villages"),
    path("staff/<int:pk>/role/", staff_views.staff_role, name="staff_role"),
    path("staff/<int:pk>/second-factor/", staff_views.staff_second_factor_reset, name="staff_second_factor_reset"),
    path("staff/<int:pk>/password/", views.staff_password, name="staff_password"),
    # R4: the audit log's reader (audit, supervisors, administrators).
    path("audit/", staff_views.audit_log_page, name="audit_log"),
    # U7: the holiday calendar (the administrator's).
    path("calendar/", views.calendar_day_list_page, name="calendar_day_list"),
    path("calendar/new/", views.calendar_day_form, name="calendar_day_create"),
    path("calendar/<int:pk>/", views.calendar_day_form, name="calendar_day_edit"),
    path("calendar/<int:pk>/delete/", views.calendar_day_delete_view, name="calendar_day_delete"),
    path("calendar/import/", views.calendar_import_page, name="calendar_import"),
    # Issue 18.6: the head office's failed jobs, sent again by its administrator.
    path("jobs/failed/", views.failed_job_list_page, name="failed_job_list"),
    path("jobs/<int:pk>/retry/", views.failed_job_retry_view, name="failed_job_retry"),
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

# Issue 18.3: a server error's page (the database down: 503; the files volume full: 507), never a traceback.
handler500 = "sunshine_credit.error_pages.server_error"
