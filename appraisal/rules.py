"""Appraisal rules (SPEC §5, A1–A7): pure functions on plain values, no ORM, no request.

A1/A2 the panel's composition and recusal; A5 the median rating and the panel's outcome; A6 the pre-check
flags of one household; A7 the decision's reason and the L6 escalation.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from households.models import NON_PERFORMING
from sunshine_credit.errors import RuleViolation
from sunshine_credit.lib.masking import mask_id
from surveys import rules as limit_rules

from .models import REMOVING_FLAGS, PreCheckFlag

# ReviewerKind values (appraisal.models), repeated here so that the rules need no models.
TOWNSHIP_CADRE, VILLAGE_SECRETARY, CADRE, VILLAGER, EXTERNAL, BANK_STAFF = (
    "township_cadre", "village_secretary", "cadre", "villager", "external", "bank_staff")
VILLAGE_CADRES = {VILLAGE_SECRETARY, CADRE}
LEADER, DEPUTY, MEMBER = "leader", "deputy", "member"
STANDARD, INSTITUTION, INTERNAL, LARGE = "standard", "institution", "internal", "large"
# A1: which presets each appraisal unit may use.
UNIT_PRESETS = {
    "village": {STANDARD, LARGE}, "street": {STANDARD, LARGE}, "school": {INSTITUTION},
    "institution": {INSTITUTION}, "internal": {INTERNAL},
}
STANDARD_SIZE, MAX_CADRES = 5, 2
INSTITUTION_EXTERNAL, INSTITUTION_BANK = 3, 2
INTERNAL_MIN = 3


@dataclass(frozen=True)
class Seat:
    """One proposed panel member, as the composition rules see them."""

    reviewer_id: int
    name: str
    kind: str
    position: str = MEMBER
    user_id: int | None = None
    is_branch_president: bool = False   # bank staff whose login is the panel's branch president


def check_composition(seats: list[Seat], *, unit_kind: str, preset: str, area_officer_ids: set[int],
                      survey_team_ids: set[int] = frozenset()) -> None:
    """A1 composition presets and A2 recusal at formation. Raises RuleViolation; None when the panel may stand.

    `area_officer_ids`: user ids of the loan officers in charge of the panel's village (包片), who may not sit
    on its panel. `survey_team_ids`: user ids of the campaign's survey team (the large panel includes them).
    """
    if preset not in UNIT_PRESETS.get(unit_kind, set()):
        raise RuleViolation("preset_unit", _("This composition cannot be used for this kind of appraisal unit."))
    if len({seat.reviewer_id for seat in seats}) != len(seats):
        raise RuleViolation("duplicate", _("A reviewer can sit on a panel only once."))
    for seat in seats:
        if seat.user_id is not None and seat.user_id in area_officer_ids:
            raise RuleViolation("recusal_officer", _("%(name)s is the loan officer in charge of this area and "
                                                     "must not sit on its panel (recusal).") % {"name": seat.name})
    leaders = [seat for seat in seats if seat.position == LEADER]
    if len(leaders) > 1:
        raise RuleViolation("leaders", _("A panel has one leader."))
    bank = [seat for seat in seats if seat.kind == BANK_STAFF]
    others = [seat for seat in seats if seat.kind != BANK_STAFF]
    if preset == STANDARD:
        if len(seats) != STANDARD_SIZE:
            raise RuleViolation("size", _("A village or street panel has exactly %(n)d reviewers; this one has "
                                          "%(count)d.") % {"n": STANDARD_SIZE, "count": len(seats)})
        cadres = sum(1 for seat in seats if seat.kind in VILLAGE_CADRES)
        if cadres > MAX_CADRES:
            raise RuleViolation("cadres", _("At most %(n)d of the reviewers may be village or street cadres; "
                                            "this panel has %(count)d.") % {"n": MAX_CADRES, "count": cadres})
    elif preset == INSTITUTION:
        if len(others) != INSTITUTION_EXTERNAL or len(bank) != INSTITUTION_BANK:
            raise RuleViolation("institution", _(
                "A school or institution panel has %(external)d external reviewers and %(bank)d bank staff; this "
                "one has %(others)d and %(staff)d.") % {"external": INSTITUTION_EXTERNAL, "bank": INSTITUTION_BANK,
                                                       "others": len(others), "staff": len(bank)})
    elif preset == INTERNAL:
        if others or len(bank) < INTERNAL_MIN:
            raise RuleViolation("internal", _("An internal panel has at least %(n)d reviewers, all of them bank "
                                              "staff.") % {"n": INTERNAL_MIN})
    elif preset == LARGE:
        _check_large(seats, survey_team_ids=survey_team_ids - area_officer_ids)


def _check_large(seats: list[Seat], *, survey_team_ids: set[int]) -> None:
    """Seed 000 第一篇: township cadre leads; village secretary and branch head are deputies; the village
    committee (at least one more cadre) and the survey team are members."""
    leader = next((seat for seat in seats if seat.position == LEADER), None)
    if leader is None or leader.kind != TOWNSHIP_CADRE:
        raise RuleViolation("large_leader", _("The leader of a large panel is the township cadre in charge of the "
                                              "village."))
    deputies = [seat for seat in seats if seat.position == DEPUTY]
    if not any(seat.kind == VILLAGE_SECRETARY for seat in deputies) or not any(
            seat.kind == BANK_STAFF and seat.is_branch_president for seat in deputies):
        raise RuleViolation("large_deputies", _("The deputies of a large panel are the village Party secretary "
                                                "and the branch president."))
    members = [seat for seat in seats if seat.position == MEMBER]
    if not any(seat.kind in VILLAGE_CADRES for seat in members):
        raise RuleViolation("large_committee", _("The village committee sits on a large panel: add its members."))
    missing = survey_team_ids - {seat.user_id for seat in seats}
    if missing:
        raise RuleViolation("large_survey_team", _("The campaign's survey team sits on a large panel: %(n)d of its "
                                                   "members are missing.") % {"n": len(missing)})


def check_not_own_household(*, reviewer_household_id: int | None, household_id: int) -> None:
    """A2: a reviewer never appraises their own household."""
    if reviewer_household_id is not None and reviewer_household_id == household_id:
        raise RuleViolation("recusal_own", _("A reviewer does not appraise their own household (recusal)."))


def median_rating(ratings: list[int | None]) -> int | None:
    """A5: the median of the reviewers' ratings (1 = best). With an even count the two middle ratings
    differ only by the tie: the more cautious (worse) one is taken, as a bank would."""
    given = sorted(r for r in ratings if r is not None)
    if not given:
        return None
    return given[len(given) // 2]


@dataclass(frozen=True)
class Entry:
    """One reviewer's entry for a household, as the panel outcome reads it."""

    member_id: int
    seat: int
    amount: Decimal | None
    reasons: tuple = ()
    rating: int | None = None


def panel_outcome(entries: list[Entry], *, expected: int, settings: limit_rules.Settings,
                  birth_date, approval_authority: Decimal, ineligible: str | None = None) -> limit_rules.Outcome:
    """The household's computed result from the closed round: the campaign's method (L1–L4, L6) over the
    reviewers' amounts, with every seated (non-recused) reviewer required. The trimmed mean of five
    reviewers is seed 000 第三篇's 评议册: drop the highest and the lowest, mean of the middle three.
    `ineligible` (households.rules.stage_ineligibility: blacklisted, excluded or no longer archived at the close)
    makes it `ineligible` whatever the reviewers entered."""
    answers = [limit_rules.Answer(respondent_id=e.member_id, respondent_code=f"{e.seat:04d}", amount=e.amount,
                                  reasons=tuple(e.reasons)) for e in entries]
    method = settings.method if expected >= 3 else limit_rules.MEAN
    panel_settings = limit_rules.Settings(method=method, min_respondents=max(expected, 1),
                                          rounding_unit=settings.rounding_unit,
                                          income_band_high=settings.income_band_high,
                                          reference_date=settings.reference_date)
    return limit_rules.compute_limit(answers, settings=panel_settings, birth_date=birth_date,
                                     approval_authority=approval_authority, ineligible=ineligible)


def check_decision(*, computed_amount: Decimal | None, amount: Decimal | None, reason: str) -> None:
    """A7: the panel may change the computed amount only with a written reason."""
    if amount is not None and amount <= 0:
        raise RuleViolation("amount", _("A decided amount must be greater than zero."))
    if amount != computed_amount and not reason.strip():
        raise RuleViolation("reason", _("Changing the computed amount needs a written reason."))


def needs_escalation(amount: Decimal | None, approval_authority: Decimal) -> bool:
    """L6: an amount above the branch's authority takes effect only after the level above approves."""
    return amount is not None and amount > Decimal(approval_authority)


# --- A6: the pre-check (数据核查) ------------------------------------------------------------
# The flags of one household. Pure: plain frozen dataclasses in, flags out.
#
# Seed 000 (第三篇, 数据核查) has the branch compare its loan book and the head office's lists with the
# panel's pre-credit list before the decision. The flags, numbered as `PreCheckFlag`:
#
# 1. LOAN_NOT_LISTED: a current loan as borrower (balance > 0, not a guarantee given for someone else) but
#    the household is not on the list (its computed status is not "granted").
# 2. LOAN_ABOVE_LIMIT: on the list, and the total amount of its current loans as borrower is above the
#    computed amount: referred to the head office's audit (专项摸底审计) unless a reason is found.
# 3. NON_PERFORMING: a current (balance > 0) loan as borrower classified non-performing (次级 可疑 损失, and
#    the legacy 逾期 呆滞 呆账). A repaid loan (balance 0) does not hit, whatever its last class.
# 4. REPAID_BY_GUARANTOR: any loan, current or repaid, that a guarantor repaid.
# 5. WRITTEN_OFF: any loan the bank wrote off (核销), in any year.
# 6. GUARANTEE_DEFAULTED: any guarantee the member gave for someone else's loan (对外担保) and did not honour.
# 7. LAWSUIT: any loan recovered by lawsuit (依法诉讼).
# 8. BLACKLIST: a member's ID number is on the head office's active blacklist.
#
# Hits 3–8 remove the household (`REMOVING_FLAGS`) unless a supervisor overrides; 1–2 are shown only.
#
# Evidence is a list of small JSON-ready dicts: a loan's number, member name, masked ID, amount, balance
# (strings of yuan) and classification code, or a blacklist entry's reason and source with the member's
# name and masked ID. Never a whole ID or phone number (R5): the evidence is shown to every reader.


@dataclass(frozen=True)
class Loan:
    member_name: str
    id_number: str
    loan_number: str
    amount: Decimal
    balance: Decimal
    classification: str
    written_off: bool = False
    repaid_by_guarantor: bool = False
    recovered_by_lawsuit: bool = False
    as_guarantor: bool = False
    guarantee_defaulted: bool = False

    @property
    def is_current_borrowing(self) -> bool:
        return self.balance > 0 and not self.as_guarantor


@dataclass(frozen=True)
class BlacklistHit:
    member_name: str
    id_number: str
    reason: str
    source: str


@dataclass(frozen=True)
class Facts:
    loans: tuple[Loan, ...] = ()
    blacklist: tuple[BlacklistHit, ...] = ()
    on_list: bool = False                  # the panel's computed status is "granted"
    computed_amount: Decimal | None = None


@dataclass(frozen=True)
class Hit:
    flag: int
    evidence: tuple[dict, ...]


def loan_evidence(loan: Loan) -> dict:
    return {"loan_number": loan.loan_number, "member": loan.member_name, "id_masked": mask_id(loan.id_number),
            "amount": str(loan.amount), "balance": str(loan.balance), "classification": loan.classification}


def blacklist_evidence(hit: BlacklistHit) -> dict:
    return {"member": hit.member_name, "id_masked": mask_id(hit.id_number), "reason": hit.reason,
            "source": hit.source}


def current_borrowing(facts: Facts) -> Decimal:
    """The total amount of the household's current loans as borrower (flag 2's figure)."""
    return sum((loan.amount for loan in facts.loans if loan.is_current_borrowing), Decimal(0))


def precheck_hits(facts: Facts) -> list[Hit]:
    """The flags of one household, by number, each with its evidence; none when nothing hits."""
    current = [loan for loan in facts.loans if loan.is_current_borrowing]
    loan_tests = {
        PreCheckFlag.NON_PERFORMING: lambda loan: loan.is_current_borrowing and loan.classification in NON_PERFORMING,
        PreCheckFlag.REPAID_BY_GUARANTOR: lambda loan: loan.repaid_by_guarantor,
        PreCheckFlag.WRITTEN_OFF: lambda loan: loan.written_off,
        PreCheckFlag.GUARANTEE_DEFAULTED: lambda loan: loan.as_guarantor and loan.guarantee_defaulted,
        PreCheckFlag.LAWSUIT: lambda loan: loan.recovered_by_lawsuit,
    }
    hits: list[Hit] = []
    if current and not facts.on_list:
        hits.append(Hit(int(PreCheckFlag.LOAN_NOT_LISTED), tuple(loan_evidence(loan) for loan in current)))
    if current and facts.on_list and current_borrowing(facts) > (facts.computed_amount or Decimal(0)):
        hits.append(Hit(int(PreCheckFlag.LOAN_ABOVE_LIMIT), tuple(loan_evidence(loan) for loan in current)))
    for flag, test in loan_tests.items():
        matching = [loan for loan in facts.loans if test(loan)]
        if matching:
            hits.append(Hit(int(flag), tuple(loan_evidence(loan) for loan in matching)))
    if facts.blacklist:
        hits.append(Hit(int(PreCheckFlag.BLACKLIST), tuple(blacklist_evidence(b) for b in facts.blacklist)))
    return hits


def precheck_removes(flags) -> bool:
    """A6: any of hits 3–8 removes the household (before any override)."""
    return bool(REMOVING_FLAGS.intersection(flags))
