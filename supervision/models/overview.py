"""V1: what the dashboards keep over time. A campaign's stage timetable (阶段时间表, seed 000 五), each village's
figures of the day (the monthly trends read them), and the ten-day progress reports (旬报, seed 000: "按旬次日向总行
业务发展部上报进度情况") per branch, as files."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sunshine_credit.models import Branch, HeadOffice, Village
from surveys.models import Campaign

__all__ = ["ProgressReport", "Stage", "StagePlan", "VillageDay"]


class Stage(models.TextChoices):
    """A campaign's stages, in order; a household counts in a stage once it got that far (V1)."""

    ARCHIVED = "archived", _("Archived")             # 走访建档: the household is archived (H5)
    SURVEYED = "surveyed", _("Surveyed")             # 问卷调查: at least the campaign's minimum of questionnaires
    COMPUTED = "computed", _("Limit computed")       # 拟授信额度: a limit result of the campaign (L1–L7)
    APPRAISED = "appraised", _("Appraised")          # 评议: the panel decided (A7)
    PUBLISHED = "published", _("Published")          # 公示: on a published pre-credit board (P1)
    EFFECTIVE = "effective", _("In effect")          # 生效: a credit line of the campaign in effect (P5)


class StagePlan(models.Model):
    """One stage's planned dates in a campaign's timetable (the whole head office's campaign; every branch keeps it).
    By `ends_on` every household the stage concerns should have reached it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="stage_plans",
                                 verbose_name=_("campaign"))
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("updated by"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("stage plan")
        verbose_name_plural = _("stage plans")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "stage"], name="one_plan_per_campaign_stage"),
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                   name="stage_plan_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.campaign_id} {self.stage} {self.starts_on}–{self.ends_on}"


class VillageDay(models.Model):
    """One village's dashboard figures at the end of a day (the beat job `supervision.snapshot_figures`, idempotent
    per day: a rerun overwrites the day's row). Stage counts are those of `campaign` (the head office's current
    campaign that day). The monthly trends read the last row of each month."""

    on = models.DateField(_("date"))
    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="+", verbose_name=_("village"))
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    roster = models.PositiveIntegerField(default=0)
    archived = models.PositiveIntegerField(default=0)
    precredit = models.PositiveIntegerField(default=0)       # households with a credit line in effect
    granted = models.PositiveIntegerField(default=0)         # households the campaign's panels granted
    surveyed = models.PositiveIntegerField(default=0)
    computed = models.PositiveIntegerField(default=0)
    appraised = models.PositiveIntegerField(default=0)
    published = models.PositiveIntegerField(default=0)
    effective = models.PositiveIntegerField(default=0)
    lines = models.PositiveIntegerField(default=0)
    line_amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    borrowers = models.PositiveIntegerField(default=0)       # households with principal outstanding
    loans = models.PositiveIntegerField(default=0)
    outstanding = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    overdue_amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    par30_amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    due_principal = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    repaid_principal = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    visits_scheduled = models.PositiveIntegerField(default=0)
    visits_done = models.PositiveIntegerField(default=0)
    breaches = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("village figures of a day")
        verbose_name_plural = _("village figures of a day")
        constraints = [models.UniqueConstraint(fields=["village", "on"], name="one_village_day")]
        indexes = [models.Index(fields=["on", "village"])]

    def __str__(self):
        return f"{self.village_id} {self.on}"


class ProgressReport(models.Model):
    """A branch's ten-day progress report (旬报) for one campaign and one ten-day period (1–10, 11–20, 21–end of
    month): the xlsx and the PDF, made by beat the day after the period ends, or on demand (then `generated_by`)."""

    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("branch"))
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+", verbose_name=_("campaign"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    xlsx = models.FileField(upload_to="progress/%Y/%m/", blank=True)
    pdf = models.FileField(upload_to="progress/%Y/%m/", blank=True)
    xlsx_sha256 = models.CharField("SHA-256 (xlsx)", max_length=64, blank=True)
    pdf_sha256 = models.CharField("SHA-256 (PDF)", max_length=64, blank=True)
    figures = models.JSONField(default=dict)   # what the files show, exactly
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("generated by"))  # None: by beat

    class Meta:
        verbose_name = _("ten-day progress report")
        verbose_name_plural = _("ten-day progress reports")
        ordering = ["-period_end", "branch__code"]
        constraints = [models.UniqueConstraint(fields=["branch", "campaign", "period_end"],
                                               name="one_progress_report_per_period")]

    def __str__(self):
        return f"{self.branch_id} {self.campaign_id} {self.period_start}–{self.period_end}"
