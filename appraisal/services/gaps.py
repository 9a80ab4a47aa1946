"""A4: reviewers fill gaps in household data (ID number, address, phone); an officer confirms each one.

A proposal changes nothing in the archive. Confirming writes the value through the model's save (audited,
R4), bumps the household's version (R3: an edit form opened before is now stale) and keeps the proposal as
the record that the value is reviewer-supplied. The blacklist and the one-ID-per-head-office rule (H3) are
checked again at confirmation.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from households.models import Household, Member
from households.rules import RuleViolation, normalise_phone, parse_resident_id
from sunshine_credit.errors import Refusal
from sunshine_credit.models import BlacklistEntry
from sunshine_credit.scoping import Scope, activate

from ..models import GapEdit, Panel
from ..selectors import panel_households, panel_scope, seat_or_404

MEMBER_FIELDS = {GapEdit.Field.MEMBER_PHONE, GapEdit.Field.MEMBER_ID}


class GapRefused(Refusal):
    """The proposal or confirmation breaks a rule; str() is shown to the user. Nothing was written."""


def clean_value(field: str, raw: str) -> str:
    """The value as it would be stored. Raises GapRefused with the reason."""
    raw = (raw or "").strip()
    if not raw:
        raise GapRefused(_("Type the missing value."))
    try:
        if field == GapEdit.Field.MEMBER_ID:
            return parse_resident_id(raw).number
        if field in (GapEdit.Field.PHONE, GapEdit.Field.MEMBER_PHONE):
            return normalise_phone(raw)
    except RuleViolation as exc:
        raise GapRefused(str(exc)) from None
    if len(raw) > 200:
        raise GapRefused(_("An address has at most 200 characters."))
    return raw


@transaction.atomic
def gap_propose(*, actor, panel_id: int, household_id: int, field: str, value: str,
                member_id: int | None = None) -> GapEdit:
    """A seated reviewer proposes a value while the round is open; it replaces their earlier pending one."""
    seat = seat_or_404(actor, panel_id)
    if seat.panel.status != Panel.Status.OPEN:
        raise GapRefused(_("The round of this panel is not open."))
    if field not in GapEdit.Field.values:
        raise GapRefused(_("Choose what you are adding."))
    with activate(panel_scope(seat.panel, user_id=actor.pk)):
        household = panel_households(seat.panel).get(pk=household_id)
        member = None
        if field in MEMBER_FIELDS:
            member = Member.objects.filter(household=household, pk=member_id).first()
            if member is None:
                raise GapRefused(_("Choose the member this is about."))
        # Never compared with the value on file: the answer would tell a reviewer a whole ID or phone (R5).
        value = clean_value(field, value)
        return gap_record(seat=seat, household_id=household.pk, member=member, field=field, value=value)


def gap_record(*, seat, household_id: int, field: str, value: str, member=None) -> GapEdit:
    """Store a checked proposal of `seat`; it replaces the seat's earlier pending one for the same value.
    Runs inside the caller's transaction and scope (online form, booklet import)."""
    GapEdit.objects.filter(proposed_by=seat, household_id=household_id, member=member, field=field,
                           status=GapEdit.Status.PENDING).delete()
    return GapEdit.objects.create(panel=seat.panel, household_id=household_id, member=member, field=field,
                                  value=value, proposed_by=seat)


def _apply(gap: GapEdit) -> None:
    household, member = gap.household, gap.member
    if gap.field == GapEdit.Field.MEMBER_ID:
        resident = parse_resident_id(gap.value)
        with scopes_disabled():
            taken = Member.objects.filter(head_office_id=household.head_office_id,
                                          id_number=resident.number).exclude(pk=member.pk).exists()
            blacklisted = BlacklistEntry.objects.filter(head_office_id=household.head_office_id,
                                                        id_number=resident.number, active=True).exists()
        if taken:
            raise GapRefused(_("This ID number belongs to another member of the head office's archive."))
        if blacklisted:
            raise GapRefused(_("This ID number is on the blacklist."))
        member.id_number, member.birth_date, member.sex = resident.number, resident.birth_date, resident.sex
        member.save(update_fields=["id_number", "birth_date", "sex"])
    elif gap.field == GapEdit.Field.MEMBER_PHONE:
        member.phone = gap.value
        member.save(update_fields=["phone"])
    else:
        setattr(household, gap.field, gap.value)
        household.save(update_fields=[gap.field, "updated_at"])
    Household.objects.filter(pk=household.pk).update(version=F("version") + 1)


@transaction.atomic
def gap_decide(*, scope: Scope, actor, gap_id: int, confirm: bool) -> GapEdit:
    """An officer of the village confirms (the value is written) or rejects a reviewer's proposal."""
    if not scope.is_maker:
        raise PermissionDenied
    with activate(scope):
        gap = (GapEdit.objects.select_for_update(of=("self",)).select_related("household", "member")
               .get(pk=gap_id, household__village_id__in=scope.editable_village_ids))
        if gap.status != GapEdit.Status.PENDING:
            raise GapRefused(_("This proposal was decided already."))
        if confirm:
            _apply(gap)
        gap.status = GapEdit.Status.CONFIRMED if confirm else GapEdit.Status.REJECTED
        gap.decided_by, gap.decided_at = actor, timezone.now()
        gap.save(update_fields=["status", "decided_by", "decided_at"])
    return gap
