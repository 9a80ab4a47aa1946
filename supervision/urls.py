from django.urls import path

from . import views
from .views import complaints as complaint_views
from .views import complaints_public, disclosures
from .views import overview as overview_views
from .views import progress as progress_views
from .views import reviews as review_views

# Not namespaced: base.html and the login redirect name the dashboard "dashboard".
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    # V1: the dashboards, head office → branch → village → loan officer, each level's table as .xlsx.
    path("overview/", overview_views.overview, name="overview"),
    path("overview/export.xlsx", overview_views.overview_export, name="overview_export"),
    path("overview/branches/<int:pk>/", overview_views.overview_branch, name="overview_branch"),
    path("overview/branches/<int:pk>/export.xlsx", overview_views.overview_export, {"level": "branch"},
         name="overview_branch_export"),
    path("overview/villages/<int:pk>/", overview_views.overview_village, name="overview_village"),
    path("overview/villages/<int:pk>/export.xlsx", overview_views.overview_export, {"level": "village"},
         name="overview_village_export"),
    path("overview/officers/<int:pk>/", overview_views.overview_officer, name="overview_officer"),
    path("overview/officers/<int:pk>/export.xlsx", overview_views.overview_export, {"level": "officer"},
         name="overview_officer_export"),
    # V1 over time: a campaign's stage timetable; the branches' ten-day progress reports (旬报) and their files.
    path("overview/plan/<int:campaign_pk>/", progress_views.stage_plan_edit, name="stage_plan_edit"),
    path("overview/reports/", progress_views.progress_report_list, name="progress_report_list"),
    path("overview/reports/generate/", progress_views.progress_report_generate, name="progress_report_generate"),
    path("overview/reports/<int:pk>/xlsx", progress_views.progress_report_file, {"kind": "xlsx"},
         name="progress_report_xlsx"),
    path("overview/reports/<int:pk>/pdf", progress_views.progress_report_file, {"kind": "pdf"},
         name="progress_report_pdf"),
    # V2: the democratic review, the auditor's workspace.
    path("reviews/", review_views.review_workspace, name="review_workspace"),
    path("reviews/draw/", review_views.review_draw, name="review_draw"),
    path("reviews/<int:pk>/", review_views.review_detail, name="review_detail"),
    path("reviews/<int:pk>/findings/", review_views.finding_add, name="review_finding_add"),
    path("reviews/findings/<int:pk>/close/", review_views.finding_close, name="review_finding_close"),
    # V3: the eight disclosures (八公开) and the service-hall boards.
    path("disclosures/", disclosures.disclosure_branch_list, name="disclosure_branch_list"),
    path("disclosures/<int:branch_pk>/", disclosures.disclosure_edit, name="disclosure_edit"),
    path("disclosures/<int:branch_pk>/history/", disclosures.disclosure_history, name="disclosure_history"),
    path("disclosures/<int:branch_pk>/officers/<int:user_pk>/", disclosures.disclosure_officer_edit,
         name="disclosure_officer_edit"),
    path("disclosures/<int:branch_pk>/commitments.pdf", disclosures.disclosure_board_pdf, {"kind": "commitments"},
         name="disclosure_board_commitments"),
    path("disclosures/<int:branch_pk>/process.pdf", disclosures.disclosure_board_pdf, {"kind": "process"},
         name="disclosure_board_process"),
    path("disclosures/<int:branch_pk>/officers.pdf", disclosures.disclosure_board_pdf, {"kind": "officers"},
         name="disclosure_board_officers"),
    # V4: complaints and evaluation cards (audit's), the counter, the QR cards; V5: suggestion-box openings.
    path("complaints/", complaint_views.complaint_list, name="complaint_list"),
    path("complaints/<int:pk>/", complaint_views.complaint_detail, name="complaint_detail"),
    path("complaints/counter/", complaint_views.complaint_counter, name="complaint_counter"),
    path("complaints/cards/", complaint_views.complaint_cards, name="complaint_cards"),
    path("suggestion-box/", complaint_views.opening_list, name="suggestion_opening_list"),
    path("suggestion-box/<int:pk>/", complaint_views.opening_detail, name="suggestion_opening_detail"),
    path("suggestion-box/<int:pk>/sign/", complaint_views.opening_confirm, name="suggestion_opening_confirm"),
    path("suggestion-box/<int:pk>/cards/", complaint_views.opening_card, name="suggestion_opening_card"),
]

# The public pages (no login), mounted under /public/ by the root URLconf as namespace "public_sv".
public_urlpatterns = [
    path("d/<str:code>/", disclosures.disclosure_public, name="disclosure_public"),
    path("d/photo/<str:token>/", disclosures.disclosure_photo, name="disclosure_photo"),
    # V4: the form an officer's card or a branch's board opens (?officer=<token> / ?branch=<token>).
    path("complaint/", complaints_public.complaint_form, name="complaint_form"),
    path("complaint/done/<str:reference>/", complaints_public.complaint_done, name="complaint_done"),
    path("complaint/lookup/", complaints_public.complaint_lookup, name="complaint_lookup"),
]
