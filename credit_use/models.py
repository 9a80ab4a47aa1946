"""Credit lines (授信额度, SPEC P5) and, with the credit-use issue, drawdowns against them (§8).

A line is created when its board's notice period ends without an open objection (publicity.services_lines);
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
