"""P1/P2: what a village's board lists, read from the panel's decisions (SPEC §5 A7).

A household is on the board when its panel decided to grant it an amount (not removed by the pre-check)
and its consent to publicity (PIPL art. 25) is recorded. Escalated amounts are listed too: the village sees
them before the level above approves (P5 makes them wait). Only the fields a board may show are read:
group, the head's name and the amount — never ID or phone numbers, respondents, ratings or withhold reasons.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, FilteredRelation, Q
from django.utils import timezone

from appraisal.models import Decision, DecisionStatus
from appraisal.services_decisions import ESCALATION_KIND
from households.models import Relation
from sunshine_credit.models import Approval

from .rules import mask_name


@dataclass(frozen=True)
class BoardRow:
    group: str
    code: str
    name: str        # masked unless the branch publishes full names
    amount: Decimal
    household_id: int  # for the board's items (never printed)
    decision_id: int


def board_rows(*, campaign_id: int, village_id: int, full_names: bool = False) -> list[BoardRow]:
    """The board's rows by 村民小组 then household code. Call inside a scope holding the village. One query."""
    rows = (Decision.objects.filter(campaign_id=campaign_id, household__village_id=village_id,
                                    status=DecisionStatus.GRANTED, household__publicity_consent=True)
            .alias(head=FilteredRelation("household__members",
                                         condition=Q(household__members__relation=Relation.HEAD)))
            .order_by(F("household__group__name").asc(nulls_last=True), "household__code")
            .values_list("household__group__name", "household__code", "head__name", "amount", "household_id", "pk"))
    return [BoardRow(group=group or "", code=code, name=mask_name(name or "", full=full_names), amount=amount,
                     household_id=household_id, decision_id=decision_id)
            for group, code, name, amount, household_id, decision_id in rows]


def escalations_approved_on(decision_ids: list[int], *, today: datetime.date) -> dict[int, datetime.date]:
    """L6: the day the level above approved each decision's escalation (its approval's decision time); a
    decision approved without an approval row on record counts from `today`, the day the job finds it."""
    if not decision_ids:
        return {}
    days = {pk: today for pk in decision_ids}
    for subject_id, decided_at in (Approval.objects.filter(kind=ESCALATION_KIND, subject_id__in=decision_ids,
                                                           status=Approval.Status.APPROVED)
                                   .exclude(decided_at=None).order_by("decided_at")
                                   .values_list("subject_id", "decided_at")):
        days[subject_id] = timezone.localdate(decided_at)
    return days
