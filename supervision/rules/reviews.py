"""V2: the draw of a democratic review, as a pure function of a seed and the candidates (no database).

The draw is `random.Random(seed)` over SORTED candidate ids, in a fixed order — villages, then the officer, then
the officer's loans — so the same seed and the same candidates always give the same result, on any machine
(string seeds are hashed with SHA-512 by Python's random, version 2).

- Villages: half of the branch's villages, rounded up (5 → 3), drawn among those NOT drawn in the branch's previous
  review. Edge: when fewer than half remain (an odd count: 5 villages, 3 drawn last time, 2 remain), all the
  remaining villages are drawn and the draw says so (`short`): "none drawn in the previous review" wins over
  "at least half", since the review exists to reach villages the previous one did not.
- Officer: one of the branch's loan officers with outstanding loans (any officer of the branch when none has).
- Loans: half, rounded up, of that officer's outstanding loans (disbursed drawdowns with principal outstanding
  that the officer made).
"""

import random
from dataclasses import dataclass, field


def half_up(count: int) -> int:
    """At least 50 %: 6 → 3, 5 → 3, 1 → 1, 0 → 0."""
    return (count + 1) // 2


@dataclass(frozen=True)
class Candidates:
    villages: tuple[int, ...]                     # every village of the branch
    excluded: tuple[int, ...] = ()                # villages drawn in the previous review
    officers: tuple[int, ...] = ()                # officers the draw chooses among
    loans: dict[int, tuple[int, ...]] = field(default_factory=dict)   # officer → outstanding loans

    def as_json(self) -> dict:
        return {"villages": sorted(self.villages), "excluded": sorted(self.excluded),
                "officers": sorted(self.officers),
                "loans": {str(officer): sorted(ids) for officer, ids in sorted(self.loans.items())}}

    @classmethod
    def from_json(cls, data: dict) -> "Candidates":
        return cls(villages=tuple(data.get("villages", ())), excluded=tuple(data.get("excluded", ())),
                   officers=tuple(data.get("officers", ())),
                   loans={int(officer): tuple(ids) for officer, ids in data.get("loans", {}).items()})


@dataclass(frozen=True)
class Draw:
    villages: tuple[int, ...]
    officer: int | None
    loans: tuple[int, ...]
    short: bool   # fewer villages remained than half of the branch's: all the remaining were drawn


def draw(seed: str, candidates: Candidates) -> Draw:
    rng = random.Random(seed)
    excluded = set(candidates.excluded)
    remaining = sorted(set(candidates.villages) - excluded)
    need = half_up(len(set(candidates.villages)))
    short = len(remaining) < need
    villages = remaining if short else rng.sample(remaining, need)
    officers = sorted(set(candidates.officers))
    officer = rng.choice(officers) if officers else None
    loans = sorted(set(candidates.loans.get(officer, ()))) if officer is not None else []
    drawn_loans = rng.sample(loans, half_up(len(loans)))
    return Draw(villages=tuple(sorted(villages)), officer=officer, loans=tuple(sorted(drawn_loans)), short=short)
