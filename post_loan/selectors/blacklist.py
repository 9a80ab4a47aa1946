"""C4: reads of the blacklist. The list belongs to the whole head office (every branch checks against it), so the
scope is the head office: another head office's entries do not exist here (R1, 404)."""

import re

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django_scopes import scopes_disabled

from households.models import Member
from households.rules import parse_resident_id
from sunshine_credit.errors import RuleViolation
from sunshine_credit.models import Approval, BlacklistEntry
from sunshine_credit.scoping import Scope

from ..models import BlacklistImport
from ..services.blacklist import REMOVAL_KIND, require_reader

ID_LIKE = re.compile(r"^\d{14}[\dXx]$|^\d{17}[\dXx]$")
STATUSES = ("active", "inactive", "all")


def normalised_id(text: str) -> str | None:
    """The stored form of an ID number typed into the search box (upper-case X, 15 digits converted), or None when
    the text is not an ID number (then it is a name)."""
    text = text.strip().replace(" ", "")
    if not ID_LIKE.match(text):
        return None
    try:
        return parse_resident_id(text).number
    except RuleViolation:
        return text.upper()  # an ID-shaped typo: searched as typed, finds nothing rather than a name


def blacklist_list(*, scope: Scope, query: str = "", status: str = "active"):
    """The head office's entries, newest first: an ID number is looked up exactly (the head office + ID index),
    anything else as part of the name. `status`: active (on the list), inactive (removed or lifted), all."""
    require_reader(scope)
    entries = BlacklistEntry.objects.filter(head_office_id=scope.head_office_id)
    if status == "active":
        entries = entries.filter(active=True)
    elif status == "inactive":
        entries = entries.filter(active=False)
    query = (query or "").strip()
    if query:
        number = normalised_id(query)
        entries = entries.filter(id_number=number) if number else entries.filter(name__icontains=query)
    return entries.select_related("created_by").order_by("-created_at", "-pk")


def blacklist_get(*, scope: Scope, pk: int) -> BlacklistEntry:
    """One entry of the head office, else Http404 (R1); 404 too for roles that do not read the blacklist."""
    try:
        require_reader(scope)
    except PermissionDenied:
        raise Http404 from None
    entry = (BlacklistEntry.objects.select_related("created_by", "removed_by")
             .filter(pk=pk, head_office_id=scope.head_office_id).first())
    if entry is None:
        raise Http404
    return entry


def blacklist_removals(entry: BlacklistEntry) -> list[Approval]:
    """Every removal request of the entry (waiting, refused, approved, withdrawn), newest first. Read by head
    office: a request belongs to one village (the approvals' scope key), the entry to the whole head office."""
    with scopes_disabled():
        return list(Approval.objects.filter(head_office_id=entry.head_office_id, kind=REMOVAL_KIND,
                                            subject_id=entry.pk)
                    .select_related("requested_by", "decided_by").order_by("-requested_at", "-pk"))


def blacklist_history(entry: BlacklistEntry, *, limit: int = 100) -> list[LogEntry]:
    """R4: the entry's audit entries (ID number masked by the audit), newest first."""
    kind = ContentType.objects.get_for_model(BlacklistEntry)
    return list(LogEntry.objects.filter(content_type=kind, object_pk=str(entry.pk))
                .select_related("actor", "content_type").order_by("-timestamp", "-pk")[:limit])


def blacklist_imports(*, scope: Scope, limit: int = 20):
    """The head office's applied blacklist imports (R4), newest first."""
    require_reader(scope)
    return (BlacklistImport.objects.filter(head_office_id=scope.head_office_id)
            .select_related("created_by").order_by("-created_at")[:limit])


def blacklist_households(*, scope: Scope, entry: BlacklistEntry) -> list:
    """The households of the user's villages with a member carrying the entry's ID number (the archive's side of
    the entry); other villages' households stay out of sight (R1)."""
    return list(Member.objects.filter(head_office_id=entry.head_office_id, id_number=entry.id_number,
                                      household__village_id__in=scope.village_ids)
                .select_related("household__village").order_by("household__code"))
