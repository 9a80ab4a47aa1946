"""The household archive (SPEC §2, H1–H5)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from sunshine_credit.models import HeadOffice, UploadedImport, Village, VillageGroup


class Relation(models.TextChoices):
    HEAD = "户主", _("Head of household")
    SPOUSE = "配偶", _("Spouse")
    SON = "子", _("Son")
    DAUGHTER = "女", _("Daughter")
    FATHER = "父亲", _("Father")
    MOTHER = "母亲", _("Mother")
    DAUGHTER_IN_LAW = "儿媳", _("Daughter-in-law")
    SON_IN_LAW = "女婿", _("Son-in-law")
    GRANDSON = "孙子", _("Grandson")
    GRANDDAUGHTER = "孙女", _("Granddaughter")
    SIBLING = "兄弟姐妹", _("Brother or sister")
    OTHER = "其他", _("Other")


class Category(models.TextChoices):
    FARMER = "farmer", _("Farming household")
    SOLE_TRADER = "sole_trader", _("Individual business")
    SMALL_BUSINESS = "small_business", _("Small or micro business owner")
    RESIDENT = "resident", _("Community resident")
    PUBLIC_EMPLOYEE = "public_employee", _("Public institution employee")


class ArchiveStatus(models.TextChoices):
    ON_ROSTER = "roster", _("On the roster, not yet archived")
    ARCHIVED = "archived", _("Archived")
    EXCLUDED = "excluded", _("Not archived (excluded)")


class Exclusion(models.TextChoices):
    """H5."""

    NO_CAPACITY = "no_capacity", _("No full civil capacity")
    IDLE = "idle", _("Idle")
    POOR_CREDIT_ATTITUDE = "poor_attitude", _("Poor credit attitude")
    CANNOT_WORK = "cannot_work", _("Lost the ability to work")
    VICE = "vice", _("Gambling, drugs, usury or illegal fund-raising")
    CRIMINAL = "criminal", _("Serving a sentence or criminal record")
    BAD_RECORD = "bad_record", _("Malicious bad credit record")
    OTHER = "other", _("Other")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Household(models.Model):
    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("head office"))
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="households",
                                verbose_name=_("village"))
    group = models.ForeignKey(VillageGroup, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="households", verbose_name=_("villagers' group"))
    code = models.CharField(_("household code"), max_length=40)
    address = models.CharField(_("address"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.FARMER)
    land_area = models.DecimalField(_("contracted land (mu)"), max_digits=7, decimal_places=2, null=True,
                                    blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    representative = models.ForeignKey("Member", on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+", verbose_name=_("credit representative"))
    publicity_consent = models.BooleanField(_("consents to publicity"), default=False)
    archive_status = models.CharField(_("archive status"), max_length=10, choices=ArchiveStatus.choices,
                                      default=ArchiveStatus.ON_ROSTER)
    exclusion = models.CharField(_("reason not archived"), max_length=20, choices=Exclusion.choices, blank=True)
    exclusion_note = models.CharField(_("note on the reason"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)  # R3: optimistic locking
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("updated by"))

    objects = ScopedManager(village="village")

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(fields=["head_office", "code"], name="uniq_household_code_per_head_office"),
            models.CheckConstraint(condition=~models.Q(archive_status="excluded") | ~models.Q(exclusion=""),
                                   name="excluded_household_has_reason"),
        ]
        indexes = [
            models.Index(fields=["village", "code"]),
            models.Index(fields=["village", "archive_status"]),
            models.Index(fields=["group", "code"]),
        ]

    def __str__(self):
        return self.code


class Member(models.Model):
    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("head office"))
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members",
                                  verbose_name=_("household"))
    name = models.CharField(_("name"), max_length=50)
    id_number = models.CharField(_("ID number"), max_length=18)
    relation = models.CharField(_("relation to head"), max_length=8, choices=Relation.choices)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)  # derived from the ID (H2)
    birth_date = models.DateField(_("date of birth"))                    # derived from the ID (H2)
    works_away = models.BooleanField(_("works away"), default=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    objects = ScopedManager(village="household__village")

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(fields=["head_office", "id_number"], name="uniq_id_number_per_head_office"),
            models.UniqueConstraint(fields=["household"], condition=models.Q(relation="户主"),
                                    name="one_head_per_household"),
        ]
        indexes = [models.Index(fields=["name"])]
        ordering = ["household_id", "id"]

    def __str__(self):
        # Never the ID number: this string lands in audit entries (R4).
        return self.name


class LoanClass(models.TextChoices):
    NORMAL = "正常", _("Normal")
    SPECIAL_MENTION = "关注", _("Special mention")
    SUBSTANDARD = "次级", _("Substandard")
    DOUBTFUL = "可疑", _("Doubtful")
    LOSS = "损失", _("Loss")
    LEGACY_OVERDUE = "逾期", _("Overdue (legacy)")
    LEGACY_IDLE = "呆滞", _("Idle (legacy)")
    LEGACY_BAD = "呆账", _("Bad debt (legacy)")


NON_PERFORMING = {LoanClass.SUBSTANDARD, LoanClass.DOUBTFUL, LoanClass.LOSS, LoanClass.LEGACY_OVERDUE,
                  LoanClass.LEGACY_IDLE, LoanClass.LEGACY_BAD}


class ExistingLoan(models.Model):
    """H4: loans a member already has with the bank; they feed the pre-check (A6)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="loans", verbose_name=_("member"))
    loan_number = models.CharField(_("loan number"), max_length=40, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    balance = models.DecimalField(_("balance (yuan)"), max_digits=14, decimal_places=2)
    classification = models.CharField(_("classification"), max_length=4, choices=LoanClass.choices,
                                      default=LoanClass.NORMAL)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    written_off = models.BooleanField(_("written off"), default=False)
    replaced = models.BooleanField(_("replaced"), default=False)
    repaid_by_guarantor = models.BooleanField(_("repaid by guarantor"), default=False)
    recovered_by_lawsuit = models.BooleanField(_("recovered by lawsuit"), default=False)
    # A6 (6): a guarantee the member gave for someone else's loan (对外担保), and whether they failed to honour it.
    as_guarantor = models.BooleanField(_("external guarantee given"), default=False)
    guarantee_defaulted = models.BooleanField(_("guarantee not honoured"), default=False)

    objects = ScopedManager(village="member__household__village")

    class Meta:
        verbose_name = _("existing loan")
        verbose_name_plural = _("existing loans")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0) & models.Q(balance__gte=0),
                                   name="loan_amounts_not_negative"),
        ]

    def __str__(self):
        return self.loan_number or str(self.pk)


class RosterImport(UploadedImport):
    """H6/R4: one uploaded roster, its validation report and what applying it wrote."""

    file = models.FileField(upload_to="rosters/%Y/%m/", blank=True)
    blacklist_hits = models.JSONField(default=list)  # [{row, name, id_masked, reason}]

    class Meta(UploadedImport.Meta):
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        indexes = [models.Index(fields=["head_office", "sha256"])]


class ArchiveExport(models.Model):
    """R4/R5 (PIPL art. 51): every download of the archive export — who, when, why, how many rows, and whether
    ID and phone numbers were whole. Shown to the head office's admin, supervisors and auditors."""

    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="+")
    exported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("exported by"))
    exported_at = models.DateTimeField(_("exported at"), auto_now_add=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    full_numbers = models.BooleanField(_("full ID and phone numbers"), default=False)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    village = models.ForeignKey(Village, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                verbose_name=_("village"))
    group = models.ForeignKey(VillageGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name=_("villagers' group"))

    class Meta:
        verbose_name = _("archive export")
        verbose_name_plural = _("archive exports")
        ordering = ["-exported_at", "-id"]

    def __str__(self):
        return f"{self.exported_at:%Y-%m-%d %H:%M} · {self.rows}"
