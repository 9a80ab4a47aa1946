"""The appraisal pages (SPEC §5). Everything under my/ is what a `reviewer` login reaches
(sunshine_credit.scoping.REVIEWER_PATHS): their seats, the grid, the gap form, the seat's sign-off and summary."""

from django.urls import path

from .views import booklets, decisions, entry, gaps, panels, precheck, stages

app_name = "appraisal"
urlpatterns = [
    # A1–A3 for officers: the panels, the round, the reviewer registry.
    path("", panels.panel_list, name="panel_list"),
    path("panels/new/", panels.panel_form, name="panel_create"),
    path("panels/<int:pk>/", panels.panel_detail, name="panel_detail"),
    path("panels/<int:pk>/edit/", panels.panel_form, name="panel_edit"),
    path("panels/<int:pk>/round/<str:action>/", panels.panel_round, name="panel_round"),
    path("panels/<int:pk>/gaps/<int:gap>/", gaps.gap_decide, name="gap_decide"),
    path("reviewers/", panels.reviewer_list, name="reviewer_list"),
    path("reviewers/new/", panels.reviewer_form, name="reviewer_create"),
    path("reviewers/<int:pk>/", panels.reviewer_form, name="reviewer_edit"),
    path("reviewers/<int:pk>/password/", panels.reviewer_password, name="reviewer_password"),
    # A3/A4: the seated reviewer.
    path("my/", entry.my_panels, name="my_panels"),
    path("my/<int:panel>/", entry.seat_home, name="seat_home"),
    path("my/<int:panel>/groups/<int:group>/", entry.seat_grid, name="seat_grid"),
    path("my/<int:panel>/save/", entry.seat_row_save, name="seat_row_save"),
    path("my/<int:panel>/households/<int:household>/gaps/", gaps.seat_gap_form, name="seat_gap_form"),
    # A3: the paper booklet (评议册): export for printing, import of the filled sheets.
    path("panels/<int:pk>/booklet.xlsx", booklets.booklet_export, name="booklet_export"),
    path("panels/<int:pk>/booklets/", booklets.booklet_import_list, name="booklet_import_list"),
    path("booklets/<int:pk>/", booklets.booklet_import_detail, name="booklet_import_detail"),
    path("booklets/<int:pk>/confirm/", booklets.booklet_import_confirm, name="booklet_import_confirm"),
    # A6: the pre-check.
    path("precheck/<int:pk>/", precheck.precheck_list, name="precheck_list"),
    path("precheck/<int:pk>/run/", precheck.precheck_rerun, name="precheck_run"),
    path("precheck/<int:pk>/override/<int:decision>/", precheck.precheck_override, name="precheck_override"),
    path("precheck/decision/<int:pk>/", precheck.precheck_decision, name="precheck_decision"),
    path("precheck/campaign/<int:pk>/audit/", precheck.precheck_audit_list, name="precheck_audit_list"),
    path("precheck/campaign/<int:pk>/audit/export/", precheck.precheck_audit_export, name="precheck_audit_export"),
    # A7: the decisions of a closed panel, its sign-off and the appraisal sheet (the seat's under my/).
    path("panels/<int:pk>/decisions/", decisions.decisions_page, name="decisions"),
    path("panels/<int:pk>/decisions/accept/", decisions.decisions_accept, name="decisions_accept"),
    path("panels/<int:pk>/decisions/<int:decision>/", decisions.decision_save, name="decision_save"),
    path("panels/<int:pk>/sign-off/paper/", decisions.sign_off_paper, name="sign_off_paper"),
    path("panels/<int:pk>/sheet.pdf", decisions.sheet_request, name="decisions_sheet_pdf"),
    path("decisions/<int:pk>/", decisions.decision_goto, name="decision_goto"),
    path("my/<int:panel>/sign-off/", decisions.seat_sign_off, name="seat_sign_off"),
    path("my/<int:panel>/decisions/", decisions.seat_decisions, name="seat_decisions"),
    # V1: the households of a campaign whose panel decided (the dashboards' 评议完成 figure), by ?branch/village/officer.
    path("campaigns/<int:pk>/appraised/", stages.appraised_list, name="appraised_list"),
]
