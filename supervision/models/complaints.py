"""V4 complaints and evaluation cards (投诉, 评价卡) and V5 suggestion-box openings (意见箱开箱登记).

A complaint or card concerns a branch and, when it names one, an officer of that branch. It is routed to audit at
head office and never shown to the branch it concerns (supervision.selectors.complaints). A complaint or an
evaluation "有问题" is escalated: it must be handled by `due_on` (COMPLAINT_HANDLING_DAYS calendar days).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["Complaint", "ComplaintChannel", "SuggestionBoxOpening"]


class ComplaintChannel(models.Model):
    """The unguessable token of the QR code on an officer's card (officer set) or a branch's board (officer null)."""

    branch = models.ForeignKey("sunshine_credit.Branch", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("branch"))
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("loan officer"))
    token = models.CharField(max_length=32, unique=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["branch", "officer"], name="uniq_complaint_channel_officer"),
            models.UniqueConstraint(fields=["branch"], condition=models.Q(officer__isnull=True),
                                    name="uniq_complaint_channel_branch"),
        ]

    def __str__(self):
        return self.token


class SuggestionBoxOpening(models.Model):
    """V5: one opening of a branch's suggestion box, by two different people of the branch (both sign)."""

    branch = models.ForeignKey("sunshine_credit.Branch", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("branch"))
    opened_on = models.DateField(_("opened on"))
    card_count = models.PositiveIntegerField(_("cards found"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("opened by"))
    opened_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("second signature"))
    confirmed_at = models.DateTimeField(_("signed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("suggestion-box opening")
        verbose_name_plural = _("suggestion-box openings")
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(confirmed_by=models.F("opened_by")),
                                   name="opening_two_different_people"),
        ]

    def __str__(self):
        return f"{self.branch_id} {self.opened_on}"


class Complaint(models.Model):
    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint")
        EVALUATION = "evaluation", _("Evaluation card")

    class Rating(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        FAIR = "fair", _("Basically satisfied")
        PROBLEM = "problem", _("Has a problem")

    class Source(models.TextChoices):
        PUBLIC = "public", _("Public form")
        COUNTER = "counter", _("At the counter")
        BOX = "box", _("Suggestion box")

    class Status(models.TextChoices):
        RECORDED = "recorded", _("Recorded")          # a satisfied / basically satisfied card: nothing to handle
        OPEN = "open", _("Being handled")
        HANDLED = "handled", _("Handled")

    head_office = models.ForeignKey("sunshine_credit.HeadOffice", on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey("sunshine_credit.Branch", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("branch"))
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("loan officer"))
    reference = models.CharField(_("reference number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices, blank=True)
    content = models.TextField(_("comments"), blank=True)
    complainant_name = models.CharField(_("complainant's name"), max_length=50, blank=True)
    complainant_phone = models.CharField(_("complainant's phone"), max_length=20, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    opening = models.ForeignKey(SuggestionBoxOpening, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="cards", verbose_name=_("suggestion-box opening"))
    received_on = models.DateField(_("received on"))
    due_on = models.DateField(_("to be handled by"), null=True, blank=True)   # escalated ones only
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("entered by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("handled by"))
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    result = models.TextField(_("result of the investigation"), blank=True)
    reply = models.TextField(_("reply to the complainant"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("complaint or evaluation")
        verbose_name_plural = _("complaints and evaluations")
        ordering = ["-received_on", "-pk"]
        indexes = [models.Index(fields=["head_office", "status", "due_on"])]

    def __str__(self):
        return self.reference

    @property
    def escalated(self) -> bool:
        return self.due_on is not None
