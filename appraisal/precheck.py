"""A6: the pre-check (数据核查) rules, for one household. Pure: plain frozen dataclasses in, flags out.

Seed 000 (第三篇, 数据核查) has the branch compare its loan book and the head office's lists with the
panel's pre-credit list before the decision. The flags, numbered as `PreCheckFlag`:

1. LOAN_NOT_LISTED: a current loan as borrower (balance > 0, not a guarantee given for someone else) but
   the household is not on the list (its computed status is not "granted").
2. LOAN_ABOVE_LIMIT: on the list, and the total amount of its current loans as borrower is above the
   computed amount: referred to the head office's audit (专项摸底审计) unless a reason is found.
3. NON_PERFORMING: a current (balance > 0) loan as borrower classified non-performing (次级 可疑 损失, and
   the legacy 逾期 呆滞 呆账). A repaid loan (balance 0) does not hit, whatever its last class.
4. REPAID_BY_GUARANTOR: any loan, current or repaid, that a guarantor repaid.
5. WRITTEN_OFF: any loan the bank wrote off (核销), in any year.
6. GUARANTEE_DEFAULTED: any guarantee the member gave for someone else's loan (对外担保) and did not honour.
7. LAWSUIT: any loan recovered by lawsuit (依法诉讼).
8. BLACKLIST: a member's ID number is on the head office's active blacklist.

Hits 3–8 remove the household (`REMOVING_FLAGS`) unless a supervisor overrides; 1–2 are shown only.

Evidence is a list of small JSON-ready dicts: a loan's number, member name, masked ID, amount, balance
(strings of yuan) and classification code, or a blacklist entry's reason and source with the member's
name and masked ID. Never a whole ID or phone number (R5): the evidence is shown to every reader.
"""

from dataclasses import dataclass
from decimal import Decimal

from households.models import NON_PERFORMING
from households.rules import mask_id

from .models import REMOVING_FLAGS, PreCheckFlag


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


def check(facts: Facts) -> list[Hit]:
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


def removes(flags) -> bool:
    """A6: any of hits 3–8 removes the household (before any override)."""
    return bool(REMOVING_FLAGS.intersection(flags))
