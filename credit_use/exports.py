"""`export_precredit` (SPEC §11): the core-banking batch template 预授信批量导入数据模板 of a campaign's lines in
effect, within the acting user's scope.

The core banking system reads this file, so its headers are the template's fixed Chinese words (never
translated), the ID number is complete and a text cell (the bank's import matches customers by it), amounts
are numbers and dates real date cells. R7: user text never starts a cell with a formula character.
Full ID numbers leave the system here, so only EXPORT_ROLES may make the file.
"""

import io

from django.http import Http404
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from sunshine_credit.lib.excel import safe_text
from sunshine_credit.models import GeneratedFile, Role
from sunshine_credit.scoping import Scope
from sunshine_credit.services import generated_file_request
from surveys.models import Campaign

from .selectors.lines import precredit_lines
from .tasks import export_precredit as export_precredit_task

TEMPLATE_NAME = "预授信批量导入数据模板"
HEADER = ["序号", "客户名称", "证件类型", "证件号码", "授信额度(元)", "授信起始日", "授信到期日", "担保方式", "机构编码",
          "所属村", "户号代码", "批次"]
ID_TYPE = "居民身份证"
GUARANTEE = "信用"
DATE_FORMAT = "yyyy-mm-dd"
AMOUNT_FORMAT = "0.00"
TEXT_FORMAT = "@"
# Who may take full ID numbers out to the core banking system: the branch's makers and checker, and IT.
EXPORT_ROLES = frozenset({Role.ADMIN, Role.PRESIDENT, Role.OFFICER})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TASK_NAME = export_precredit_task.name  # stable, stored in Job rows: it lives once, on the task
KIND = "precredit_export"


def may_export(scope: Scope) -> bool:
    return scope.role in EXPORT_ROLES


def precredit_rows(*, scope: Scope, campaign: Campaign):
    """One list per line in effect of the campaign in the scope's villages. Call inside `activate(scope)`."""
    for number, line in enumerate(precredit_lines(scope=scope, campaign=campaign).iterator(chunk_size=2000), 1):
        yield [number, line["holder_name"] or "", ID_TYPE, line["holder_id_number"] or "", line["amount"],
               line["effective_on"], line["expires_on"], GUARANTEE, line["village__branch__code"],
               line["village__name"], line["household__code"], campaign.code]


def precredit_write(*, scope: Scope, campaign: Campaign, out) -> int:
    """Write the template to `out` (a path or file object); returns the number of lines. Call inside
    `activate(scope)`."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=TEMPLATE_NAME)
    bold = Font(bold=True)
    header = []
    for text in HEADER:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in precredit_rows(scope=scope, campaign=campaign):
        count += 1
        sheet.append([_cell(sheet, index, value) for index, value in enumerate(row)])
    workbook.save(out)
    return count


# Column index → number format; the other columns are plain values.
FORMATS = {3: TEXT_FORMAT, 4: AMOUNT_FORMAT, 5: DATE_FORMAT, 6: DATE_FORMAT}


def _cell(sheet, index: int, value):
    value = safe_text(value)
    number_format = FORMATS.get(index)
    if number_format is None:
        return value
    cell = WriteOnlyCell(sheet, value=str(value) if number_format == TEXT_FORMAT else value)
    cell.number_format = number_format
    return cell


def precredit_file_name(campaign: Campaign) -> str:
    return f"{TEMPLATE_NAME}-{campaign.code}.xlsx"


def precredit_request(*, scope: Scope, actor, campaign: Campaign) -> GeneratedFile:
    """Record the file of a campaign of the actor's head office; made by a job after commit (R8).
    Raises Http404 for a role that may not take ID numbers out (the page offers it to no one else)."""
    if not may_export(scope) or campaign.head_office_id != scope.head_office_id:
        raise Http404
    return generated_file_request(
        scope=scope, actor=actor, kind=KIND, task_name=TASK_NAME,
        title=_("Core-banking pre-credit template · %(campaign)s") % {"campaign": campaign.name},
        file_name=precredit_file_name(campaign), content_type=XLSX, params={"campaign_id": campaign.pk})


def precredit_render(*, item: GeneratedFile, scope: Scope, progress) -> bytes:
    """The job's render step, in the asker's scope as it is now (R1)."""
    if not may_export(scope):
        raise Http404
    campaign = Campaign.objects.filter(pk=item.params["campaign_id"], head_office_id=scope.head_office_id).first()
    if campaign is None:
        raise Http404
    progress(10)
    out = io.BytesIO()
    precredit_write(scope=scope, campaign=campaign, out=out)
    return out.getvalue()
