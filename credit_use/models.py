"""Credit lines (授信额度, SPEC P5) and, with the credit-use issue, drawdowns against them (§8).

A line is created when its board's notice period ends without an open objection (credit_use.services.lines);
every change to it is a `CreditLineEvent` (its history), and the audit log keeps who changed what (R4).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from households.models import Household
from sunshine_credit.models import HeadOffice, Village
from surveys.models import Campaign


class LineStatus(models.TextChoices):
    ACTIVE = "active", _("In effect")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


class CreditLine(models.Model):
    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="credit_lines",
                                verbose_name=_("village"))
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="credit_lines",
                                  verbose_name=_("household"))
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="credit_lines",
                                 verbose_name=_("campaign"))
    notice_item = models.OneToOneField("publicity.NoticeItem", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="credit_line")
    amount = models.DecimalField(_("line (yuan)"), max_digits=14, decimal_places=2)
    effective_on = models.DateField(_("effective from"))
    expires_on = models.DateField(_("expires on"))
    status = models.CharField(_("status"), max_length=10, choices=LineStatus.choices, default=LineStatus.ACTIVE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1)  # R3

    objects = ScopedManager(village="village")

    class Meta:
        verbose_name = _("credit line")
        verbose_name_plural = _("credit lines")
        ordering = ["village_id", "household_id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "household"], name="one_line_per_campaign_household"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="credit_line_positive"),
            models.CheckConstraint(condition=models.Q(expires_on__gt=models.F("effective_on")),
                                   name="credit_line_expires_after_start"),
        ]
        indexes = [models.Index(fields=["village", "status"]), models.Index(fields=["household", "status"])]

    def __str__(self):
        return f"{self.household_id}: {self.amount}"


class CreditLineEvent(models.Model):
    """The line's history: created, changed, revoked, restored, expired — with amounts, reason and who."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Took effect")
        CHANGED = "changed", _("Amount changed")
        REVOKED = "revoked", _("Revoked")
        RESTORED = "restored", _("Restored")
        EXPIRED = "expired", _("Expired")

    line = models.ForeignKey(CreditLine, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=10, choices=Kind.choices)
    amount_before = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    amount_after = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    status_after = models.CharField(max_length=10, choices=LineStatus.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    objects = ScopedManager(village="line__village")

    class Meta:
        verbose_name = _("credit line event")
        verbose_name_plural = _("credit line events")
        ordering = ["line_id", "at", "id"]

    def __str__(self):  # Django's default, which the audit log has recorded as the object (R4)
        return f"CreditLineEvent object ({self.pk})"


class LineChangeRequest(models.Model):
    """R2, seed 000 第一篇 (常态化动态管理): a pre-credit line is not changed at will. The officer reports the change
    with its investigation to head office, which verifies and agrees before the line changes. This row holds
    what was proposed; its `approval` (sunshine_credit.Approval, subject = the line) holds who decided and how.
    `line_version` is the line's version when the change was proposed: approving a request the line has moved
    on from would apply a change judged against another line (R3)."""

    line = models.ForeignKey(CreditLine, on_delete=models.CASCADE, related_name="change_requests",
                             verbose_name=_("credit line"))
    approval = models.OneToOneField("sunshine_credit.Approval", on_delete=models.PROTECT, related_name="+")
    amount_before = models.DecimalField(_("line before (yuan)"), max_digits=14, decimal_places=2)
    amount_proposed = models.DecimalField(_("proposed line (yuan)"), max_digits=14, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=500)
    investigation = models.TextField(_("investigation"))
    line_version = models.PositiveIntegerField()

    objects = ScopedManager(village="line__village")

    class Meta:
        verbose_name = _("credit line change request")
        verbose_name_plural = _("credit line change requests")
        ordering = ["line_id", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount_proposed__gt=0),
                                              name="line_change_request_positive")]

    def __str__(self):  # Django's default, which the audit log has recorded as the object (R4)
        return f"LineChangeRequest object ({self.pk})"


# --- drawdowns (用信, SPEC §8 U1–U9) ---------------------------------------------------------------------

class Authority(models.TextChoices):
    """U7: who approves, which sets the time limit (branch 5 working days, small farm loans 3; county 7;
    city 15; cross-city syndicated 30). Derived from the amount and the branch's approval authority
    (rules.time_limits.approval_level; the county and city thresholds are settings), never chosen."""

    BRANCH = "branch", _("Branch")
    COUNTY = "county", _("County head office")
    CITY = "city", _("City")
    CROSS_CITY = "cross_city", _("Cross-city syndicated")


class GuaranteeKind(models.TextChoices):
    GROUP = "group", _("Joint-guarantee group")           # 联保
    GUARANTORS = "guarantors", _("Named guarantors")      # 最高额个人借款担保


class Drawdown(models.Model):
    """One drawdown against a line: the application (U2), its guarantee (U3), documents (U4), investigation
    (U5), the officer's approval form and the president's approval (maker-checker, R2), disbursement by a
    teller with its loan number, and what is still owed."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Application being prepared")
        SUBMITTED = "submitted", _("Waiting for the president")
        APPROVED = "approved", _("Approved, to disburse")
        REJECTED = "rejected", _("Rejected")
        DISBURSED = "disbursed", _("Disbursed")
        REPAID = "repaid", _("Repaid")

    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="drawdowns", verbose_name=_("village"))
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="drawdowns",
                                  verbose_name=_("borrower"))
    line = models.ForeignKey(CreditLine, on_delete=models.PROTECT, related_name="drawdowns",
                             verbose_name=_("credit line"))
    number = models.CharField(_("application no."), max_length=32, unique=True)
    loan_number = models.CharField(_("loan no."), max_length=32, blank=True)  # 借据号, given at disbursement
    # What the teller enters at disbursement: the borrower's settlement account the loan is paid into (结算账号) and
    # the loan number the core banking system gave the same loan (核心系统借据号), so the two systems can be matched.
    settlement_account = models.CharField(_("settlement account"), max_length=32, blank=True)
    core_loan_number = models.CharField(_("core banking loan no."), max_length=40, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    purpose = models.CharField(_("purpose"), max_length=200)
    applied_on = models.DateField(_("applied on"))
    due_on = models.DateField(_("due on"))
    annual_rate = models.DecimalField(_("annual interest rate"), max_digits=6, decimal_places=4)  # 0.0650 = 6.5 %
    guarantee = models.CharField(_("guarantee"), max_length=10, choices=GuaranteeKind.choices)
    group = models.ForeignKey("guarantee_groups.GuaranteeGroup", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="drawdowns", verbose_name=_("joint-guarantee group"))
    is_first = models.BooleanField(_("first drawdown"), default=True)
    spouse_away = models.BooleanField(_("one spouse is away"), default=False)  # U4: the officer confirms
    documents = models.JSONField(_("documents received"), default=list)  # U4 checklist codes
    investigated_on = models.DateField(_("investigated on"), null=True, blank=True)  # U5
    investigation = models.TextField(_("investigation record"), blank=True)
    investigated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("investigated by"))
    authority = models.CharField(_("approval authority"), max_length=10, choices=Authority.choices,
                                 default=Authority.BRANCH)
    small_farm = models.BooleanField(_("small farm loan"), default=True)
    complete_at = models.DateTimeField(_("application complete at"), null=True, blank=True)  # U7 clock starts
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("officer (maker)"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("president (checker)"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)
    disbursed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("teller"))
    disbursed_at = models.DateTimeField(_("disbursed at"), null=True, blank=True)
    principal_outstanding = models.DecimalField(_("principal outstanding (yuan)"), max_digits=14, decimal_places=2,
                                                default=0)
    interest_paid_until = models.DateField(_("interest paid until"), null=True, blank=True)
    post_loan_checked_on = models.DateField(_("post-loan check on"), null=True, blank=True)  # U6
    post_loan_checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                             blank=True, related_name="+", verbose_name=_("post-loan check by"))
    post_loan_note = models.CharField(_("post-loan check"), max_length=500, blank=True)
    post_loan_problem = models.BooleanField(_("the post-loan check found a problem"), default=False)  # U6
    overdue_since = models.DateField(_("overdue since"), null=True, blank=True)
    # U9: for a group-guaranteed drawdown, the group's other members when it was disbursed (they answer for it).
    group_members = models.JSONField(_("group members bound"), default=list, blank=True)
    predisbursement_notice = models.ForeignKey("publicity.Notice", on_delete=models.PROTECT, null=True, blank=True,
                                               related_name="+", verbose_name=_("pre-disbursement notice"))  # P6
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1)  # R3

    objects = ScopedManager(village="village")

    class Meta:
        verbose_name = _("drawdown")
        verbose_name_plural = _("drawdowns")
        ordering = ["-applied_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="drawdown_positive"),
            models.CheckConstraint(condition=models.Q(due_on__gt=models.F("applied_on")), name="drawdown_due_after"),
            models.CheckConstraint(condition=models.Q(principal_outstanding__gte=0),
                                   name="drawdown_outstanding_not_negative"),
            models.UniqueConstraint(fields=["loan_number"], condition=~models.Q(loan_number=""),
                                    name="uniq_loan_number"),
            models.UniqueConstraint(fields=["head_office", "core_loan_number"],
                                    condition=~models.Q(core_loan_number=""), name="uniq_core_loan_number"),
        ]
        indexes = [models.Index(fields=["line", "status"]), models.Index(fields=["village", "status"]),
                   models.Index(fields=["status", "due_on"]), models.Index(fields=["group", "status"]),
                   models.Index(fields=["household", "status"]),
                   # Issue 18: the list's page keys, newest first, of the scope's villages (and a status) from the
                   # index alone (PostgreSQL keeps `status` in it; elsewhere it is left out).
                   models.Index(fields=["village", "applied_on", "id"], include=["status"],
                                name="drawdown_village_applied")]

    def __str__(self):
        return self.loan_number or self.number


class DrawdownGuarantor(models.Model):
    """U3/G5: a named guarantor of a single-household drawdown, for the amount it guarantees."""

    drawdown = models.ForeignKey(Drawdown, on_delete=models.CASCADE, related_name="guarantors")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="guarantees",
                                  verbose_name=_("guarantor"))
    amount = models.DecimalField(_("guaranteed amount (yuan)"), max_digits=14, decimal_places=2)

    objects = ScopedManager(village="drawdown__village")

    class Meta:
        verbose_name = _("guarantor")
        verbose_name_plural = _("guarantors")
        constraints = [models.UniqueConstraint(fields=["drawdown", "household"], name="uniq_drawdown_guarantor")]

    def __str__(self):  # Django's default, which the audit log has recorded as the object (R4)
        return f"DrawdownGuarantor object ({self.pk})"


class Repayment(models.Model):
    """U8: interest (quarterly, 按季结息) or principal paid at the counter."""

    class Kind(models.TextChoices):
        INTEREST = "interest", _("Interest")
        PRINCIPAL = "principal", _("Principal")

    drawdown = models.ForeignKey(Drawdown, on_delete=models.PROTECT, related_name="repayments")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    paid_on = models.DateField(_("paid on"))
    period_end = models.DateField(_("interest up to"), null=True, blank=True)  # interest: the settlement date
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedManager(village="drawdown__village")

    class Meta:
        verbose_name = _("repayment")
        verbose_name_plural = _("repayments")
        ordering = ["drawdown_id", "paid_on", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="repayment_positive")]
        indexes = [models.Index(fields=["drawdown", "kind"])]

    def __str__(self):  # Django's default, which the audit log has recorded as the object (R4)
        return f"Repayment object ({self.pk})"


class RevocationCase(models.Model):
    """U9: a drawdown overdue, or its quarterly interest unpaid a month past its date, revokes the credit of
    the borrower and of every guarantor in one recorded action (reversible with maker-checker), with the
    village's revocation notice, and marks the case for legal action. One case per drawdown and cause."""

    class Cause(models.TextChoices):
        OVERDUE = "overdue", _("Drawdown overdue")
        INTEREST = "interest", _("Quarterly interest unpaid a month past its date")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Credit revoked")
        REVERSED = "reversed", _("Reversed")

    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="revocations",
                                verbose_name=_("village"))
    drawdown = models.ForeignKey(Drawdown, on_delete=models.PROTECT, related_name="revocations")
    cause = models.CharField(_("cause"), max_length=10, choices=Cause.choices)
    found_on = models.DateField(_("found on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    lines = models.ManyToManyField(CreditLine, related_name="revocations", verbose_name=_("lines revoked"))
    notice = models.ForeignKey("publicity.Notice", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    legal_action = models.BooleanField(_("marked for legal action"), default=True)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager(village="village")

    class Meta:
        verbose_name = _("revocation case")
        verbose_name_plural = _("revocation cases")
        ordering = ["-found_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["drawdown", "cause"], name="one_case_per_drawdown_cause")]
        indexes = [models.Index(fields=["village", "status"])]

    def __str__(self):  # Django's default, which the audit log has recorded as the object (R4)
        return f"RevocationCase object ({self.pk})"
