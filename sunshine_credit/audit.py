"""R4: who, when, from where and what changed, for every audited table.

django-auditlog records the actor and remote address (AuditlogMiddleware) and the field diff;
ID and phone numbers are masked in the diff (AUDITLOG_MASK_CALLABLE = sunshine_credit.audit.mask_value),
and so are the ID and mobile numbers people type into free text (mask_free_text, on every entry).
A reviewer's back-to-back entry (A3) is masked whole: the audit keeps who changed which of its fields and
when; the values themselves become readable, in the decision's inputs, once the round is closed.
Bulk imports are recorded on their own import row (file SHA-256, who, when, rows written).
"""

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.signals import pre_save

from households.rules import mask_any

from .logmask import mask_text

PERSONAL_FIELDS = ["id_number", "phone"]


def mask_value(value) -> str:
    """ID- and phone-like values keep their ends (mask_any); anything else (amounts, codes) is hidden whole."""
    text = "" if value in (None, "None") else str(value)
    digits = text.replace("-", "").replace("+", "").rstrip("Xx")
    return mask_any(text) if digits.isdigit() else "*" * min(len(text), 8)


def is_free_text(field) -> bool:
    """What people type: a TextField, or a CharField of 100+ characters without choices (reasons, notes,
    addresses). Codes, loan numbers and hashes are shorter and stay whole: masking a digit run in them
    would spoil the audit, and the ID and phone fields themselves are mask_fields."""
    if isinstance(field, models.TextField):
        return True
    return isinstance(field, models.CharField) and not field.choices and (field.max_length or 0) >= 100


def mask_free_text(sender, instance, **kwargs):
    """R4: ID and mobile numbers typed into an objection, a reason or a note never reach the audit whole.
    A hook on auditlog's own LogEntry rather than a list per model, so that a new free-text field is covered
    the day it is added."""
    model = instance.content_type.model_class() if instance.content_type_id else None
    if model is not None and isinstance(instance.changes, dict):
        for name, values in instance.changes.items():
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if is_free_text(field) and isinstance(values, (list, tuple)):
                instance.changes[name] = [mask_text(v) if isinstance(v, str) else v for v in values]
    instance.object_repr = mask_text(instance.object_repr or "")
    instance.changes_text = mask_text(instance.changes_text or "")


def register():
    Household = apps.get_model("households", "Household")
    Member = apps.get_model("households", "Member")
    ExistingLoan = apps.get_model("households", "ExistingLoan")
    BlacklistEntry = apps.get_model("sunshine_credit", "BlacklistEntry")
    auditlog.register(Household, mask_fields=["phone"], exclude_fields=["updated_at", "version"])
    auditlog.register(Member, mask_fields=PERSONAL_FIELDS)
    auditlog.register(ExistingLoan)
    auditlog.register(BlacklistEntry, mask_fields=["id_number"])
    auditlog.register(apps.get_model("surveys", "Campaign"), exclude_fields=["version"])
    auditlog.register(apps.get_model("surveys", "Questionnaire"), exclude_fields=["updated_at", "version"])
    # Respondents' names are confidential (S1): the audit keeps that a name changed, not the name.
    auditlog.register(apps.get_model("surveys", "Respondent"), mask_fields=["name", "phone"])
    auditlog.register(apps.get_model("appraisal", "Reviewer"), mask_fields=["phone"])
    auditlog.register(apps.get_model("appraisal", "Panel"), exclude_fields=["version"])
    auditlog.register(apps.get_model("appraisal", "PanelMember"))
    # A3: the audit keeps who changed an entry and when, never its values (masked whole, see mask_value).
    auditlog.register(apps.get_model("appraisal", "Appraisal"), exclude_fields=["entered_at", "version"],
                      mask_fields=["amount", "withhold_reasons", "rating"])
    auditlog.register(apps.get_model("appraisal", "GapEdit"), mask_fields=["value"])
    auditlog.register(apps.get_model("appraisal", "Decision"), exclude_fields=["version", "inputs", "ratings"])
    auditlog.register(apps.get_model("appraisal", "SignOff"))
    auditlog.register(apps.get_model("sunshine_credit", "Approval"))
    # P3–P5: published boards (never rewritten), their items, objections, and the credit lines.
    auditlog.register(apps.get_model("publicity", "Notice"), exclude_fields=["snapshot"])
    auditlog.register(apps.get_model("publicity", "NoticeItem"), exclude_fields=["version"])
    auditlog.register(apps.get_model("publicity", "Objection"), mask_fields=["objector_phone"])
    auditlog.register(apps.get_model("credit_use", "CreditLine"), exclude_fields=["version"])
    auditlog.register(apps.get_model("credit_use", "CreditLineEvent"))
    auditlog.register(apps.get_model("credit_use", "LineChangeRequest"))
    # G1–G7, U1–U9: groups, drawdowns, guarantors, repayments and revocations.
    auditlog.register(apps.get_model("guarantee_groups", "GuaranteeGroup"), exclude_fields=["version", "checked_at"])
    auditlog.register(apps.get_model("guarantee_groups", "GroupMember"))
    auditlog.register(apps.get_model("credit_use", "Drawdown"), exclude_fields=["version"])
    auditlog.register(apps.get_model("credit_use", "DrawdownGuarantor"))
    auditlog.register(apps.get_model("credit_use", "Repayment"))
    auditlog.register(apps.get_model("credit_use", "RevocationCase"))


register()
pre_save.connect(mask_free_text, sender=LogEntry, dispatch_uid="sunshine_credit.audit.mask_free_text")
