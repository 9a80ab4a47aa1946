"""Village appraisal panels (SPEC §5, A1–A7): reviewers, panels, back-to-back entries, data-gap edits,
the pre-check and the panel's decisions with their sign-off.

Secrecy (A3): `Appraisal` rows are read only through `appraisal.selectors`: the seat_* reads (a reviewer's
own rows) and, once the round is closed, `decisions_summary`. No other module reads them.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager

from households.models import Household, Member
from sunshine_credit.models import Branch, HeadOffice, UploadedImport, Village
from surveys.models import Campaign


class UnitKind(models.TextChoices):
    """A1: the appraisal unit a panel serves."""

    VILLAGE = "village", _("Administrative village")
    STREET = "street", _("Street or community")
    SCHOOL = "school", _("School")
    INSTITUTION = "institution", _("Public institution")
    INTERNAL = "internal", _("Internal (bank staff only)")


class Preset(models.TextChoices):
    """A1: the composition presets."""

    STANDARD = "standard", _("Five reviewers, at most two village or street cadres")
    INSTITUTION = "institution", _("Three external reviewers and two bank staff")
    INTERNAL = "internal", _("At least three bank staff")
    LARGE = "large", _("Large panel: township cadre as leader, village secretary and branch head as deputies")


class ReviewerKind(models.TextChoices):
    TOWNSHIP_CADRE = "township_cadre", _("Township cadre")
    VILLAGE_SECRETARY = "village_secretary", _("Village Party secretary")
    CADRE = "cadre", _("Village or street cadre")
    VILLAGER = "villager", _("Villagers' representative")
    EXTERNAL = "external", _("External member of a school or institution")
    BANK_STAFF = "bank_staff", _("Bank staff")


class Position(models.TextChoices):
    LEADER = "leader", _("Leader")
    DEPUTY = "deputy", _("Deputy leader")
    MEMBER = "member", pgettext_lazy("panel position", "Member")


class Rating(models.IntegerChoices):
    """A5: 客户评级, best first; the household's rating is the median of the reviewers' ratings."""

    AAA = 1, _("AAA (excellent)")
    AA = 2, _("AA (good)")
    A = 3, _("A (fair)")
    B = 4, _("B (poor)")


class Reviewer(models.Model):
    """The reviewer registry of a branch. External reviewers log in with the `reviewer` role; bank staff
    reviewers use their own staff login."""

    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="reviewers", verbose_name=_("branch"))
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=20, choices=ReviewerKind.choices)
    title = models.CharField(_("position held"), max_length=50, blank=True)  # 村主任, 校长, 老党员 …
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="reviewer", verbose_name=_("login"))
    # A2: a reviewer never appraises their own household.
    household = models.ForeignKey(Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                  verbose_name=_("own household"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("reviewer")
        verbose_name_plural = _("reviewers")
        ordering = ["branch_id", "name", "id"]
        indexes = [models.Index(fields=["branch", "name"])]

    def __str__(self):
        return self.name

    @property
    def is_bank_staff(self) -> bool:
        return self.kind == ReviewerKind.BANK_STAFF


class Panel(models.Model):
    """A1: 评议小组 of a campaign and an appraisal unit; its round of back-to-back entry (A3)."""

    class Status(models.TextChoices):
        FORMING = "forming", _("Being formed")
        OPEN = "open", _("Back-to-back entry open")
        CLOSED = "closed", _("Round closed: decisions")
        SIGNED = "signed", _("Signed off")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="panels",
                                 verbose_name=_("campaign"))
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="panels", verbose_name=_("village"))
    unit_kind = models.CharField(_("appraisal unit"), max_length=12, choices=UnitKind.choices,
                                 default=UnitKind.VILLAGE)
    unit_name = models.CharField(_("unit name"), max_length=100)
    preset = models.CharField(_("composition"), max_length=12, choices=Preset.choices, default=Preset.STANDARD)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.FORMING)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("round closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("round closed by"))
    signed_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)  # R3
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    objects = ScopedManager(village="village")

    class Meta:
        verbose_name = _("appraisal panel")
        verbose_name_plural = _("appraisal panels")
        ordering = ["campaign_id", "village_id", "unit_name"]
        # One panel per campaign and appraisal unit; a school or institution is its own unit (社区) in the tree.
        constraints = [models.UniqueConstraint(fields=["campaign", "village"], name="uniq_panel_per_unit")]
        indexes = [models.Index(fields=["village", "status"])]

    def __str__(self):
        return self.unit_name

    @property
    def is_closed(self) -> bool:
        return self.status in (self.Status.CLOSED, self.Status.SIGNED)


class PanelHousehold(models.Model):  # noqa: DJ008  the audit's object_repr is str(): unchanged by a refactor
    """Issue 15: the households of a panel's round, fixed when the round opens (A3): grids, booklets, decisions and
    the board read this set. A household archived or imported after the opening waits for the next round."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="round_households")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager(village="panel__village")

    class Meta:
        verbose_name = _("household of the round")
        verbose_name_plural = _("households of the round")
        constraints = [models.UniqueConstraint(fields=["panel", "household"], name="uniq_household_per_round")]


class PanelMember(models.Model):
    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="members")
    reviewer = models.ForeignKey(Reviewer, on_delete=models.PROTECT, related_name="seats", verbose_name=_("reviewer"))
    position = models.CharField(_("position"), max_length=8, choices=Position.choices, default=Position.MEMBER)
    seat = models.PositiveSmallIntegerField(_("seat"))  # 评议员 1…n: the booklet and the summary columns

    objects = ScopedManager(village="panel__village")

    class Meta:
        verbose_name = _("panel member")
        verbose_name_plural = _("panel members")
        ordering = ["panel_id", "seat"]
        constraints = [
            models.UniqueConstraint(fields=["panel", "reviewer"], name="uniq_reviewer_per_panel"),
            models.UniqueConstraint(fields=["panel", "seat"], name="uniq_seat_per_panel"),
        ]

    def __str__(self):
        return f"{self.panel_id}/{self.seat}"


class Appraisal(models.Model):
    """A3/A5: one reviewer's back-to-back entry for one household: an amount or withhold reasons, and a rating."""

    class Source(models.TextChoices):
        WEB = "web", _("Entered online")
        BOOKLET = "booklet", _("Imported from the booklet")

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="appraisals")
    member = models.ForeignKey(PanelMember, on_delete=models.CASCADE, related_name="appraisals")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="appraisals")
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    withhold_reasons = models.JSONField(_("withhold reasons"), default=list)  # S2 codes 1–9
    rating = models.PositiveSmallIntegerField(_("rating"), choices=Rating.choices, null=True, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEB)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)  # R3

    objects = ScopedManager(village="household__village")

    class Meta:
        verbose_name = _("appraisal")
        verbose_name_plural = _("appraisals")
        constraints = [
            models.UniqueConstraint(fields=["member", "household"], name="one_appraisal_per_reviewer_and_household"),
            models.CheckConstraint(condition=models.Q(amount__isnull=True) | models.Q(amount__gte=0),
                                   name="appraisal_amount_not_negative"),
        ]
        indexes = [models.Index(fields=["panel", "household"])]

    def __str__(self):
        return f"{self.member_id}/{self.household_id}"  # never the amount: this reaches audit entries


class GapEdit(models.Model):  # noqa: DJ008  the audit's object_repr is str(): unchanged by a refactor
    """A4: a reviewer fills a gap in household data; it applies only when an officer confirms it."""

    class Field(models.TextChoices):
        ADDRESS = "address", _("Address")
        PHONE = "phone", _("Household phone")
        MEMBER_PHONE = "member_phone", _("Member's phone")
        MEMBER_ID = "member_id_number", _("Member's ID number")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="gap_edits")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="gap_edits")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    field = models.CharField(_("field"), max_length=20, choices=Field.choices)
    value = models.CharField(_("value"), max_length=200)
    proposed_by = models.ForeignKey(PanelMember, on_delete=models.CASCADE, related_name="gap_edits",
                                    verbose_name=_("proposed by"))
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = ScopedManager(village="household__village")

    class Meta:
        verbose_name = _("reviewer-supplied data")
        verbose_name_plural = _("reviewer-supplied data")
        ordering = ["household_id", "proposed_at"]
        indexes = [models.Index(fields=["panel", "status"])]


class PreCheckFlag(models.IntegerChoices):
    """A6: the pre-check (数据核查) flags, numbered as in the spec."""

    LOAN_NOT_LISTED = 1, _("Existing loan but not on the list")
    LOAN_ABOVE_LIMIT = 2, _("Existing loan above the pre-credit amount (audit referral)")
    NON_PERFORMING = 3, _("Current non-performing loan")
    REPAID_BY_GUARANTOR = 4, _("Loan repaid by a guarantor")
    WRITTEN_OFF = 5, _("Written-off loan")
    GUARANTEE_DEFAULTED = 6, _("Defaulted external guarantee")
    LAWSUIT = 7, _("Loan recovered by lawsuit")
    BLACKLIST = 8, _("On the blacklist")


# A6: hits 3–8 remove the household unless a supervisor overrides.
REMOVING_FLAGS = frozenset(range(3, 9))


class PreCheckHit(models.Model):  # noqa: DJ008  the audit's object_repr is str(): unchanged by a refactor
    """A6: one flag of one household in a campaign, with the evidence it was found on."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="precheck_hits")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="precheck_hits")
    flag = models.PositiveSmallIntegerField(_("flag"), choices=PreCheckFlag.choices)
    evidence = models.JSONField(_("evidence"), default=list)  # [{loan or blacklist entry, masked}]
    computed_at = models.DateTimeField(_("checked at"))

    objects = ScopedManager(village="household__village")

    class Meta:
        verbose_name = _("pre-check hit")
        verbose_name_plural = _("pre-check hits")
        ordering = ["household_id", "flag"]
        constraints = [models.UniqueConstraint(fields=["campaign", "household", "flag"], name="uniq_precheck_hit")]
        indexes = [models.Index(fields=["campaign", "flag"])]


class DecisionStatus(models.TextChoices):
    GRANTED = "granted", _("Proposed for credit")
    WITHHELD = "withheld", _("Withheld")
    INELIGIBLE = "ineligible", _("Not eligible")
    INCOMPLETE = "incomplete", _("Incomplete")
    REMOVED = "removed", _("Removed by the pre-check")


class Escalation(models.TextChoices):
    """L6: an amount above the branch's authority waits for the level above."""

    NOT_NEEDED = "", _("Within the branch's authority")
    PENDING = "pending", _("Waiting for the level above")
    APPROVED = "approved", _("Approved by the level above")
    REJECTED = "rejected", _("Refused by the level above")


class Decision(models.Model):
    """A7: the panel's result and decision for one household; one per campaign and household.

    `computed_*` is what the closed round gives (the campaign's method over the reviewers' amounts,
    L1–L4, and the median rating, A5) with the inputs it came from; `status`/`amount` is what the panel
    decided. A changed amount needs `change_reason`.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="decisions", db_index=False)
    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="decisions")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="decisions")
    computed_status = models.CharField(_("computed status"), max_length=10, choices=DecisionStatus.choices)
    computed_amount = models.DecimalField(_("computed amount (yuan)"), max_digits=14, decimal_places=2, null=True)
    computed_mean = models.DecimalField(max_digits=16, decimal_places=4, null=True)
    reasons = models.JSONField(_("withhold reasons with counts"), default=dict)
    inputs = models.JSONField(default=list)  # [[panel member id, cents or null], ...] in reading order
    dropped_high = models.ForeignKey(PanelMember, on_delete=models.SET_NULL, null=True, related_name="+",
                                     db_index=False)
    dropped_low = models.ForeignKey(PanelMember, on_delete=models.SET_NULL, null=True, related_name="+",
                                    db_index=False)
    rating = models.PositiveSmallIntegerField(_("rating"), choices=Rating.choices, null=True)
    ratings = models.JSONField(default=list)  # [[panel member id, rating or null], ...]
    survey_amount = models.DecimalField(_("questionnaire pre-credit amount (yuan)"), max_digits=14,
                                        decimal_places=2, null=True)
    precheck_flags = models.JSONField(_("pre-check flags"), default=list)  # [2, 5]
    override_approved = models.BooleanField(_("pre-check removal overridden"), default=False)
    status = models.CharField(_("decision"), max_length=10, choices=DecisionStatus.choices, blank=True)
    amount = models.DecimalField(_("decided amount (yuan)"), max_digits=14, decimal_places=2, null=True)
    change_reason = models.CharField(_("reason for the change"), max_length=300, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    escalation = models.CharField(_("escalation"), max_length=10, choices=Escalation.choices, blank=True,
                                  default=Escalation.NOT_NEEDED)
    version = models.PositiveIntegerField(default=1)  # R3

    objects = ScopedManager(village="household__village")

    class Meta:
        verbose_name = _("panel decision")
        verbose_name_plural = _("panel decisions")
        ordering = ["panel_id", "household_id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "household"], name="one_decision_per_household"),
            models.CheckConstraint(condition=~models.Q(status="granted") | models.Q(amount__gt=0),
                                   name="granted_decision_has_amount"),
        ]
        indexes = [models.Index(fields=["panel", "status"])]

    def __str__(self):
        return f"{self.panel_id}/{self.household_id}"

    @property
    def is_decided(self) -> bool:
        return bool(self.status)

    @property
    def removed_by_precheck(self) -> bool:
        return bool(REMOVING_FLAGS.intersection(self.precheck_flags)) and not self.override_approved


class SignOff(models.Model):  # noqa: DJ008  the audit's object_repr is str(): unchanged by a refactor
    """A7: a panel member's sign-off of the decisions (in the app, or recorded from the signed paper sheet)."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="sign_offs")
    member = models.ForeignKey(PanelMember, on_delete=models.CASCADE, related_name="sign_offs")
    on_paper = models.BooleanField(_("signed on paper"), default=False)
    signed_at = models.DateTimeField(_("signed at"), auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))

    objects = ScopedManager(village="panel__village")

    class Meta:
        verbose_name = _("sign-off")
        verbose_name_plural = _("sign-offs")
        constraints = [models.UniqueConstraint(fields=["panel", "member"], name="one_sign_off_per_member")]


class BookletImport(UploadedImport):
    """A3/R4: one filled appraisal booklet (评议册) uploaded for a panel, its report and what it wrote."""

    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="imports", verbose_name=_("panel"))
    file = models.FileField(upload_to="booklets/%Y/%m/", blank=True)

    class Meta(UploadedImport.Meta):
        verbose_name = _("booklet import")
        verbose_name_plural = _("booklet imports")
        indexes = [models.Index(fields=["panel", "sha256"])]
