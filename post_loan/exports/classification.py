"""C6: the risk classification report (ageing buckets, PAR30/PAR90, outstanding by grade) as .xlsx — one sheet,
one row per branch, village and officer of the scope, then the total. Names are the bank's own (branches, villages,
staff), written through write_xlsx (R7); amounts and percentages are numbers."""

from django.utils.translation import gettext as _

from sunshine_credit.lib.excel import write_xlsx

from ..models import Grade
from ..selectors import classification as selectors


def header() -> list[str]:
    return [_("Level"), _("Name"), _("Branch"), _("Number of loans"), _("Outstanding (yuan)"), _("Not overdue"),
            _("1–30 days"), _("31–90 days"), _("91–180 days"), _("181–360 days"), _("Over 360 days"),
            _("PAR30 (%)"), _("PAR90 (%)"), *[str(label) for label in Grade.labels]]


def rows(report: dict):
    levels = (("branches", _("Branch")), ("villages", _("Village")), ("officers", _("Loan officer")))
    for key, level in levels:
        for row in report[key]:
            yield _row(level, row)
    yield _row(_("Total"), report["total"])


def _row(level: str, row) -> list:
    return [level, row.name, row.branch, row.loans, row.outstanding, *row.bucket_list, row.par30, row.par90,
            *row.grade_list]


def classification_write(*, scope, out) -> None:
    report = selectors.ageing_report(scope)
    title = _("Risk classification")
    if report["as_of"]:
        title = f"{title} {report['as_of']:%Y-%m-%d}"
    write_xlsx(out, title, header(), rows(report))
