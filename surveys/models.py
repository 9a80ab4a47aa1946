"""Questionnaires (SPEC §3, S1–S3) and pre-credit limits (SPEC §4, L1–L7)."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from households.models import Household, Member
from sunshine_credit.models import HeadOffice, UploadedImport, Village


class Method(models.TextChoices):
    TRIMMED = "trimmed", _("Trimmed mean (drop one highest and one lowest)")
    MEAN = "mean", _("Mean of all")


# SPEC L4: the method's own minimum number of respondents.
METHOD_MINIMUM = {Method.TRIMMED: 5, Method.MEAN: 6}


class Campaign(models.Model):
    """授信批次, e.g. "2026年第一批", with the settings of SPEC §4."""

    head_office = models.ForeignKey(HeadOffice, on_delete=models.PROTECT, related_name="campaigns")
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    ordinal = models.PositiveSmallIntegerField(_("batch ordinal"), default=1)  # "拟第一批授信"
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, default=Method.TRIMMED)
    min_respondents = models.PositiveSmallIntegerField(_("minimum respondents"), default=5)
    rounding_unit = models.DecimalField(_("rounding unit (yuan)"), max_digits=12, decimal_places=2,
                                        default=Decimal("1000"))
    income_band_low = models.DecimalField(_("income band, lower multiple"), max_digits=4, decimal_places=2,
                                          default=Decimal("1.1"))
    income_band_high = models.DecimalField(_("income band, upper multiple"), max_digits=4, decimal_places=2,
                                           default=Decimal("1.5"))
    reference_date = models.DateField(_("reference date"), default=datetime.date.today)
    notice_days = models.PositiveSmallIntegerField(_("notice days"), default=3)
    survey_team = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="survey_campaigns",
                                         verbose_name=_("survey team"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-reference_date", "code"]
        constraints = [
            models.UniqueConstraint(fields=["head_office", "code"], name="uniq_campaign_code"),
            models.CheckConstraint(condition=models.Q(rounding_unit__gt=0), name="campaign_rounding_positive"),
            models.CheckConstraint(condition=models.Q(min_respondents__gte=1), name="campaign_min_respondents"),
            models.CheckConstraint(condition=models.Q(income_band_low__lte=models.F("income_band_high")),
                                   name="campaign_income_band_ordered"),
        ]

    def __str__(self):
        return self.name


class Respondent(models.Model):
    """S1: a locally respected person of a village's pool. Identity confidential: code outside the team."""

    class Kind(models.TextChoices):
        CADRE = "cadre", _("Village cadre")
        PARTY_VETERAN = "party_veteran", _("Veteran Party member")
        LARGE_GROWER = "large_grower", _("Large grower or breeder")
        SHOPKEEPER = "shopkeeper", _("Shopkeeper")
        OTHER = "other", _("Other respected villager")

    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="respondents",
                                verbose_name=_("village"))
    code = models.CharField(_("respondent code"), max_length=32)
    name = models.CharField(_("name"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    active = models.BooleanField(_("in the pool"), default=True)

    objects = ScopedManager(village="village")

    class Meta:
        verbose_name = _("respondent")
        verbose_name_plural = _("respondents")
        ordering = ["village_id", "code"]
        constraints = [models.UniqueConstraint(fields=["village", "code"], name="uniq_respondent_code_per_village")]

    def __str__(self):
        return self.code  # never the name: this string reaches audit entries and pages for everyone


class RespondentDraw(models.Model):
    """S1: a random draw of a campaign's respondents for one village, with its seed and who drew."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="draws")
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+")
    seed = models.CharField(_("seed"), max_length=64)
    size = models.PositiveSmallIntegerField(_("number drawn"))
    respondents = models.ManyToManyField(Respondent, related_name="draws", verbose_name=_("respondents drawn"))
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("drawn by"))
    drawn_at = models.DateTimeField(_("drawn at"), auto_now_add=True)

    objects = ScopedManager(village="village")

    class Meta:
        verbose_name = _("respondent draw")
        verbose_name_plural = _("respondent draws")
        ordering = ["-drawn_at"]

    def __str__(self):
        return self.seed  # the draw's public record: anyone holding it redraws the same respondents (S1)


class Questionnaire(models.Model):
    """S2: one questionnaire (表一) per respondent per household in a campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="questionnaires")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="questionnaires",
                                  verbose_name=_("household"))
    respondent = models.ForeignKey(Respondent, on_delete=models.PROTECT, related_name="questionnaires",
                                   verbose_name=_("respondent"))
    business_codes = models.JSONField(_("business codes"), default=list)   # S2 codes 1–16
    members_away = models.BooleanField(_("members working away"), default=False)
    total_assets = models.DecimalField(_("total assets (yuan)"), max_digits=14, decimal_places=2, null=True,
                                       blank=True)
    total_liabilities = models.DecimalField(_("total liabilities (yuan)"), max_digits=14, decimal_places=2,
                                            null=True, blank=True)
    net_income = models.DecimalField(_("household net income (yuan)"), max_digits=14, decimal_places=2,
                                     null=True, blank=True)
    representative = models.ForeignKey(Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                       verbose_name=_("credit representative"))
    amount = models.DecimalField(_("proposed amount (yuan)"), max_digits=14, decimal_places=2, null=True,
                                 blank=True)
    withhold_reasons = models.JSONField(_("withhold reasons"), default=list)  # S2 codes 1–9
    surveyor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("surveyor"))
    surveyed_on = models.DateField(_("survey date"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)  # R3

    objects = ScopedManager(village="household__village")

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "household", "respondent"],
                                    name="one_questionnaire_per_respondent_and_household"),
            models.CheckConstraint(condition=models.Q(amount__isnull=True) | models.Q(amount__gte=0),
                                   name="questionnaire_amount_not_negative"),
        ]
        indexes = [models.Index(fields=["campaign", "household"])]

    def __str__(self):
        return f"{self.household_id}/{self.respondent_id}"

    @property
    def net_assets(self):
        """S2: derived, never typed."""
        if self.total_assets is None or self.total_liabilities is None:
            return None
        return self.total_assets - self.total_liabilities


class LimitStatus(models.TextChoices):
    GRANTED = "granted", _("Proposed for credit")        # 拟授信
    WITHHELD = "withheld", _("Withheld")                 # 待授信
    INELIGIBLE = "ineligible", _("Not eligible")          # 不符合条件
    INCOMPLETE = "incomplete", _("Incomplete")            # 资料不全


class LimitResult(models.Model):
    """L1–L7: the computed pre-credit limit of a household in a campaign, with the inputs it came from."""

    # Index diet (a county campaign writes 100k rows at once): the unique (campaign, household)
    # constraint already serves lookups by campaign, and nothing is looked up by the dropped respondents.
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="results", db_index=False)
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="limit_results")
    status = models.CharField(_("status"), max_length=10, choices=LimitStatus.choices)
    amount = models.DecimalField(_("pre-credit amount (yuan)"), max_digits=14, decimal_places=2, null=True)
    valid_count = models.PositiveSmallIntegerField(_("valid questionnaires"), default=0)
    mean = models.DecimalField(_("mean before rounding"), max_digits=16, decimal_places=4, null=True)
    dropped_high = models.ForeignKey(Respondent, on_delete=models.SET_NULL, null=True, related_name="+",
                                     db_index=False)
    dropped_low = models.ForeignKey(Respondent, on_delete=models.SET_NULL, null=True, related_name="+",
                                    db_index=False)
    reasons = models.JSONField(_("withhold reasons with counts"), default=dict)  # {"2": 3, "8": 1}
    warnings = models.JSONField(_("warnings"), default=list)                      # ["over_income"]
    flags = models.JSONField(_("flags"), default=list)                            # ["needs_escalation"]
    representative_age = models.PositiveSmallIntegerField(null=True)
    income_median = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    # L7: the valid questionnaires as read, [[respondent id, amount in cents or null], ...] by amount, then code
    inputs = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    objects = ScopedManager(village="household__village")

    class Meta:
        verbose_name = _("pre-credit result")
        verbose_name_plural = _("pre-credit results")
        constraints = [models.UniqueConstraint(fields=["campaign", "household"], name="one_result_per_household")]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self):
        return f"{self.campaign_id}/{self.household_id}"


class SurveyImport(UploadedImport):
    """S2/R4: one uploaded survey workbook (§11 template), its validation report and what applying it wrote."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="imports",
                                 verbose_name=_("campaign"))
    file = models.FileField(upload_to="surveys/%Y/%m/", blank=True)

    class Meta(UploadedImport.Meta):
        verbose_name = _("survey import")
        verbose_name_plural = _("survey imports")
        indexes = [models.Index(fields=["campaign", "sha256"])]
