"""R4: the audit log's reader, for the head office's auditors, supervisors and administrators.

Who sees which entry. An audit entry (django-auditlog's LogEntry) carries no head office, so the reader keeps to
two rules: (1) entries made by a person of the reader's head office (the actor's staff profile), whatever they
changed; (2) when searching by household, the entries of that household's own rows and its members' (found
through the finder the households app registers, `audit.register_subject("household", …)`, within the reader's
scope), whoever made them — the public, a nightly job. Entries with no actor are otherwise not shown: they cannot
be told apart by head office. Every value is masked again on the page (ID and mobile numbers inside any text,
sunshine_credit.lib.masking), whatever the entry stored.
"""

import datetime

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sunshine_credit.audit import SUBJECTS
from sunshine_credit.lib.masking import mask_text
from sunshine_credit.models import Role
from sunshine_credit.scoping import Scope

READER_ROLES = frozenset({Role.AUDITOR, Role.SUPERVISOR, Role.ADMIN})


def require_audit_reader(scope: Scope) -> None:
    if scope.role not in READER_ROLES:
        raise PermissionDenied(_("Only audit, supervisors and administrators read the audit log."))


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def household_rows(scope: Scope, code: str) -> Q | None:
    """The entries of the household `code` names in the scope (its rows and its members'); None if not found."""
    find = SUBJECTS.get("household")
    found = find(scope, code.strip()) if find is not None and code.strip() else None
    if not found:
        return None
    condition = Q(pk__in=[])
    for model, pks in found.items():
        condition |= Q(content_type=ContentType.objects.get_for_model(model), object_pk__in=[str(pk) for pk in pks])
    return condition


def audit_entries(*, scope: Scope, person: str = "", household: str = "", date_from: datetime.date | None = None,
                  date_to: datetime.date | None = None) -> tuple[QuerySet, bool]:
    """The entries the reader may see (see the module), newest first, narrowed by a person (name or user name of
    the actor), a household's code and a date range (both days included). Returns (entries, household_found);
    an unknown household gives no entries. Raises PermissionDenied for other roles."""
    require_audit_reader(scope)
    own_staff = Q(actor__staff_profile__head_office_id=scope.head_office_id)
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    found = True
    if household.strip():
        rows = household_rows(scope, household)
        found = rows is not None
        entries = entries.filter(rows) if found else entries.none()
    else:
        entries = entries.filter(own_staff)
    if person.strip():
        term = person.strip()
        entries = entries.filter(own_staff & (Q(actor__username__icontains=term) | Q(actor__first_name__icontains=term)
                                              | Q(actor__last_name__icontains=term)))
    if date_from:
        entries = entries.filter(timestamp__gte=_day_start(date_from))
    if date_to:
        entries = entries.filter(timestamp__lt=_day_start(date_to + datetime.timedelta(days=1)))
    return entries, found


# What a reader sees instead of auditlog's words (its "create", "update" have no Chinese) and raw field names.
ACTIONS = {LogEntry.Action.CREATE: gettext_lazy("Created"), LogEntry.Action.UPDATE: gettext_lazy("Changed"),
           LogEntry.Action.DELETE: gettext_lazy("Deleted")}
BOOLEANS = {"True": gettext_lazy("Yes"), "False": gettext_lazy("No")}
# Changes the services record under names that are no model field (sunshine_credit.staff.services, login).
OTHER_FIELDS = {"password": gettext_lazy("Password"), "second_factor": gettext_lazy("Second factor"),
                "villages": gettext_lazy("Villages (包片)")}


def action_label(entry: LogEntry) -> str:
    return str(ACTIONS.get(entry.action, entry.get_action_display()))


def _field(entry: LogEntry, name: str):
    model = entry.content_type.model_class() if entry.content_type_id else None
    try:
        return model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        return None


def shown_changes(entry: LogEntry) -> list[tuple[str, str, str]]:
    """(field, old, new) of an entry, each value masked (R4/R5) whatever the entry stored; the field by its
    verbose name, a choice by its label, True/False as yes/no; the row's own id left out."""
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    rows = []
    for name, values in changes.items():
        if isinstance(values, (list, tuple)) and len(values) == 2:
            old, new = values
        else:
            old, new = "", values
        field = _field(entry, name)
        if getattr(field, "primary_key", False):
            continue
        label = getattr(field, "verbose_name", None) or OTHER_FIELDS.get(name, name)
        rows.append((str(label), mask_text(_shown(field, old)), mask_text(_shown(field, new))))
    return rows


def _shown(field, value) -> str:
    text = _text(value)
    if field is not None and getattr(field, "choices", None):
        return str({str(key): label for key, label in field.flatchoices}.get(text, text))
    return str(BOOLEANS.get(text, text))


def _text(value) -> str:
    if value in (None, "None"):
        return ""
    return value if isinstance(value, str) else str(value)
