"""V2: the semi-annual democratic review (民主评议). Per branch and half-year, a random draw — from a recorded seed
over a recorded snapshot of the candidates, so that anyone can re-run it — of at least half of the branch's villages
(none drawn in the branch's previous review) and of half of the outstanding loans of one randomly drawn loan officer.
The auditors record findings against people (a member of staff and/or a household), each with a follow-up action,
a due date, and a closure with a note."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from credit_use.models import Drawdown
from households.models import Household
from sunshine_credit.models import Branch, HeadOffice, Village

__all__ = ["Finding", "Review"]

PERIOD_VALIDATOR = RegexValidator(r"^20\d\dH[12]$", _("A half-year is written like 2026H2."))


class Review(models.Model):
    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("branch"))
    period = models.CharField(_("half-year"), max_length=6, validators=[PERIOD_VALIDATOR])
    seed = models.CharField(_("seed"), max_length=64)
    # The candidates when the draw was made (rules.reviews.Candidates.as_json): the draw is re-run from it.
    candidates = models.JSONField(_("candidates"), default=dict)
    previous = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("previous review"))
    villages = models.ManyToManyField(Village, related_name="+", verbose_name=_("villages drawn"))
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("officer drawn"))
    loans = models.ManyToManyField(Drawdown, related_name="+", verbose_name=_("loans drawn"))
    short = models.BooleanField(_("fewer villages remained than half"), default=False)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("drawn by"))
    drawn_at = models.DateTimeField(_("drawn at"))

    class Meta:
        verbose_name = _("democratic review")
        verbose_name_plural = _("democratic reviews")
        ordering = ["-period", "branch_id"]
        constraints = [models.UniqueConstraint(fields=["branch", "period"], name="one_review_per_branch_period")]

    def __str__(self):
        return f"{self.branch_id} {self.period}"


class Finding(models.Model):
    class Severity(models.TextChoices):
        MINOR = "minor", _("Minor")
        SERIOUS = "serious", _("Serious")
        GRAVE = "grave", _("Grave")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="findings", verbose_name=_("review"))
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("member of staff"))
    household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("household"))
    text = models.TextField(_("finding"))
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.MINOR)
    action = models.CharField(_("follow-up action"), max_length=500)
    due_on = models.DateField(_("follow-up due on"))
    status = models.CharField(_("status"), max_length=6, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("closed by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closing_note = models.TextField(_("closing note"), blank=True)

    class Meta:
        verbose_name = _("review finding")
        verbose_name_plural = _("review findings")
        ordering = ["status", "due_on", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(staff__isnull=False) | models.Q(household__isnull=False),
                                              name="finding_about_a_person")]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self):
        return f"{self.review_id}: {self.text[:30]}"
