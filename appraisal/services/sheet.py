"""A7: the printable appraisal sheet 阳光信贷农户家庭授信评议表 of a closed panel (seed 000 第一篇 §五(三)):
one row per household with every reviewer's amount, the median rating, the computed and the decided
amount and the reason for a change, and the signature block of the panel's members.

Made in the background (GeneratedFile, sunshine_credit.services): the request records the file, the job
renders it in the asker's scope and language. The command `render_appraisal_sheet` calls `sheet_pdf`.
"""

from django.http import Http404
from django.utils.translation import gettext as _

from sunshine_credit.lib.pdf import render_pdf
from sunshine_credit.models import GeneratedFile
from sunshine_credit.scoping import Scope, activate, narrowed
from sunshine_credit.services import generated_file_request

from ..models import Panel
from ..selectors import decisions_summary, panel_or_404
from ..tasks import render_appraisal_sheet as render_appraisal_sheet_task

TASK_NAME = render_appraisal_sheet_task.name  # stable, stored in Job rows: it lives once, on the task
TEMPLATE = "appraisal/pdf/appraisal_sheet.html"
KIND = "appraisal_sheet"


def sheet_file_name(panel: Panel) -> str:
    return f"appraisal-sheet-{panel.campaign.code}-{panel.village.code}.pdf"


def sheet_request(*, scope: Scope, actor, panel: Panel) -> GeneratedFile:
    """Record the sheet of a closed panel (fetched through the scope); rendered after commit."""
    if not panel.is_closed:
        raise Http404
    return generated_file_request(
        scope=scope, actor=actor, kind=KIND, task_name=TASK_NAME, village=panel.village,
        title=_("Appraisal sheet · %(campaign)s · %(panel)s") % {"campaign": panel.campaign.name,
                                                                 "panel": panel.unit_name},
        file_name=sheet_file_name(panel), content_type="application/pdf", params={"panel_id": panel.pk})


def sheet_pdf(*, scope: Scope, panel: Panel) -> tuple[bytes, dict]:
    """The PDF of a closed panel of the scope, and the counts it shows."""
    if not panel.is_closed:
        raise Http404
    with activate(narrowed(scope, panel.village_id)):
        summary = decisions_summary(panel)
    content = render_pdf(TEMPLATE, {"panel": panel, "campaign": panel.campaign, "village": panel.village,
                                    **summary})
    return content, {"households": len(summary["rows"]), "members": len(summary["seats"])}


def sheet_render(*, item: GeneratedFile, scope: Scope, progress) -> bytes:
    """The job's render step. Raises Http404 when the panel left the asker's scope (R1)."""
    if item.village_id not in scope.village_ids:
        raise Http404
    panel = panel_or_404(scope, item.params["panel_id"])
    progress(10)
    content, _counts = sheet_pdf(scope=scope, panel=panel)
    return content
