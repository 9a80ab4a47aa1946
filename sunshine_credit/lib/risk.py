"""C6: the floor of a loan's five-category classification (五级分类) by its days overdue — one rule for every app
that reads a loan's risk (credit_use's own loans in the pre-check, A6; post_loan's daily classification).

Source: 《商业银行金融资产风险分类办法》 (the 2023 regulation on the risk classification of commercial banks' financial
assets, 国家金融监督管理总局、中国人民银行令 2023年第1号), arts. 9–12: a loan overdue at all is at least 关注 (special
mention); more than 90 days overdue at least 次级 (substandard); more than 270 days at least 可疑 (doubtful); more
than 360 days 损失 (loss). The numbers live in settings.RISK_GRADE_FLOORS as {days: grade}: days overdue STRICTLY
GREATER than the key set at least that grade. Grades are 1 正常 … 5 损失 (post_loan.models.Grade).
"""

import datetime
from collections.abc import Mapping

from django.conf import settings

NORMAL = 1


def overdue_days(*, due_on: datetime.date, outstanding, today: datetime.date) -> int:
    """Days overdue on `today`: (today − due_on) when principal is outstanding and today is past the due date,
    else 0. The first day overdue is due_on + 1 day (1 day overdue)."""
    if outstanding is None or outstanding <= 0 or today <= due_on:
        return 0
    return (today - due_on).days


def floor_for(days: int, floors: Mapping[int, int] | None = None) -> int:
    """The grade that `days` overdue set at least: the grade of the largest key strictly below `days`
    (1, normal, when none is)."""
    floors = settings.RISK_GRADE_FLOORS if floors is None else floors
    grade = NORMAL
    for key, floor in floors.items():
        if days > key and floor > grade:
            grade = floor
    return int(grade)
