"""V1 over time: the stage timetable (阶段时间表), the nightly snapshot of every village's figures, and the ten-day
progress reports (旬报, seed 000: 按旬次日向总行业务发展部上报进度情况).

- The timetable is set by head office's administrator or supervisor (audited: StagePlan is under auditlog); the
  rule of its order is rules.progress.check_plan; a form read before someone else saved answers Stale (R3).
- The snapshot (`snapshot_figures`, beat "supervision.snapshot_figures" at 23:50) writes one VillageDay per village
  of a head office from the core's village figures — one upsert, so a second run on the same day overwrites the
  day's rows and never adds any.
- A report is one row per branch, campaign and period (a unique constraint). Beat makes the branches' reports of
  the period that ended the day before (`progress_reports_due`); head office or the branch's president ask for one
  of an earlier period (`progress_report_request`: the row first, its job sent after commit, R8). Once made, a
  report is not made again: it is what was reported.
"""

import datetime
import hashlib
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from sunshine_credit.errors import Refusal, Stale
from sunshine_credit.jobs import job_enqueue, job_fail, job_finish, job_start
from sunshine_credit.models import Branch, HeadOffice
from sunshine_credit.scoping import Scope, head_office_scope
from surveys.models import Campaign

from ..models import ProgressReport, Stage, StagePlan, VillageDay
from ..rules.progress import STAGES, Period, PlanRow, check_plan, period_containing, period_ending_before
from ..selectors import overview as figures_core
from ..selectors import progress as selectors

logger = logging.getLogger(__name__)

RENDER_TASK = "supervision.render_progress_report"
# VillageDay's columns that are not Figures attributes of the same name.
RENAMED = {"due_principal": "due", "repaid_principal": "repaid"}
NOT_COPIED = {"id", "on", "village", "campaign"}


# --- the stage timetable --------------------------------------------------------------------------------------

def stage_plan_save(*, scope: Scope, actor, campaign_id: int, rows: list[PlanRow], stamp: str) -> list[StagePlan]:
    """Write a campaign's six stages. Raises Http404 for a campaign outside the head office or a user who does not
    set timetables (R1), RuleViolation (check_plan) and Stale (R3: the timetable changed since the form was read)."""
    campaign = selectors.plan_campaign_or_404(scope=scope, pk=campaign_id)
    check_plan(rows)
    with transaction.atomic():
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()  # one writer of a timetable at a time
        plans = selectors.stage_plans(campaign=campaign)
        if selectors.plan_stamp(plans) != stamp:
            raise Stale()
        saved = []
        for row in rows:
            plan = plans.get(row.stage) or StagePlan(campaign=campaign, stage=row.stage)
            if plan.pk and (plan.starts_on, plan.ends_on) == (row.starts_on, row.ends_on):
                saved.append(plan)
                continue
            plan.starts_on, plan.ends_on, plan.updated_by = row.starts_on, row.ends_on, actor
            plan.full_clean()
            plan.save()  # auditlog records who, when, from where and the dates before and after (R4)
            saved.append(plan)
    return saved


def default_start(campaign: Campaign) -> datetime.date:
    """Where the offered timetable starts: the day the campaign was set up."""
    return timezone.localdate(campaign.created_at) if campaign.created_at else timezone.localdate()


# --- the nightly snapshot -------------------------------------------------------------------------------------

def current_campaign(head_office_id: int) -> Campaign | None:
    """The head office's current campaign: the latest (the dashboards' default)."""
    return figures_core.campaign_or_latest(scope=head_office_scope(head_office_id), pk=None)


def _copied_fields() -> list[str]:
    return [f.name for f in VillageDay._meta.concrete_fields if f.name not in NOT_COPIED]


def _day_values(figures) -> dict:
    values = {}
    for name in _copied_fields():
        if name in STAGES and name != Stage.ARCHIVED:
            values[name] = figures.stages[name]
        else:
            values[name] = getattr(figures, RENAMED.get(name, name))
    return values


def snapshot_figures(*, head_office: HeadOffice, on: datetime.date) -> int:
    """One VillageDay per village of the head office for `on`, from the figures as they stand now (the core's
    village_figures), stage counts those of the head office's current campaign. Returns the rows written; a second
    run on the same day overwrites them (one upsert on the village and day)."""
    scope = head_office_scope(head_office.pk)
    campaign = figures_core.campaign_or_latest(scope=scope, pk=None)
    figures = figures_core.village_figures(scope=scope, village_ids=scope.village_ids, campaign=campaign, today=on)
    rows = [VillageDay(on=on, village_id=village_id, campaign=campaign, **_day_values(item))
            for village_id, item in figures.items()]
    with scopes_disabled():
        VillageDay.objects.bulk_create(rows, batch_size=500, update_conflicts=True, unique_fields=["village", "on"],
                                       update_fields=["campaign", *_copied_fields()])
    return len(rows)


def snapshot_all(*, on: datetime.date | None = None) -> dict:
    """Beat: every head office's snapshot of today. Returns {head office code: rows}."""
    on = on or timezone.localdate()
    with scopes_disabled():
        offices = list(HeadOffice.objects.order_by("code"))
    return {office.code: snapshot_figures(head_office=office, on=on) for office in offices}


# --- the ten-day reports --------------------------------------------------------------------------------------

def may_request(scope: Scope) -> bool:
    return selectors.reads_reports(scope)


def progress_report_request(*, scope: Scope, actor, branch_id, campaign_id, period_end: datetime.date,
                            today: datetime.date | None = None) -> tuple[ProgressReport, bool]:
    """Ask for a branch's report of an ended period. Returns (report, made): made is False when the report was
    made already (it is not made again). Raises PermissionDenied for roles that do not ask, Refusal for a branch,
    campaign or period the user may not name (every id is checked against the scope here: R1, STYLE §3.4)."""
    if not may_request(scope):
        raise PermissionDenied(_("Head office and the branch's president ask for progress reports."))
    today = today or timezone.localdate()
    branch = selectors.report_branches(scope).filter(pk=branch_id).first() if str(branch_id).isdigit() else None
    if branch is None:
        raise Refusal(_("Choose a branch."), field="branch")
    campaign = (Campaign.objects.filter(head_office_id=scope.head_office_id, pk=campaign_id).first()
                if str(campaign_id).isdigit() else None)
    if campaign is None:
        raise Refusal(_("Choose a campaign."), field="campaign")
    period = period_containing(period_end)
    if period.end != period_end or period_end >= today:
        raise Refusal(_("Choose a ten-day period that has ended."), field="period")
    with transaction.atomic():
        report, created = ProgressReport.objects.get_or_create(
            branch=branch, campaign=campaign, period_end=period.end,
            defaults={"head_office_id": scope.head_office_id, "period_start": period.start, "generated_by": actor})
        if report.generated_at is not None:
            return report, False
        job_enqueue(task_name=RENDER_TASK, kwargs={"report_id": report.pk}, actor=actor)
    return report, True


def progress_report_render(*, report: ProgressReport) -> ProgressReport:
    """Read the report's figures (selectors.progress.report_figures), write its xlsx and PDF with their SHA-256.
    Rendering again overwrites the files (a redelivered job)."""
    period = Period(report.period_start, report.period_end)
    with scopes_disabled(), translation.override(settings.LANGUAGE_CODE):
        branch = Branch.objects.select_related("head_office").get(pk=report.branch_id)
        campaign = Campaign.objects.get(pk=report.campaign_id)
        figures = selectors.report_figures(branch=branch, campaign=campaign, period=period)
        generated_at = timezone.now()
        files = {"xlsx": report_xlsx(figures),
                 "pdf": report_pdf(figures, head_office=branch.head_office.name,
                                                  generated_at=generated_at)}
    stem = f"{branch.code}-{report.period_end:%Y%m%d}-{campaign.code}"
    for kind, content in files.items():
        field = getattr(report, kind)
        if field:
            field.delete(save=False)
        field.save(f"{stem}.{kind}", ContentFile(content), save=False)
        setattr(report, f"{kind}_sha256", hashlib.sha256(content).hexdigest())
    report.figures, report.generated_at = figures, generated_at
    report.save(update_fields=["xlsx", "pdf", "xlsx_sha256", "pdf_sha256", "figures", "generated_at"])
    return report


def progress_report_job(job_id: int) -> None:
    """The on-demand job (thin task interface): claim the job, make its report unless made meanwhile."""
    job = job_start(job_id)
    if job is None:
        return  # a redelivery of a job already done or running
    try:
        with scopes_disabled():
            report = ProgressReport.objects.filter(pk=job.kwargs["report_id"]).first()
        if report is not None and report.generated_at is None:
            progress_report_render(report=report)
    except Exception as exc:
        job_fail(job_id, exc)
        raise
    job_finish(job_id)


def _timetable_span(campaign: Campaign) -> tuple[datetime.date, datetime.date] | None:
    dates = list(StagePlan.objects.filter(campaign=campaign).values_list("starts_on", "ends_on"))
    if not dates:
        return None
    return min(start for start, _end in dates), max(end for _start, end in dates)


def progress_reports_due(*, today: datetime.date | None = None) -> dict:
    """Beat, the day after a period ends: each branch's report of that period for its head office's current
    campaign, while the period meets the campaign's timetable. Idempotent: a report of the branch, campaign and
    period is made once (the unique constraint); a second run makes none. Returns counts."""
    today = today or timezone.localdate()
    period = period_ending_before(today)
    counts = {"period_end": period.end.isoformat(), "created": 0, "rendered": 0, "skipped": []}
    with scopes_disabled():
        for office in HeadOffice.objects.order_by("code"):
            campaign = current_campaign(office.pk)
            span = _timetable_span(campaign) if campaign else None
            if span is None or period.end < span[0] or period.start > span[1]:
                counts["skipped"].append(office.code)  # no campaign, no timetable, or the period is outside it
                continue
            branches = list(Branch.objects.filter(head_office=office).order_by("code"))
            made = set(ProgressReport.objects.filter(campaign=campaign, period_end=period.end)
                       .values_list("branch_id", flat=True))
            missing = [ProgressReport(head_office=office, branch=branch, campaign=campaign, period_start=period.start,
                                      period_end=period.end) for branch in branches if branch.pk not in made]
            # ignore_conflicts: a run overlapping this one made some meanwhile (the unique constraint keeps one)
            ProgressReport.objects.bulk_create(missing, ignore_conflicts=True)
            counts["created"] += len(missing)
            for report in ProgressReport.objects.filter(campaign=campaign, period_end=period.end,
                                                        branch__in=branches, generated_at=None):
                progress_report_render(report=report)
                counts["rendered"] += 1
    logger.info("progress reports of %s: %s", period.end, counts)
    return counts


# --- the report's files ---------------------------------------------------------------------------------------

def _pct(share) -> float | None:
    return None if share is None else round(share * 100, 1)


def _stages(figures: dict) -> list[dict]:
    return [{"key": row["stage"], "label": Stage(row["stage"]).label, "starts_on": row["starts_on"],
             "ends_on": row["ends_on"], "planned": _pct(row["planned"])} for row in figures["plan"]]


def _line(row: dict, stages: list[dict]) -> dict:
    """One village (or the branch) as the files show it: counts, coverage in %, per stage count, increase, %."""
    return {"code": row["code"], "name": row["name"], "roster": row["roster"], "archived": row["archived"],
            "archive_coverage": _pct(row["archive_coverage"]), "precredit": row["precredit"],
            "precredit_coverage": _pct(row["precredit_coverage"]),
            "stages": [{"count": row["stages"][s["key"]]["count"], "increase": row["stages"][s["key"]]["increase"],
                        "actual": _pct(row["stages"][s["key"]]["actual"]), "planned": s["planned"]}
                       for s in stages]}


def report_context(figures: dict) -> dict:
    stages = _stages(figures)
    total = figures["total"]
    return {"figures": figures, "stages": stages, "rows": [_line(row, stages) for row in figures["villages"]],
            "total": _line(total, stages), "missing_before": figures["missing"]["before"],
            "missing_end": figures["missing"]["end"], "period": figures["period"],
            "targets": {key: _pct(value) for key, value in figures["targets"].items()},
            "partial_end": total["counted_end"] < total["villages"],
            "partial_increase": total["counted_both"] < total["villages"]}


def _notes(context: dict) -> list[str]:
    period, notes = context["period"], []
    if context["missing_before"]:
        notes.append(_("No figures of %(day)s (the day before the period) for: %(villages)s. Their increases are "
                       "left blank.") % {"day": period["day_before"], "villages": "、".join(context["missing_before"])})
    if context["missing_end"]:
        notes.append(_("No figures of %(day)s (the period's last day) for: %(villages)s. Their figures are left "
                       "blank.") % {"day": period["end"], "villages": "、".join(context["missing_end"])})
    if context["partial_end"] or context["partial_increase"]:
        total = context["figures"]["total"]
        notes.append(_("The branch's total counts %(end)d of %(all)d villages at the period's end and %(both)d in "
                       "its increases.") % {"end": total["counted_end"], "all": total["villages"],
                                            "both": total["counted_both"]})
    return notes


def report_xlsx(figures: dict) -> bytes:
    """The report as a workbook: one row per village and the branch's total, then the timetable and the notes.
    Cells go through write_xlsx (R7: no text starts with a formula character; codes stay text)."""
    import io

    from sunshine_credit.lib.excel import write_xlsx

    context = report_context(figures)
    header = [_("Village code"), _("Village"), _("Households on the roster"), _("Archived"),
              _("Archive coverage (percent)"), _("With a line in effect"), _("Pre-credit coverage (percent)")]
    for stage in context["stages"]:
        header += [_("%(stage)s: at the period's end") % {"stage": stage["label"]},
                   _("%(stage)s: increase in the period") % {"stage": stage["label"]},
                   _("%(stage)s: actual (percent)") % {"stage": stage["label"]},
                   _("%(stage)s: planned (percent)") % {"stage": stage["label"]}]

    def cells(line):
        out = [line["code"], line["name"], line["roster"], line["archived"], line["archive_coverage"],
               line["precredit"], line["precredit_coverage"]]
        for cell in line["stages"]:
            out += [cell["count"], cell["increase"], cell["actual"], cell["planned"]]
        return out

    period = context["period"]
    rows = [cells(line) for line in context["rows"]]
    rows.append(cells({**context["total"], "name": _("Branch total")}))
    rows += [[], [_("Period"), f"{period['start']} – {period['end']}"], [_("Campaign"), figures["campaign"]["name"]],
             [_("Stage"), _("Starts on"), _("Ends on"), _("Planned by the period's end (percent)")]]
    rows += [[s["label"], s["starts_on"] or "", s["ends_on"] or "", s["planned"]] for s in context["stages"]]
    rows += [[note] for note in _notes(context)]
    out = io.BytesIO()
    write_xlsx(out, f"{figures['branch']['name']} {period['end']}", header, rows, text_columns=frozenset({0}))
    return out.getvalue()


def report_pdf(figures: dict, *, head_office: str, generated_at) -> bytes:
    from sunshine_credit.lib.pdf import render_pdf

    context = report_context(figures)
    return render_pdf("supervision/progress/pdf/report.html",
                      {**context, "notes": _notes(context), "head_office": head_office,
                       "generated_at": timezone.localtime(generated_at)})
