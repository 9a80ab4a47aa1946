"""V3, the eight disclosures (八公开): a text per branch and section, kept by the head office's administrator, with
every change as a version row (who, when, the text before and after); and what the officer board shows of each
loan officer (a public work phone and a photo) — see supervision/rules/disclosures.py for what is generated."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sunshine_credit.models import Branch, HeadOffice

__all__ = ["Disclosure", "DisclosureVersion", "OfficerBoardProfile", "Section"]


class Section(models.TextChoices):
    """The eight disclosures of the seeds (一是贷款品种公开 … 八是贷款服务承诺公开), in their order."""

    PRODUCTS = "products", _("Loan products")
    CONDITIONS = "conditions", _("Conditions of application")
    PROCESS = "process", _("Process")
    PRICING = "pricing", _("Pricing")
    FEES = "fees", _("Fees")
    OFFICERS = "officers", _("Loan officers")
    CHANNELS = "channels", _("Supervision channels")
    COMMITMENTS = "commitments", _("Service commitments")


class Disclosure(models.Model):
    """One section's text for one branch. The officers and the time limits of the commitments are generated;
    their text is a note shown with them."""

    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="disclosures",
                               verbose_name=_("branch"))
    section = models.CharField(_("section"), max_length=16, choices=Section.choices)
    text = models.TextField(_("text"), blank=True, max_length=8000)
    version = models.PositiveIntegerField(default=0)  # R3: optimistic version, one up per change
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        constraints = [models.UniqueConstraint(fields=["branch", "section"], name="one_disclosure_per_section")]

    def __str__(self):
        return f"{self.branch} · {self.get_section_display()}"


class DisclosureVersion(models.Model):
    """V3 history: one row per change, never edited, with the text before and after."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    previous_text = models.TextField(_("previous text"), blank=True)
    text = models.TextField(_("text"), blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+",
                                   verbose_name=_("changed by"))
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("disclosure version")
        verbose_name_plural = _("disclosure versions")
        ordering = ["-changed_at", "-number"]
        constraints = [models.UniqueConstraint(fields=["disclosure", "number"], name="one_row_per_version")]

    def __str__(self):
        return f"{self.disclosure} v{self.number}"


def _photo_name(_instance, filename: str) -> str:
    """A random name: nothing of the uploaded file name (nor the officer) reaches the disk."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"officer-photos/{secrets.token_hex(16)}.{extension}"


def _new_token() -> str:
    return secrets.token_urlsafe(18)


class OfficerBoardProfile(models.Model):
    """What the public page and the officer board show of a loan officer, on purpose: the name, a photo and the
    officer's WORK phone (公开工作电话) — never StaffProfile.phone, the private number the bank keeps."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="board_profile")
    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="+")
    public_work_phone = models.CharField(_("public work phone"), max_length=32, blank=True)
    photo = models.FileField(_("photo"), upload_to=_photo_name, blank=True, max_length=200)
    photo_type = models.CharField(max_length=32, blank=True)  # the sniffed content type, served with it
    photo_token = models.CharField(max_length=32, unique=True, default=_new_token)  # the photo's public address
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("officer board profile")
        verbose_name_plural = _("officer board profiles")

    def __str__(self):
        return str(self.user)
