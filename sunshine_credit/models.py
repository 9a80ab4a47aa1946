"""The shared core: organisation tree (O1), staff and roles (SPEC §1), blacklist (C4), jobs (R8)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


class Role(models.TextChoices):
    ADMIN = "admin", _("System administrator")
    SUPERVISOR = "supervisor", _("Head-office supervisor")
    PRESIDENT = "president", _("Branch president")
    OFFICER = "officer", _("Loan officer")
    TELLER = "teller", _("Teller")
    REVIEWER = "reviewer", _("Panel reviewer")
    AUDITOR = "auditor", _("Auditor")


class HeadOffice(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("head office")
        verbose_name_plural = _("head offices")

    def __str__(self):
        return self.name


class Branch(models.Model):
    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="branches",
                                    verbose_name=_("head office"))
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    approval_authority = models.DecimalField(_("approval authority (yuan)"), max_digits=14, decimal_places=2,
                                             default=0)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    supervision_phone = models.CharField(_("supervision phone"), max_length=32, blank=True)
    # P2: boards mask names (张*三) unless the branch chooses to publish full names.
    publish_full_names = models.BooleanField(_("full names on notice boards"), default=False)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Village(models.Model):
    class Kind(models.TextChoices):
        VILLAGE = "village", _("Administrative village")
        COMMUNITY = "community", _("Community")

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="villages",
                               verbose_name=_("branch"))
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.VILLAGE)
    officers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="assigned_villages",
                                      verbose_name=_("assigned loan officers"))

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["code"]

    def __str__(self):
        return self.name


class VillageGroup(models.Model):
    """村民小组."""

    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="groups", verbose_name=_("village"))
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("villagers' group")
        verbose_name_plural = _("villagers' groups")
        ordering = ["village_id", "name"]
        constraints = [models.UniqueConstraint(fields=["village", "name"], name="uniq_group_name_per_village")]

    def __str__(self):
        return self.name


class StaffProfile(models.Model):
    """Carries each user's role and the org unit that bounds their scope (O2)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, verbose_name=_("head office"))
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("branch"))
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # Set when the administrator gives the user a password (a new login, a reset, an import): the user changes it
    # at the next login before any other page (sunshine_credit.staff.login); cleared by their own change.
    must_change_password = models.BooleanField(_("must change password"), default=False, db_default=False)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["admin", "supervisor", "auditor"]) | models.Q(branch__isnull=False),
                name="branch_roles_have_branch",
            )
        ]

    def __str__(self):
        return f"{self.user.get_username()} ({self.get_role_display()})"


class BlacklistEntry(models.Model):
    """C4: an ID number with its reason, source and evidence. Every check (roster import, archive, survey, round,
    line, group, drawdown, disbursement) reads `active` only. An entry leaves the list in one of two recorded ways
    (post_loan.services.blacklist): removed by maker-checker (R2: removed_at/by and the reason), or lifted by the
    daily job on its erase date (lifted_at), which is set when the debt is recorded as settled."""

    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, verbose_name=_("head office"))
    id_number = models.CharField(_("ID number"), max_length=18)
    name = models.CharField(_("name"), max_length=50, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    source = models.CharField(_("source"), max_length=100, blank=True)
    # db_default: the set-based inserts (bench, imports) name only the columns they fill.
    evidence = models.TextField(_("evidence"), blank=True, default="", db_default="")
    active = models.BooleanField(_("active"), default=True)
    settled_on = models.DateField(_("debt settled on"), null=True, blank=True)
    erase_on = models.DateField(_("erase on"), null=True, blank=True)  # settled_on + BLACKLIST_ERASE_YEARS
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("removed by"))  # the checker who approved
    removal_reason = models.TextField(_("reason for removal"), blank=True, default="", db_default="")
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)  # by the daily job, on erase_on
    version = models.PositiveIntegerField(default=1, db_default=1)  # R3
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))

    class Meta:
        verbose_name = _("blacklist entry")
        verbose_name_plural = _("blacklist entries")
        indexes = [models.Index(fields=["head_office", "id_number"]),
                   models.Index(fields=["active", "erase_on"], name="blacklist_erase_due")]
        constraints = [models.UniqueConstraint(fields=["head_office", "id_number"], condition=models.Q(active=True),
                                               name="one_active_blacklist_entry_per_id")]

    def __str__(self):
        return self.name or str(self.pk)


class Job(models.Model):
    """R8: every background job is a row first; the broker only carries its id."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress = models.PositiveIntegerField(default=0)  # percent
    # R8: the worker running the job touches this while it runs (sunshine_credit.jobs): a RUNNING job whose
    # heartbeat is stale lost its worker, and the requeue sweep sends it again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)  # runs started (claims); capped by JOB_MAX_ATTEMPTS
    error = models.TextField(blank=True)
    # Issue 18: the job failed because a rule refused its input (a Refusal, PermissionDenied, ValidationError): running
    # it again cannot succeed, the user must start again (upload the file again). False for an infrastructure failure
    # (database, Redis, disk, a lost worker), which the administrator may send again (sunshine_credit.jobs).
    refused = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        indexes = [models.Index(fields=["status", "sent_at"])]

    def __str__(self):
        return f"{self.task_name} #{self.pk}"


class UploadedImport(models.Model):
    """R4: one uploaded workbook, its validation report and what applying it wrote (roster, questionnaires)."""

    class Status(models.TextChoices):
        VALIDATING = "validating", _("Checking")
        INVALID = "invalid", _("Refused: errors found")
        VALID = "valid", _("Checked: ready to import")
        APPLYING = "applying", _("Importing")
        APPLIED = "applied", _("Imported")

    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="+")
    branch_ids = models.JSONField(default=list)      # the branches the file touches (for scoping)
    village_ids = models.JSONField(default=list)     # the villages the file touches
    file = models.FileField(blank=True)              # each import sets its own upload_to
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField("SHA-256", max_length=64)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.VALIDATING)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    errors = models.JSONField(default=list)          # [{row, column, message}]
    summary = models.JSONField(default=dict)         # counts per village and written
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("uploaded by"))
    applied_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    job = models.ForeignKey("sunshine_credit.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self):
        return self.file_name

    @property
    def error_count(self) -> int:
        """All errors found, also those beyond the stored first MAX_STORED_ERRORS."""
        return self.summary.get("error_count") or len(self.errors)


class GeneratedFile(models.Model):
    """A file a background job makes for a user (printouts, exports): the row first, the task fills it.

    Personal data: stored under MEDIA_ROOT (never served publicly) and downloaded through the
    `generated_file_download` view by the user who asked for it, within that user's scope.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=40)                       # e.g. "questionnaire_blank"
    title = models.CharField(_("title"), max_length=200)
    params = models.JSONField(default=dict)                      # what the task needs, ids only
    language = models.CharField(max_length=10)                   # the task renders in the asker's language
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(upload_to="generated/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("generated file")
        verbose_name_plural = _("generated files")
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self):
        return self.file_name


class Approval(models.Model):
    """O3/R2: an action that waits for a checker (escalated limits, pre-check overrides, and later drawdowns
    and blacklist removals). The maker never decides it; one pending request per action and subject."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn: the subject changed")

    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("action"), max_length=40)            # a key of sunshine_credit.approvals.KINDS
    subject_id = models.BigIntegerField()                          # the row the action is about
    title = models.CharField(_("subject"), max_length=200)         # shown in the inbox; no ID or phone numbers
    reason = models.TextField(_("reason"))                         # the maker's written reason
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("checker's note"), blank=True)

    objects = ScopedManager(village="village")

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject_id"], condition=models.Q(status="pending"),
                                    name="one_pending_approval_per_subject"),
            models.CheckConstraint(condition=models.Q(status__in=["pending", "withdrawn"])
                                   | models.Q(decided_by__isnull=False), name="decided_approval_has_checker"),
        ]
        indexes = [models.Index(fields=["head_office", "status", "kind"]), models.Index(fields=["kind", "subject_id"])]

    def __str__(self):
        return self.title


class CalendarDay(models.Model):
    """U7: a public holiday or an adjusted workday (调休上班) of the State Council's annual notice, entered by the
    administrator. The working-day clocks read the chinese_calendar library by default; a day in this table wins
    over the library (a year the library does not know yet, or a correction to it)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday")
        WORKDAY = "workday", _("Adjusted workday")

    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("head office"))
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50, blank=True)  # 春节, 国庆节 …
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))

    class Meta:
        verbose_name = _("holiday or adjusted workday")
        verbose_name_plural = _("holidays and adjusted workdays")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["head_office", "date"], name="one_calendar_day_per_date")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"


class RoleChange(models.Model):
    """R2: a staff user's new role (and branch), proposed by a head-office administrator and applied only when
    another administrator or a supervisor approves it (sunshine_credit.staff.services, approval kind
    "staff_role_change"; the Approval's subject is the staff user, so one request per person waits at a time)."""

    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("staff user"))
    approval = models.OneToOneField(Approval, on_delete=models.PROTECT, related_name="+")
    role_from = models.CharField(_("role before"), max_length=16, choices=Role.choices)
    role_to = models.CharField(_("new role"), max_length=16, choices=Role.choices)
    branch_from = models.ForeignKey(Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("branch before"))
    branch_to = models.ForeignKey(Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("new branch"))
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("role change")
        verbose_name_plural = _("role changes")

    def __str__(self):
        return f"{self.get_role_from_display()} → {self.get_role_to_display()}"


class StaffImport(UploadedImport):
    """R4: one applied staff workbook (import_staff, SPEC §11): its SHA-256, who, when and the logins created.
    Checked and written in one request, all or nothing; a refused file writes nothing, not even this row, and the
    file is never kept (personal data); the one-time passwords are shown once and stored nowhere."""

    class Meta(UploadedImport.Meta):
        verbose_name = _("staff import")
        verbose_name_plural = _("staff imports")
