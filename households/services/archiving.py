"""Bulk archiving (建档) after a roster import (issue 15; SPEC §11 `archive_households`): the checked households of a
village, chosen on the household list or named by village in the batch command, become archived in one
transaction.

R1: only the actor's editable villages; every household id the page sends is checked again here. C4 and H5: a
household with a member on the active blacklist, or excluded (不予建档, a reason recorded), is refused by name and
nothing is written. Each household is saved on its own (`save(update_fields=…)`), so the audit log records who
archived which household and when (R4).
"""

from dataclasses import dataclass, field

from auditlog.context import set_actor
from django.db import transaction
from django.utils.translation import gettext as _

from sunshine_credit.errors import Refusal
from sunshine_credit.scoping import Scope, activate

from ..models import ArchiveStatus, Household
from ..selectors import blacklisted_households


class BulkArchiveRefused(Refusal):
    """The archiving was refused as a whole; `.errors` name each household (None, message). Nothing was written."""


@dataclass
class BulkArchiveResult:
    archived: list[str] = field(default_factory=list)  # 户号代码 archived now
    already: list[str] = field(default_factory=list)   # already archived: left as they were
    excluded: list[str] = field(default_factory=list)  # excluded (不予建档), left as they were (whole villages only)


@transaction.atomic
def households_archive(*, scope: Scope, actor, village_ids, household_ids=None) -> BulkArchiveResult:
    """Archive the households `household_ids` of the villages `village_ids` (None: every household of those villages
    still on the roster; the excluded ones stay excluded and are reported). Raises PermissionDenied for read-only
    roles and BulkArchiveRefused (nothing written) for a village or household outside the actor's editable
    villages, an excluded household chosen by id, or a household with a blacklisted member."""
    scope.require_maker()
    village_ids = sorted({int(pk) for pk in village_ids})
    if not village_ids or any(not scope.can_edit_village(pk) for pk in village_ids):
        raise BulkArchiveRefused(_("Choose villages you may enter data for."), field="village")
    with activate(scope):
        households = Household.objects.select_for_update().filter(village_id__in=village_ids).order_by("code")
        if household_ids is not None:
            wanted = {int(pk) for pk in household_ids}
            households = list(households.filter(pk__in=wanted))
            if not wanted or len(households) != len(wanted):
                raise BulkArchiveRefused(_("A chosen household was not found in the chosen village of your "
                                           "villages; nothing was archived."), field="households")
        else:
            households = list(households.exclude(archive_status=ArchiveStatus.EXCLUDED))
        result = BulkArchiveResult()
        if household_ids is None:
            result.excluded = list(Household.objects.filter(village_id__in=village_ids,
                                                            archive_status=ArchiveStatus.EXCLUDED)
                                   .order_by("code").values_list("code", flat=True))
        result.already = [h.code for h in households if h.archive_status == ArchiveStatus.ARCHIVED]
        households = [h for h in households if h.archive_status != ArchiveStatus.ARCHIVED]
        _refuse(scope, households)
        with set_actor(actor):  # R4: the audit names the actor in the batch command too
            for household in households:
                household.archive_status, household.exclusion, household.exclusion_note = ArchiveStatus.ARCHIVED, "", ""
                household.updated_by, household.version = actor, household.version + 1
                household.save(update_fields=["archive_status", "exclusion", "exclusion_note", "updated_by",
                                              "version", "updated_at"])
                result.archived.append(household.code)
    return result


def _refuse(scope: Scope, households: list[Household]) -> None:
    """H5 and C4 over the households to archive: every one refused is named, then nothing is written."""
    errors = [(None, _("Household %(code)s is not archived (%(reason)s): change it on its page if that no longer "
                       "holds.") % {"code": h.code, "reason": h.get_exclusion_display() or h.exclusion_note or "—"})
              for h in households if h.archive_status == ArchiveStatus.EXCLUDED or h.exclusion]
    listed = blacklisted_households(head_office_id=scope.head_office_id, household_ids=[h.pk for h in households])
    errors += [(None, _("Household %(code)s has a member on the blacklist and cannot be archived.") % {"code": code})
               for code in listed.values()]
    if errors:
        raise BulkArchiveRefused(errors=errors, code="refused")
