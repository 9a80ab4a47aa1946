"""Public notices (SPEC §6, P1–P6): a village's board as published, its items and the objections to them.

A `Notice` is archived unchanged once published (P3): `snapshot` holds everything the printed board shows
(header, the rows, the signature block), the PDF rendered from it is stored with its SHA-256, and nothing
rewrites either afterwards. Rendering the same snapshot again gives the same bytes (tests check it).
The pre-credit board (kind `precredit`) also has one `NoticeItem` per listed household, which objections
freeze and reconsideration (复议) settles; the other kinds (P6) are boards of rows only.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from appraisal.models import Decision, Panel
from households.models import Household
from sunshine_credit.models import HeadOffice, Job, Village
from surveys.models import Campaign


class NoticeKind(models.TextChoices):
    PRECREDIT = "precredit", _("Pre-credit notice")                          # 授信公示 P1
    REVOCATION = "revocation", _("Credit-revocation notice")                # 取消授信资格公示 U9
    LARGE_LOANS = "large_loans", _("Large-loan disclosure register")        # 大额贷款贷后公开簿
    PREDISBURSEMENT = "predisbursement", _("Loan pre-disbursement notice")  # 贷款公示


class Notice(models.Model):
    class Status(models.TextChoices):
        RENDERING = "rendering", _("Being printed")
        PUBLISHED = "published", _("Published")
        FAILED = "failed", _("Printing failed")

    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="notices", verbose_name=_("village"))
    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="notices",
                                 verbose_name=_("campaign"))
    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, null=True, blank=True, related_name="notices")
    period = models.CharField(_("period"), max_length=7, blank=True)  # "2026-11" for the monthly register
    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("notice starts"))
    ends_on = models.DateField(_("notice ends"))
    full_names = models.BooleanField(_("full names"), default=False)
    snapshot = models.JSONField(default=dict)  # what the board shows, exactly; never rewritten
    public_token = models.CharField(max_length=32, unique=True)  # the QR code's link to the public form
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RENDERING)
    file = models.FileField(upload_to="notices/%Y/%m/", blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("published by"))
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    rendered_at = models.DateTimeField(_("printed at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("notice period processed at"), null=True, blank=True)

    objects = ScopedManager(village="village")

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-starts_on", "village_id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "village"], condition=models.Q(kind="precredit"),
                                    name="one_precredit_board_per_village"),
            models.UniqueConstraint(fields=["village", "period"], condition=models.Q(kind="large_loans"),
                                    name="one_large_loan_register_per_month"),
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                   name="notice_period_ordered"),
        ]
        indexes = [models.Index(fields=["kind", "ends_on"]), models.Index(fields=["campaign", "kind"])]

    def __str__(self):
        return self.title


class ItemStatus(models.TextChoices):
    LISTED = "listed", _("On notice")
    FROZEN = "frozen", _("Frozen by an objection")
    EFFECTIVE = "effective", _("Line in effect")
    REJECTED = "rejected", _("Rejected on reconsideration")
    REFUSED = "refused", _("Refused by the level above")


class Outcome(models.TextChoices):
    """P4: what the panel's reconsideration (复议) decided about an objected item."""

    UPHELD = "upheld", _("Upheld: the amount stands")
    CHANGED = "changed", _("Amount changed")
    REJECTED = "rejected", _("Rejected: no credit this batch")


class NoticeItem(models.Model):
    """One household on a pre-credit board: what was published (`amount`), and what takes effect."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="items")
    line_no = models.PositiveIntegerField(_("no."))  # 序号 on the printed board; the public form asks for it
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="notice_items")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="notice_items")
    group_name = models.CharField(_("villagers' group"), max_length=50, blank=True)
    name = models.CharField(_("name as published"), max_length=50)
    amount = models.DecimalField(_("published amount (yuan)"), max_digits=14, decimal_places=2)
    status = models.CharField(_("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.LISTED)
    outcome = models.CharField(_("reconsideration"), max_length=10, choices=Outcome.choices, blank=True)
    final_amount = models.DecimalField(_("amount after reconsideration (yuan)"), max_digits=14, decimal_places=2,
                                       null=True, blank=True)
    outcome_reason = models.CharField(_("reasons"), max_length=500, blank=True)
    reconsidered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("recorded by"))
    reconsidered_at = models.DateTimeField(_("reconsidered at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)  # R3

    objects = ScopedManager(village="notice__village")

    class Meta:
        verbose_name = _("notice item")
        verbose_name_plural = _("notice items")
        ordering = ["notice_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "line_no"], name="uniq_notice_line_no"),
            models.UniqueConstraint(fields=["notice", "household"], name="uniq_notice_household"),
        ]
        indexes = [models.Index(fields=["notice", "status"])]

    def __str__(self):
        return f"{self.notice_id}#{self.line_no}"

    @property
    def effective_amount(self):
        return self.final_amount if self.final_amount is not None else self.amount


class Objection(models.Model):
    """P4: who (may be anonymous), which household, what; lodged at the counter or on the public form."""

    class Channel(models.TextChoices):
        COUNTER = "counter", _("At the counter")
        PUBLIC = "public", _("Public form")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for reconsideration")
        CLOSED = "closed", _("Reconsidered")

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="objections")
    item = models.ForeignKey(NoticeItem, on_delete=models.PROTECT, related_name="objections",
                             verbose_name=_("household"))
    reference = models.CharField(_("reference number"), max_length=20, unique=True)
    channel = models.CharField(_("lodged"), max_length=8, choices=Channel.choices)
    objector_name = models.CharField(_("objector's name"), max_length=50, blank=True)   # blank: anonymous
    objector_phone = models.CharField(_("objector's phone"), max_length=20, blank=True)
    content = models.TextField(_("objection"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    lodged_at = models.DateTimeField(_("lodged at"), auto_now_add=True)
    lodged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("recorded by"))

    objects = ScopedManager(village="notice__village")

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-lodged_at"]
        indexes = [models.Index(fields=["notice", "status"]), models.Index(fields=["item", "status"])]

    def __str__(self):
        return self.reference
