"""V1 pages: the dashboards, head office → branch → village → loan officer, and each level's table as .xlsx.

Thin: the role's landing (a president lands on their branch, an officer on their own page), the campaign chosen,
one call to `selectors.overview.overview` (404 outside the scope, R1), and the links. Every figure links to the
list behind it, filtered to exactly the rows it counts (`?branch=` / `?village=` / `?officer=`, which those lists
check against the scope: sunshine_credit.scoping.area_of). Never cached (signed-in pages, R5).
"""

import datetime
import tempfile
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from households.templatetags.households_extras import percent
from post_loan.models import Grade
from sunshine_credit.lib.excel import write_xlsx
from sunshine_credit.models import Role

from ..models import Stage
from ..rules.overview import repayment_window
from ..selectors import overview as selectors
from ..selectors.progress import kept_monthly_trend

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_URLS = {"county": "overview", "branch": "overview_branch", "village": "overview_village",
             "officer": "overview_officer"}


# --- the pages ------------------------------------------------------------------------------------------------

@never_cache
@login_required
@require_safe
def overview(request):
    """Head office's page; a president lands on their branch, an officer on their own page."""
    scope = request.scope
    selectors.require_reader(scope)
    if scope.role == Role.PRESIDENT:
        return redirect(_keep_campaign(request, reverse("overview_branch", args=[scope.branch_ids[0]])))
    if scope.role == Role.OFFICER:
        return redirect(_keep_campaign(request, reverse("overview_officer", args=[scope.user_id])))
    return _page(request, "county")


@never_cache
@login_required
@require_safe
def overview_branch(request, pk: int):
    if request.scope.role == Role.OFFICER:  # an officer reads their own page and villages, not the branch's
        raise Http404
    return _page(request, "branch", pk)


@never_cache
@login_required
@require_safe
def overview_village(request, pk: int):
    return _page(request, "village", pk)


@never_cache
@login_required
@require_safe
def overview_officer(request, pk: int):
    return _page(request, "officer", pk)


@never_cache
@login_required
@require_safe
def overview_export(request, level: str = "county", pk: int | None = None):
    """The page's table as .xlsx: the unit's own row, then its branches, villages and officers; numbers as
    numbers, shares as fractions (R7: text cells through the workbook helper's formula guard)."""
    if level == "county" and request.scope.role in (Role.PRESIDENT, Role.OFFICER):
        raise Http404  # their own page's export is the one to ask for
    if level == "branch" and request.scope.role == Role.OFFICER:
        raise Http404
    page, _campaigns = _figures(request, level, pk)
    out = tempfile.TemporaryFile()
    write_xlsx(out, _("Dashboard"), export_header(page), export_rows(page))
    out.seek(0)
    name = page["unit"].code or level
    return FileResponse(out, as_attachment=True, filename=f"overview-{name}-{page['today']:%Y%m%d}.xlsx",
                        content_type=XLSX)


def _keep_campaign(request, url: str) -> str:
    campaign = request.GET.get("campaign", "")
    return f"{url}?{urlencode({'campaign': campaign})}" if campaign.isdigit() else url


def _figures(request, level: str, pk: int | None = None) -> tuple[dict, list]:
    scope = request.scope
    selectors.require_reader(scope)
    choices = selectors.campaigns(scope=scope)
    raw = request.GET.get("campaign", "")
    campaign = selectors.campaign_or_latest(scope=scope, pk=int(raw) if raw.isdigit() else None, choices=choices)
    return selectors.overview(scope=scope, level=level, pk=pk, campaign=campaign, today=timezone.localdate()), \
        choices


def _page(request, level: str, pk: int | None = None):
    page, choices = _figures(request, level, pk)
    return render(request, "supervision/overview.html", page_context(request, page, choices))


# --- what the template shows ----------------------------------------------------------------------------------

def page_context(request, page: dict, choices: list) -> dict:
    today, campaign, unit = page["today"], page["campaign"], page["unit"]
    urls = {}  # each URL reversed once for the page's rows
    linked = lambda figures: {"f": figures, "url": drill_url(figures, campaign),  # noqa: E731
                              "links": figure_links(figures, today=today, campaign=campaign, urls=urls,
                                                    table_only=True),
                              "v": table_cells(figures)}
    rows = [linked(row) for row in page["rows"]]
    # An officer sees their own row only: a colleague sharing a village has pages (and lists) closed to them.
    officers = [linked(row) for row in page["officers"]
                if request.scope.role != Role.OFFICER or row.key == request.scope.user_id]
    unit_links = figure_links(unit, today=today, campaign=campaign, urls=urls)
    trend = _trend(request.scope, page)
    data = chart_data(page, rows or [linked(unit)], trend=trend)
    export_name = "overview_export" if unit.key is None else f"overview_{page['level']}_export"
    return {
        **page, "unit_links": unit_links, "rows": rows, "officers": officers, "campaigns": choices,
        "targets": targets(), "breadcrumbs": breadcrumbs(request.scope, page, campaign),
        "grade_rows": [{"grade": grade, "label": label, "amount": unit.grades[grade],
                        "url": unit_links[f"grade_{grade}"]} for grade, label in Grade.choices],
        "plan_rows": [{"row": row, "url": unit_links.get(f"stage_{row.stage}")} for row in page["plan"]],
        "show_complaints": unit.complaints is not None,
        "chart_data": data, "coverage_rows": _columns(data["coverage"], "labels", "archive", "precredit"),
        "trend_rows": _columns(trend, "months", "outstanding", "par30", "archive", "precredit"),
        "export_url": _keep_campaign(request, reverse(export_name, args=[] if unit.key is None else [unit.key])),
        "child_label": {"county": _("Branch"), "branch": _("Village"), "officer": _("Village")}.get(page["level"], ""),
    }


def _columns(data: dict, *keys: str) -> list[dict]:
    """A chart's parallel lists as table rows (the chart's table twin), keyed by the lists' names."""
    return [dict(zip(keys, values, strict=True)) for values in zip(*(data[key] for key in keys), strict=True)]


PERCENT_CELLS = ("archive_coverage", "precredit_coverage", "utilisation", "par30", "repayment_rate", "visit_rate")
NUMBER_CELLS = ("roster", "archived", "precredit", "lines", "loans", "overdue_loans", "breaches")


def table_cells(figures) -> dict:
    """A table row's cells as the page shows them, formatted once (issue 18: a county's tables are hundreds of cells,
    each a template look-up and filter): the template filters' own functions, so the text is the same."""
    cells = {name: percent(getattr(figures, name)) for name in PERCENT_CELLS}
    cells.update({name: _whole(getattr(figures, name)) for name in NUMBER_CELLS})
    cells["outstanding"] = floatformat(figures.outstanding, "0g")
    cells["complaints"] = "—" if figures.complaints is None else _whole(figures.complaints)
    cells["below_archive"], cells["below_precredit"] = figures.below_archive_target, figures.below_precredit_target
    cells["has_overdue"] = bool(figures.overdue_loans)
    return cells


def _whole(value: int) -> str:
    """A count as `{{ value }}` shows it: the digits alone unless the thousands are separated (what localize does
    for a whole number, without its look-ups)."""
    return localize(value) if settings.USE_THOUSAND_SEPARATOR else str(value)


def targets() -> dict:
    return {"archive": settings.ARCHIVE_COVERAGE_TARGET, "precredit": settings.PRECREDIT_COVERAGE_TARGET}


def drill_url(figures, campaign) -> str:
    """One level down: the row's own dashboard page (keeping the campaign chosen)."""
    url = reverse(PAGE_URLS[figures.kind], args=[] if figures.key is None else [figures.key])
    return f"{url}?campaign={campaign.pk}" if campaign else url


def breadcrumbs(scope, page: dict, campaign) -> list[tuple[str, str]]:
    """(label, url) from the head office down; a president's trail starts at their branch, an officer's at their
    own page (the levels above answer them with a redirect or 404)."""
    crumbs = []
    for level, pk, name in page["trail"]:
        if level == "county" and scope.role not in (Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR):
            continue
        if level == "branch" and scope.role == Role.OFFICER:
            continue
        url = reverse(PAGE_URLS[level], args=[] if pk is None else [pk])
        crumbs.append((name or _("Head office"), f"{url}?campaign={campaign.pk}" if campaign else url))
    if scope.role == Role.OFFICER and page["level"] == "village":
        crumbs.insert(0, (_("My villages"), reverse("overview_officer", args=[scope.user_id])))
    return crumbs


def figure_links(figures, *, today: datetime.date, campaign, urls: dict | None = None,
                 table_only: bool = False) -> dict[str, str]:
    """Each figure's list, filtered to exactly the rows it counts (the lists' own filters plus the area). `urls`: the
    page's URLs by (name, args), shared by its rows so that each is reversed once a page; `table_only`: only the
    figures of a table row (issue 18)."""
    area = urlencode({} if figures.kind == "county" else {figures.kind: figures.key})
    urls = {} if urls is None else urls

    def url(name, *args) -> str:
        if (name, args) not in urls:
            urls[name, args] = reverse(name, args=args)
        return urls[name, args]

    def link(name, *args, **params) -> str:  # the list's URL with its filters (once a page), then the row's area
        key = (name, args, *params.items())
        if key not in urls:
            query = urlencode(params)
            urls[key] = url(name, *args) + (f"?{query}" if query else "")
        if not area:
            return urls[key]
        return f"{urls[key]}{'&' if params else '?'}{area}"

    households, lines, loans = "households:household_list", "credit_use:line_list", "credit_use:drawdown_list"
    date_from, date_to = repayment_window(today)
    links = {
        "roster": link(households), "archived": link(households, archive="archived"),
        "not_archived": link(households, archive="roster"),
        "precredit": link(lines, status="active", holders=1),
        "lines": link(lines, status="active"),
        "line_users": link(lines, status="active", holders=1, owing=1),
        "loans": link(loans, book="owed"), "overdue": link(loans, book="overdue"), "par30": link(loans, book="par30"),
        "repayment": link("post_loan:repayment_rate", date_from=date_from.isoformat(), date_to=date_to.isoformat()),
        "visits": link("post_loan:visit_rate"),
        "breaches": link("credit_use:time_limit_breaches"),
    }
    if figures.kind != "village":  # complaints name a branch and an officer, never a village
        links["complaints"] = link("complaint_list")
    if table_only:
        return links
    links[f"stage_{Stage.ARCHIVED}"] = link(households, archive="archived")
    if campaign is not None:
        links[f"stage_{Stage.APPRAISED}"] = link("appraisal:appraised_list", campaign.pk)
        links[f"stage_{Stage.PUBLISHED}"] = link("publicity:published_list", campaign.pk)
        links[f"stage_{Stage.EFFECTIVE}"] = link(lines, campaign=campaign.pk, status="active")
        if figures.kind == "village":  # the village's questionnaire summary: who was surveyed, whose limit computed
            summary = url("surveys:summary_village", campaign.pk, figures.key)
            links[f"stage_{Stage.SURVEYED}"] = links[f"stage_{Stage.COMPUTED}"] = summary
    for grade in Grade.values:
        if figures.kind == "village":
            links[f"grade_{grade}"] = f"{url('post_loan:classification_village', figures.key)}?grade={grade}"
        else:
            links[f"grade_{grade}"] = link("post_loan:classification_report")
    if figures.kind != "village":
        links["complaints_open"] = link("complaint_list", todo="handle")
        links["complaints_overdue"] = link("complaint_list", todo="overdue")
    return links


def chart_data(page: dict, rows: list[dict], *, trend: dict) -> dict:
    """What static/js/overview_charts.js draws; shares are floats 0..1 or None, amounts floats."""
    unit = page["unit"]
    return {
        "targets": targets(),
        "coverage": {"labels": [row["f"].name for row in rows],
                     "archive": [row["f"].archive_coverage for row in rows],
                     "precredit": [row["f"].precredit_coverage for row in rows],
                     "links": [row["url"] for row in rows]},
        "stages": {"labels": [str(row.label) for row in page["plan"]],
                   "actual": [row.actual for row in page["plan"]],
                   "planned": [row.planned for row in page["plan"]]},
        "grades": {"labels": [str(label) for _grade, label in Grade.choices],
                   "amounts": [float(unit.grades[grade]) for grade in Grade.values]},
        "trend": trend,
    }


def _trend(scope, page: dict) -> dict:
    """The unit's last twelve months, from the villages' daily snapshots (selectors.progress)."""
    unit = page["unit"]
    if page["level"] == "county":
        villages = scope.village_ids
    elif page["level"] == "village":
        villages = [unit.key]
    else:  # a branch's or an officer's villages: the page's rows
        villages = [row.key for row in page["rows"]]
    return kept_monthly_trend(scope=scope, village_ids=villages, today=page["today"])


# --- the export -----------------------------------------------------------------------------------------------

FIGURE_COLUMNS = (  # (Figures attribute, column heading)
    ("roster", gettext_lazy("Households on the roster")),
    ("archived", gettext_lazy("Archived households")),
    ("archive_coverage", gettext_lazy("Archive coverage")),
    ("precredit", gettext_lazy("Households with a line in effect")),
    ("precredit_coverage", gettext_lazy("Pre-credit coverage")),
    ("lines", gettext_lazy("Lines in effect")),
    ("line_amount", gettext_lazy("Line amount (yuan)")),
    ("line_users", gettext_lazy("Households with a line owing on a loan")),
    ("utilisation", gettext_lazy("Line utilisation")),
    ("loans", gettext_lazy("Loans outstanding")),
    ("borrowers", gettext_lazy("Borrowing households")),
    ("outstanding", gettext_lazy("Outstanding (yuan)")),
    ("overdue_loans", gettext_lazy("Overdue loans")),
    ("overdue_amount", gettext_lazy("Overdue (yuan)")),
    ("par30_amount", gettext_lazy("PAR30 amount (yuan)")),
    ("par30", gettext_lazy("PAR30")),
    ("due", gettext_lazy("Principal due (yuan)")),
    ("repaid", gettext_lazy("Repaid on time (yuan)")),
    ("repayment_rate", gettext_lazy("Repayment rate")),
    ("graced_rate", gettext_lazy("Repayment rate with grace")),
    ("visits_scheduled", gettext_lazy("Visits scheduled this quarter")),
    ("visits_done", gettext_lazy("Visits made")),
    ("visit_rate", gettext_lazy("Visit rate")),
    ("breaches", gettext_lazy("Time-limit breaches")),
)


def export_header(page: dict) -> list[str]:
    header = [_("Level"), _("Code"), _("Name"), _("Branch"), *(str(label) for _name, label in FIGURE_COLUMNS),
              *(f"{label} ({_('yuan')})" for _grade, label in Grade.choices)]
    header += [f"{Stage(stage).label}" for stage in Stage.values]
    if page["unit"].complaints is not None:
        header += [_("Complaints"), _("Complaints to handle"), _("Complaints overdue")]
    return header


def export_rows(page: dict):
    kinds = {"county": _("Head office"), "branch": _("Branch"), "village": _("Village"), "officer": _("Loan officer")}
    complaints = page["unit"].complaints is not None
    for figures in (page["unit"], *page["rows"], *page["officers"]):
        row = [str(kinds[figures.kind]), figures.code, figures.name or _("Total"), figures.branch]
        row += [_number(getattr(figures, name)) for name, _label in FIGURE_COLUMNS]
        row += [_number(figures.grades[grade]) for grade in Grade.values]
        row += [figures.stages[stage] for stage in Stage.values]
        if complaints:
            row += [figures.complaints, figures.complaints_open, figures.complaints_overdue]
        yield row


def _number(value):
    """Decimals as numbers the sheet can add up; None (nothing to divide by) as an empty cell."""
    return float(value) if value is not None and not isinstance(value, int) else value
