"""R4: who, when, from where and what changed, for every audited table.

django-auditlog records the actor and remote address (AuditlogMiddleware) and the field diff;
ID and phone numbers are masked in the diff (AUDITLOG_MASK_CALLABLE = sunshine_credit.audit.mask_value),
and so are the ID and mobile numbers people type into free text (mask_free_text, on every entry).
A reviewer's back-to-back entry (A3) is masked whole: the audit keeps who changed which of its fields and
when; the values themselves become readable, in the decision's inputs, once the round is closed.
Bulk imports are recorded on their own import row (file SHA-256, who, when, rows written).
Each app puts its own models under the audit (register below, from its AppConfig.ready()): this module
names no domain model. Likewise an app tells the audit log's reader (sunshine_credit.staff.audit_log) how to find
the entries of a subject people search by, such as a household by its code (register_subject).
"""

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.signals import pre_save

from .lib.masking import mask_any, mask_text


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


def register(model, *, mask_fields=(), exclude_fields=()) -> None:
    """Put a model under the audit (R4). Each app calls this for its own models from its AppConfig.ready(),
    so that the ground floor names no domain model. mask_fields are masked in the diff by mask_value (IDs and
    phones keep their ends, anything else is hidden whole); exclude_fields are left out of the diff."""
    # Reverse relations (a household's drawdowns, a member's loans) are not the row's own fields: auditlog would
    # record each as "households.ExistingLoan.None". Called from ready(), when every app's models are loaded.
    reverse = [f.name for f in model._meta.get_fields() if f.auto_created and not f.concrete]
    auditlog.register(model, mask_fields=list(mask_fields), exclude_fields=[*exclude_fields, *reverse])


# key → find(scope, text): the rows whose entries belong to the subject `text` names within the scope, as
# {model: [pk, ...]}, or None when the scope holds no such subject. Filled by the apps' ready().
SUBJECTS: dict = {}


def register_subject(key: str, find) -> None:
    """Let the audit log's reader search entries by a subject (e.g. "household": a household's code gives the
    household's own rows and its members')."""
    SUBJECTS[key] = find


pre_save.connect(mask_free_text, sender=LogEntry, dispatch_uid="sunshine_credit.audit.mask_free_text")
