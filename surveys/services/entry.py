"""S2: save one questionnaire row of the entry grid (upsert with optimistic locking, R3)."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import Household, Member
from households.rules import ineligibility_text, stage_ineligibility
from households.selectors import blacklisted_member_exists
from sunshine_credit.errors import Stale
from sunshine_credit.scoping import Scope, activate

from ..models import Campaign, Questionnaire, Respondent
from ..rules import RowInput, RowInvalid

ROW_FIELDS = ("business_codes", "members_away", "total_assets", "total_liabilities", "net_income", "amount",
              "withhold_reasons")


def _stale(current: Questionnaire | None) -> Stale:
    """R3: someone saved this questionnaire after the grid was loaded (`current`, or None when the row the grid
    showed is gone). Nothing was written."""
    return Stale(_("This questionnaire was changed by someone else. Reload the page to see the saved values."),
                 current=current)


@transaction.atomic
def questionnaire_save(*, scope: Scope, actor, campaign_id: int, household_id: int, respondent_id: int,
                       version: int | None, row: RowInput, representative_id: int | None = None) -> Questionnaire:
    """Create or update the questionnaire of (campaign, household, respondent) from a grid row.

    `version` is the version the grid showed (None or 0 for a row not saved before). Surveyor and date
    come from the actor and today's date (Asia/Shanghai). Raises PermissionDenied for read-only roles,
    Household/Respondent/Campaign.DoesNotExist outside the user's editable scope, RowInvalid for a
    household that may not be surveyed (not archived, excluded, blacklisted) or a representative who is not a member, Stale when the row was saved meanwhile. In every
    case nothing is written.
    """
    scope.require_maker(_("Only loan officers and administrators enter data."))
    with activate(scope):
        campaign = Campaign.objects.get(head_office_id=scope.head_office_id, pk=campaign_id)
        household = (Household.objects.annotate(blacklisted=blacklisted_member_exists())  # the row read once
                     .get(village_id__in=scope.editable_village_ids, pk=household_id))
        ineligible = stage_ineligibility(archive_status=household.archive_status, blacklisted=household.blacklisted)
        if ineligible is not None:  # issue 15: only archived households, nobody blacklisted, are surveyed
            raise RowInvalid({"__all__": ineligibility_text(ineligible)})
        respondent = Respondent.objects.get(village_id=household.village_id, pk=respondent_id)
        representative_id = representative_id or household.representative_id
        if representative_id is not None and not Member.objects.filter(household=household,
                                                                       pk=representative_id).exists():
            raise RowInvalid({"representative": _("The credit representative must be a member of the household.")})
        # The row lock serialises two saves of the same questionnaire: the second sees the new version.
        questionnaire = (Questionnaire.objects.select_for_update()
                         .filter(campaign=campaign, household=household, respondent=respondent).first())
        if questionnaire is None:
            if version:
                raise _stale(None)  # the grid showed a saved row that is gone
            questionnaire = Questionnaire(campaign=campaign, household=household, respondent=respondent, version=0)
        elif questionnaire.version != version:
            raise _stale(questionnaire)
        for name in ROW_FIELDS:
            setattr(questionnaire, name, getattr(row, name))
        questionnaire.representative_id = representative_id
        questionnaire.surveyor = actor
        questionnaire.surveyed_on = timezone.localdate()
        questionnaire.version += 1
        try:
            with transaction.atomic():
                questionnaire.save()
        except IntegrityError:
            # Another save created the same (campaign, household, respondent) since we looked.
            raise _stale(None) from None
    return questionnaire
