"""Printable blank questionnaires (表一, S2), made in the background: a 500-household village takes
about a minute and a half to lay out, longer than a request may wait.

The request records a GeneratedFile (sunshine_credit.services); the job renders it in the asker's scope,
a few households at a time so that the progress moves, and joins the pages into one PDF.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from sunshine_credit.lib.pdf import html_to_document, render_html
from sunshine_credit.models import GeneratedFile, Village
from sunshine_credit.scoping import Scope
from sunshine_credit.services import generated_file_request

from .. import selectors
from ..models import Campaign
from ..rules import BUSINESS_CODES, WITHHOLD_REASONS
from ..tasks import render_blank_questionnaires as render_blank_questionnaires_task

TASK_NAME = render_blank_questionnaires_task.name  # stable, stored in Job rows: it lives once, on the task
TEMPLATE = "surveys/pdf/questionnaire_blank.html"
HOUSEHOLDS_PER_STEP = 25  # one laid-out chunk per progress step


def questionnaire_blank_request(*, scope: Scope, actor, campaign: Campaign, village: Village,
                                group_id: int | None, respondent_code: str) -> GeneratedFile:
    """Record the printout of the village's (or group's) blank questionnaires; rendered after commit."""
    return generated_file_request(
        scope=scope, actor=actor, kind="questionnaire_blank", task_name=TASK_NAME, village=village,
        title=_("Blank questionnaires · %(campaign)s · %(village)s") % {"campaign": campaign.name,
                                                                        "village": village.name},
        file_name=f"questionnaires-{campaign.pk}-{village.code}.pdf", content_type="application/pdf",
        params={"campaign_id": campaign.pk, "group_id": group_id, "respondent_code": respondent_code})


def questionnaire_blank_render(*, item: GeneratedFile, scope: Scope, progress) -> bytes:
    """The PDF: one A4 page per household. Raises Http404 when the village left the asker's scope."""
    if item.village_id not in scope.village_ids:
        raise Http404
    with scopes_disabled():
        campaign = Campaign.objects.get(pk=item.params["campaign_id"], head_office_id=scope.head_office_id)
        village = Village.objects.get(pk=item.village_id)
    households = selectors.blank_questionnaire_households(village=village, group_id=item.params.get("group_id"))
    # R5: no whole ID number on the paper, even when a maker prints it: the forms go to the village's respondents.
    context = {"campaign": campaign, "village": village, "respondent_code": item.params.get("respondent_code", ""),
               "business_codes": BUSINESS_CODES.items(), "withhold_codes": WITHHOLD_REASONS.items()}
    steps = [households[i:i + HOUSEHOLDS_PER_STEP] for i in range(0, len(households), HOUSEHOLDS_PER_STEP)] or [[]]
    documents = []
    for done, chunk in enumerate(steps, start=1):
        documents.append(html_to_document(render_html(TEMPLATE, {**context, "households": chunk})))
        progress(int(100 * done / len(steps)))
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()
