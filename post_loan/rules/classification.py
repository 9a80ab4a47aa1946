"""C6: the five-category classification (五级分类) of a loan by its days overdue, and its ageing bucket. Pure.

Source of the floors: 《商业银行金融资产风险分类办法》 (the 2023 regulation on the risk classification of commercial
banks' financial assets, 国家金融监督管理总局、中国人民银行令 2023年第1号), arts. 9–12: a loan overdue at all is at least
关注 (special mention); more than 90 days overdue at least 次级 (substandard); more than 270 days at least 可疑
(doubtful); more than 360 days 损失 (loss). The numbers live in settings.RISK_GRADE_FLOORS as {days: grade}: days
overdue STRICTLY GREATER than the key set at least that grade ({0: 2, 90: 3, 270: 4, 360: 5}).

A manual grade (a downgrade or an upgrade a checker approved, GradeChange) only ever makes the grade worse than
the floor, never better: grade = max(floor, manual). The floor runs from the loan's original due date — an
instalment plan does not move the due date, so it does not reset the floor by itself (the regulation's
restructured-loan rules keep such a loan at least 次级 anyway; a better grade needs a checker's approval, and even
then not below the floor).

post_loan.services.classification.classify_all computes the same thing in SQL over the whole book; the tests hold
the two to the same boundaries.
"""

import datetime
from collections.abc import Mapping

from sunshine_credit.lib.risk import floor_for, overdue_days  # noqa: F401  (the one rule, re-exported here)

# Ageing buckets (账龄) by days overdue: (key, first day, last day or None). "current" is not overdue.
BUCKETS = (("current", 0, 0), ("1_30", 1, 30), ("31_90", 31, 90), ("91_180", 91, 180), ("181_360", 181, 360),
           ("over_360", 361, None))
PAR_DAYS = (30, 90)  # PAR30, PAR90: outstanding of loans MORE than 30 / 90 days overdue ÷ all outstanding


def grade_for(floor: int, manual: int | None) -> int:
    """The grade that counts: the worse of the floor and the manual grade (a manual change never goes below the
    floor)."""
    return max(floor, manual) if manual is not None else floor


def floor_dates(due_on: datetime.date, floors: Mapping[int, int]) -> list[tuple[datetime.date, int]]:
    """(first day, grade) at which each floor starts for a loan left unpaid: day `key + 1` after the due date."""
    return sorted((due_on + datetime.timedelta(days=key + 1), grade) for key, grade in floors.items())


def floor_history(*, due_on: datetime.date, today: datetime.date, floors: Mapping[int, int]) -> list[tuple]:
    """The floors a still-unpaid loan has passed through up to `today`, oldest first: [(from date, grade)]."""
    return [(day, grade) for day, grade in floor_dates(due_on, floors) if day <= today]


def bucket_for(days: int) -> str:
    for key, first, last in BUCKETS:
        if days >= first and (last is None or days <= last):
            return key
    raise ValueError(days)
