"""Joint-guarantee groups (联保小组, SPEC §7 G1–G7).

A group is formed from households of one village that hold effective credit lines (G1), with one
elected leader (G3); a household is in at most one active group (G4, a partial unique constraint).
The rules are checked when the group is formed and again whenever a member's line changes or is
revoked (G7): a group that no longer holds them is `flagged` with the reasons, and blocks new
drawdowns until it is fixed.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from households.models import Household
from sunshine_credit.models import HeadOffice, Village


class GuaranteeGroup(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        DISSOLVED = "dissolved", _("Dissolved")

    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="guarantee_groups",
                                verbose_name=_("village"))
    number = models.PositiveIntegerField(_("group no."))  # 组号 within the village's register
    name = models.CharField(_("group name"), max_length=100, blank=True)
    leader = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("leader (组长)"))
    allows_outside = models.BooleanField(_("members may guarantee outside the group"), default=True)  # G5
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    flagged = models.BooleanField(_("rules broken"), default=False)  # G7: blocks new drawdowns
    flag_reasons = models.JSONField(_("broken rules"), default=list)  # ["G1", "G2", ...]
    checked_at = models.DateTimeField(_("rules checked at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("formed by"))
    created_at = models.DateTimeField(_("formed at"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1)  # R3

    objects = ScopedManager(village="village")

    class Meta:
        verbose_name = _("joint-guarantee group")
        verbose_name_plural = _("joint-guarantee groups")
        ordering = ["village_id", "number"]
        constraints = [models.UniqueConstraint(fields=["village", "number"], name="uniq_group_number_per_village")]
        indexes = [models.Index(fields=["village", "status"]), models.Index(fields=["flagged", "status"])]

    def __str__(self):
        return self.name or f"{self.number}"


class GroupMember(models.Model):
    group = models.ForeignKey(GuaranteeGroup, on_delete=models.PROTECT, related_name="members")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="group_memberships",
                                  verbose_name=_("household"))
    active = models.BooleanField(default=True)
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)

    objects = ScopedManager(village="group__village")

    class Meta:
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        ordering = ["group_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["household"], condition=models.Q(active=True),
                                    name="one_active_group_per_household"),  # G4
            models.UniqueConstraint(fields=["group", "household"], name="uniq_group_member"),
        ]

    def __str__(self):
        return f"{self.group_id}:{self.household_id}"
