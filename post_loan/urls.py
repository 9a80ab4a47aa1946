from django.urls import path  # noqa: F401  (each feature adds its patterns below)

app_name = "post_loan"

from .views import blacklist as blacklist_views  # noqa: E402
from .views import classification as classification_views  # noqa: E402
from .views import collection as collection_views  # noqa: E402
from .views import letters as letter_views  # noqa: E402
from .views import reminders as reminder_views  # noqa: E402
from .views import repayment_rate as repayment_rate_views  # noqa: E402
from .views import visits as visit_views  # noqa: E402

urlpatterns = [
    # C1 visits
    path("visits/", visit_views.visit_list, name="visit_list"),
    path("visits/rate/", visit_views.visit_rate, name="visit_rate"),
    path("visits/<int:pk>/", visit_views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/record/", visit_views.visit_record, name="visit_record"),
    path("visits/<int:pk>/files/<str:which>/", visit_views.visit_file, name="visit_file"),
    path("visits/<int:pk>/blank.pdf", visit_views.visit_blank_pdf, name="visit_blank_pdf"),
    path("loans/<int:pk>/visit/", visit_views.visit_add, name="visit_add"),
    # C2 reminders: the 30-day phone list, the calls, the text messages
    path("reminders/", reminder_views.reminder_list, name="reminder_list"),
    path("reminders/<int:pk>/call/", reminder_views.reminder_call, name="reminder_call"),
    path("messages/", reminder_views.message_list, name="message_list"),
    # C4 the blacklist: list and search, add, an entry (settle, ask for removal), the workbook import
    path("blacklist/", blacklist_views.blacklist_list, name="blacklist_list"),
    path("blacklist/add/", blacklist_views.blacklist_add, name="blacklist_add"),
    path("blacklist/import/", blacklist_views.blacklist_import, name="blacklist_import"),
    path("blacklist/import/template.xlsx", blacklist_views.blacklist_template, name="blacklist_template"),
    path("blacklist/<int:pk>/", blacklist_views.blacklist_detail, name="blacklist_detail"),
    path("blacklist/<int:pk>/settle/", blacklist_views.blacklist_settle, name="blacklist_settle"),
    path("blacklist/<int:pk>/remove/", blacklist_views.blacklist_remove, name="blacklist_remove"),
    # C6 risk classification and ageing
    path("risk/", classification_views.classification_report, name="classification_report"),
    path("risk/export.xlsx", classification_views.classification_export, name="classification_export"),
    path("risk/villages/<int:village_pk>/", classification_views.classification_village,
         name="classification_village"),
    path("risk/loans/<int:pk>/", classification_views.classification_detail, name="classification_detail"),
    # C5 repayment rate
    path("repayment-rate/", repayment_rate_views.repayment_rate, name="repayment_rate"),
    # C2/C3 letters with their delivery receipts; the branches' lawyers
    path("letters/", letter_views.letter_list, name="letter_list"),
    path("letters/print/", letter_views.letters_print, name="letters_print"),
    path("letters/<int:pk>/receipt/", letter_views.letter_receipt, name="letter_receipt"),
    path("letters/<int:pk>/scan/", letter_views.letter_scan, name="letter_scan"),
    path("lawyers/", letter_views.lawyer_list, name="lawyer_list"),
    path("lawyers/<int:branch_pk>/", letter_views.lawyer_edit, name="lawyer_edit"),
    # C3/C7 collection cases
    path("cases/", collection_views.case_list, name="case_list"),
    path("cases/<int:pk>/", collection_views.case_detail, name="case_detail"),
    path("cases/<int:pk>/entry/", collection_views.case_entry, name="case_entry"),
    path("cases/<int:pk>/classify/", collection_views.case_classify, name="case_classify"),
    path("cases/<int:pk>/plan/", collection_views.plan_propose, name="plan_propose"),
    path("cases/entries/<int:pk>/promise/", collection_views.promise_mark, name="promise_mark"),
]
