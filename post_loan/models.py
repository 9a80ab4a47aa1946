"""Post-loan management and collection (贷后管理与清收, SPEC §9, seed 003).

Everything here hangs on a disbursed drawdown (credit_use.Drawdown, "the loan"):
- C1 `Visit`: the quarterly visit schedule (one row per loan and quarter, made by the daily job) and its record,
  signed by both sides; U6's post-loan check is a visit of kind "check".
- C2 `ReminderCall`: the officer's call 30 days before maturity and its outcome; `Message`: every text message
  sent through the pluggable sender (post_loan.messaging).
- C2/C3 `Letter`: 《贷款到期通知书》 14 days before maturity, 《贷款逾期通知书》 on the first day overdue to the borrower
  and each guarantor or group member, 《律师函》 a week before three months overdue; each with its delivery
  receipt (送达回证). A letter without a receipt is undelivered.
- C3/C7 `CollectionCase` per overdue loan: its log (`CollectionEntry`: contacts, promises and whether kept,
  payments), its classification at three months (hardship → `InstalmentPlan` with maker-checker; malicious →
  legal action, blacklist and the village notice), and the limitation clock (a signed receipt of a demand
  interrupts the three-year period).
- C6 `RiskGrade`: the five-category classification of each loan, recomputed daily from the overdue-day floors
  (settings.RISK_GRADE_FLOORS); `GradeChange`: a manual change with its reason, decided by a checker.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from credit_use.models import Drawdown, RevocationCase
from households.models import Household
from sunshine_credit.models import Approval, Branch, GeneratedFile, HeadOffice, UploadedImport, Village

USER = settings.AUTH_USER_MODEL


class Grade(models.IntegerChoices):
    """五级分类, in order of risk (a larger value is worse): the floors compare by value."""

    NORMAL = 1, _("Normal")            # 正常
    SPECIAL = 2, _("Special mention")  # 关注
    SUBSTANDARD = 3, _("Substandard")  # 次级
    DOUBTFUL = 4, _("Doubtful")        # 可疑
    LOSS = 5, _("Loss")                # 损失


# --- C1 visits ---------------------------------------------------------------------------------------------

class Visit(models.Model):
    """One visit to a borrower about one loan: planned (a quarter's scheduled visit) and then recorded."""

    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", _("Quarterly visit")
        CHECK = "check", _("Post-loan check of the use of funds")  # U6
        EXTRA = "extra", _("Other visit")

    class Risk(models.TextChoices):
        ILLNESS = "illness", _("Illness or injury")
        MIGRATION = "migration", _("Moved away or working away")
        DISPUTE = "dispute", _("Family or neighbour dispute")
        OTHER_DEBTS = "debts", _("Other debts")
        BUSINESS = "business", _("Business failing")
        DISASTER = "disaster", _("Natural disaster or livestock disease")

    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="visits",
                                  verbose_name=_("borrower"))
    drawdown = models.ForeignKey(Drawdown, on_delete=models.PROTECT, related_name="visits", verbose_name=_("loan"))
    officer = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("loan officer"))  # who is to visit (the loan's officer)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SCHEDULED)
    period_start = models.DateField(_("quarter from"), null=True, blank=True)  # scheduled: the quarter's first day
    due_on = models.DateField(_("due by"))
    # the record (empty while planned)
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=100, blank=True)
    funds_as_applied = models.BooleanField(_("funds used as applied"), null=True, blank=True)  # 用途是否相符
    operation = models.TextField(_("operation and income"), blank=True)
    risks = models.JSONField(_("risk signals"), default=list, blank=True)  # Risk values
    risk_note = models.CharField(_("about the risks"), max_length=500, blank=True)
    next_action = models.CharField(_("next action"), max_length=300, blank=True)
    borrower_signature = models.FileField(_("borrower's signature"), upload_to="visits/%Y/%m/", blank=True)
    officer_signature = models.FileField(_("officer's signature"), upload_to="visits/%Y/%m/", blank=True)
    scan = models.FileField(_("signed record (scan)"), upload_to="visits/%Y/%m/", blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1)  # R3

    objects = ScopedManager(village="village")

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        constraints = [models.UniqueConstraint(fields=["drawdown", "period_start"],
                                               condition=models.Q(kind="scheduled"),
                                               name="one_scheduled_visit_per_loan_quarter")]
        indexes = [models.Index(fields=["village", "due_on"]), models.Index(fields=["officer", "due_on"])]

    def __str__(self):
        return f"Visit object ({self.pk})"


# --- C2 reminders and messages -------------------------------------------------------------------------------

class ReminderCall(models.Model):
    """C2: the officer's telephone reminder 30 days before maturity, and what came of it."""

    class Outcome(models.TextChoices):
        REACHED = "reached", _("Reached, will repay on time")
        PROMISED_LATE = "late", _("Reached, cannot repay on time")
        NO_ANSWER = "no_answer", _("No answer")
        WRONG_NUMBER = "wrong", _("Wrong or dead number")

    drawdown = models.ForeignKey(Drawdown, on_delete=models.PROTECT, related_name="reminder_calls",
                                 verbose_name=_("loan"))
    called_on = models.DateField(_("called on"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    called_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("called by"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedManager(village="drawdown__village")

    class Meta:
        verbose_name = _("reminder call")
        verbose_name_plural = _("reminder calls")
        indexes = [models.Index(fields=["drawdown", "called_on"])]

    def __str__(self):
        return f"ReminderCall object ({self.pk})"


class Message(models.Model):
    """A text message to a borrower or guarantor, as the sender backend (settings.POST_LOAN_MESSAGE_BACKEND)
    handled it. Every message is recorded, whatever the backend."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    drawdown = models.ForeignKey(Drawdown, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=20)  # "maturity_30", "maturity_14", "overdue", ...
    phone = models.CharField(_("phone"), max_length=20)
    body = models.TextField(_("text"))
    backend = models.CharField(_("sender"), max_length=100)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    error = models.CharField(_("error"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    objects = ScopedManager(village="village")

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [models.UniqueConstraint(fields=["drawdown", "household", "kind"],
                                               name="one_message_per_loan_person_kind")]

    def __str__(self):
        return f"Message object ({self.pk})"


# --- C2/C3 letters with delivery receipts --------------------------------------------------------------------

class Letter(models.Model):
    """A written notice to one person about one loan, printed in a village's batch, with its delivery
    receipt (送达回证). Undelivered until the receipt is recorded."""

    class Kind(models.TextChoices):
        MATURITY = "maturity", _("Notice of maturity")  # 贷款到期通知书, 14 days before
        OVERDUE = "overdue", _("Notice of overdue loan")  # 贷款逾期通知书, the first day overdue
        LAWYER = "lawyer", _("Lawyer's letter")           # 律师函, a week before three months overdue

    class Role(models.TextChoices):
        BORROWER = "borrower", _("Borrower")
        GUARANTOR = "guarantor", _("Guarantor")
        GROUP_MEMBER = "member", _("Joint-guarantee group member")

    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    drawdown = models.ForeignKey(Drawdown, on_delete=models.PROTECT, related_name="letters", verbose_name=_("loan"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    recipient = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="letters",
                                  verbose_name=_("recipient"))
    recipient_role = models.CharField(_("as"), max_length=10, choices=Role.choices)
    recipient_name = models.CharField(_("recipient's name"), max_length=50)
    # what the letter says, frozen when it is issued (the PDF is rendered from these)
    issued_on = models.DateField(_("issued on"))
    principal = models.DecimalField(_("principal owed (yuan)"), max_digits=14, decimal_places=2)
    interest = models.DecimalField(_("interest owed (yuan)"), max_digits=14, decimal_places=2, default=0)
    due_on = models.DateField(_("loan due on"))
    deadline = models.DateField(_("pay by"), null=True, blank=True)  # the lawyer's letter: 7 days
    lawyer = models.CharField(_("lawyer"), max_length=200, blank=True)
    file = models.ForeignKey(GeneratedFile, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # the receipt (送达回证)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    delivered_to = models.CharField(_("received by"), max_length=50, blank=True)
    receipt_signed = models.BooleanField(_("receipt signed"), default=False)
    receipt_scan = models.FileField(_("receipt (scan)"), upload_to="receipts/%Y/%m/", blank=True)
    receipt_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("receipt recorded by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1)  # R3

    objects = ScopedManager(village="village")

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        constraints = [models.UniqueConstraint(fields=["drawdown", "kind", "recipient"],
                                               name="one_letter_per_loan_kind_recipient")]
        indexes = [models.Index(fields=["village", "kind", "issued_on"])]

    def __str__(self):
        return f"Letter object ({self.pk})"


class BranchLawyer(models.Model):
    """C3: the lawyer a branch instructs to sign its 《律师函》 (seed 003: 委托律师下达《律师函》), kept by the
    head office's administrator (a row per branch, post_loan.views.letters). A lawyer's letter issued while a
    branch has none names no lawyer and is signed by the branch alone; the name is frozen on the letter."""

    branch = models.OneToOneField(Branch, on_delete=models.CASCADE, related_name="+", verbose_name=_("branch"))
    name = models.CharField(_("lawyer"), max_length=50)
    firm = models.CharField(_("law firm"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    updated_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)  # R3

    class Meta:
        verbose_name = _("branch's lawyer")
        verbose_name_plural = _("branches' lawyers")

    def __str__(self):
        return f"BranchLawyer object ({self.pk})"


# --- C3/C7 collection -----------------------------------------------------------------------------------------

class CollectionCase(models.Model):
    """C3: one overdue loan being collected, from its first day overdue until it is settled or written off."""

    class Status(models.TextChoices):
        OPEN = "open", _("Being collected")
        INSTALMENTS = "instalments", _("Repaying by instalments")
        LEGAL = "legal", _("Legal action")
        CLOSED = "closed", _("Settled")

    class Cause(models.TextChoices):  # the classification at three months overdue
        HARDSHIP = "hardship", _("Temporary hardship")
        MALICIOUS = "malicious", _("Malicious default")

    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    drawdown = models.OneToOneField(Drawdown, on_delete=models.PROTECT, related_name="collection",
                                    verbose_name=_("loan"))
    opened_on = models.DateField(_("overdue since"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    cause = models.CharField(_("classified as"), max_length=10, choices=Cause.choices, blank=True)
    classified_on = models.DateField(_("classified on"), null=True, blank=True)
    classified_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                      verbose_name=_("classified by"))
    classification_note = models.TextField(_("reasons"), blank=True)
    # C7: the three-year limitation period runs from the first day overdue and starts again from the latest
    # signed receipt of a demand (Civil Code arts. 188, 195).
    limitation_from = models.DateField(_("limitation period runs from"))
    limitation_ends_on = models.DateField(_("limitation period ends on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # malicious default: U9's revocation of the loan (credit_use.RevocationCase) whose village notice stands for
    # the case's 曝光 — linked, never duplicated (services.collection).
    revocation = models.ForeignKey(RevocationCase, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("credit revocation"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1)  # R3

    objects = ScopedManager(village="village")

    class Meta:
        verbose_name = _("collection case")
        verbose_name_plural = _("collection cases")
        indexes = [models.Index(fields=["village", "status"]), models.Index(fields=["limitation_ends_on"])]

    def __str__(self):
        return f"CollectionCase object ({self.pk})"


class CollectionEntry(models.Model):
    """C3: one line of a case's log: a call, a visit, a promise to pay (kept or not), a payment, a letter."""

    class Kind(models.TextChoices):
        CALL = "call", _("Telephone call")
        VISIT = "visit", _("Visit")
        PROMISE = "promise", _("Promise to pay")
        PAYMENT = "payment", _("Payment")
        LETTER = "letter", _("Letter")
        NOTE = "note", _("Note")

    case = models.ForeignKey(CollectionCase, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    promised_amount = models.DecimalField(_("promised amount (yuan)"), max_digits=14, decimal_places=2,
                                          null=True, blank=True)
    promised_by = models.DateField(_("promised by"), null=True, blank=True)
    promise_kept = models.BooleanField(_("promise kept"), null=True, blank=True)  # None while open
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedManager(village="case__village")

    class Meta:
        verbose_name = _("collection log entry")
        verbose_name_plural = _("collection log entries")
        ordering = ["case_id", "on", "id"]

    def __str__(self):
        return f"CollectionEntry object ({self.pk})"


class InstalmentPlan(models.Model):
    """C3: temporary hardship → a schedule of instalments, proposed by the officer and approved by a checker."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        ACTIVE = "active", _("In force")
        REFUSED = "refused", _("Refused")
        COMPLETED = "completed", _("Completed")
        BROKEN = "broken", _("Broken: an instalment went unpaid")

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="plans")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    approval = models.OneToOneField(Approval, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(_("reasons"), blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by"))
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)

    objects = ScopedManager(village="case__village")

    class Meta:
        verbose_name = _("instalment plan")
        verbose_name_plural = _("instalment plans")

    def __str__(self):
        return f"InstalmentPlan object ({self.pk})"


class InstalmentItem(models.Model):
    plan = models.ForeignKey(InstalmentPlan, on_delete=models.CASCADE, related_name="items")
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    paid = models.DecimalField(_("paid (yuan)"), max_digits=14, decimal_places=2, default=0)

    objects = ScopedManager(village="plan__case__village")

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["plan_id", "due_on"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="instalment_positive")]

    def __str__(self):
        return f"InstalmentItem object ({self.pk})"


# --- C6 risk classification -----------------------------------------------------------------------------------

class RiskGrade(models.Model):
    """C6: a loan's five-category classification as of `as_of`: the floor its overdue days set, any manual
    grade a checker approved, and the grade that counts (the worse of the two: a manual change never goes
    below the floor)."""

    drawdown = models.OneToOneField(Drawdown, on_delete=models.CASCADE, related_name="risk", verbose_name=_("loan"))
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+")
    as_of = models.DateField(_("as of"))
    overdue_days = models.PositiveIntegerField(_("days overdue"), default=0)
    floor = models.PositiveSmallIntegerField(_("floor by days overdue"), choices=Grade.choices, default=Grade.NORMAL)
    manual = models.PositiveSmallIntegerField(_("manual grade"), choices=Grade.choices, null=True, blank=True)
    grade = models.PositiveSmallIntegerField(_("grade"), choices=Grade.choices, default=Grade.NORMAL)
    changed_on = models.DateField(_("grade since"))

    objects = ScopedManager(village="village")

    class Meta:
        verbose_name = _("risk grade")
        verbose_name_plural = _("risk grades")
        indexes = [models.Index(fields=["village", "grade"])]

    def __str__(self):
        return f"RiskGrade object ({self.pk})"


class GradeChange(models.Model):
    """C6: a manual downgrade or upgrade, with its reason, waiting for or decided by a checker (R2)."""

    drawdown = models.ForeignKey(Drawdown, on_delete=models.PROTECT, related_name="grade_changes")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+")
    grade_before = models.PositiveSmallIntegerField(_("grade before"), choices=Grade.choices)
    grade_proposed = models.PositiveSmallIntegerField(_("proposed grade"), choices=Grade.choices)
    reason = models.TextField(_("reason"))
    approval = models.OneToOneField(Approval, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by"))
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)

    objects = ScopedManager(village="village")

    class Meta:
        verbose_name = _("grade change")
        verbose_name_plural = _("grade changes")

    def __str__(self):
        return f"GradeChange object ({self.pk})"


class RiskSnapshot(models.Model):
    """The daily figures per village (kept for trends, V1): outstanding by grade and by ageing bucket."""

    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+")
    on = models.DateField(_("date"))
    figures = models.JSONField(default=dict)  # {"grade": {1: "...", ...}, "ageing": {...}, "outstanding": ...}

    objects = ScopedManager(village="village")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["village", "on"], name="one_risk_snapshot_per_village_day")]

    def __str__(self):
        return f"RiskSnapshot object ({self.pk})"


class BlacklistImport(UploadedImport):
    """C4/R4: one applied workbook of blacklist entries (姓名, 身份证号, 原因, 来源, 证据): its SHA-256, who, when
    and the rows written. Checked and written in one request, all or nothing (post_loan.imports.blacklist); a
    refused file writes nothing, not even this row, and the file itself is never kept (personal data)."""

    class Meta(UploadedImport.Meta):
        verbose_name = _("blacklist import")
        verbose_name_plural = _("blacklist imports")
        indexes = [models.Index(fields=["head_office", "-created_at"], name="blacklist_import_recent")]
