"""C5: the repayment rate (还款率), pure parts. Seed 003 judges a branch by it (99.4 %).

rate = principal repaid by maturity ÷ principal due, over the loans falling due in a period; the second figure
gives 3 months' grace (principal repaid by due_on + 3 calendar months). A month later than a day that month does
not have ends on that month's last day (30 November + 3 months = 28 February), as PostgreSQL's `+ interval`
does; selectors.repayment_rate computes the same date in SQL on both databases.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` + `months` calendar months, clamped to the last day of the month reached."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    next_first = datetime.date(year + (month == 12), month % 12 + 1, 1)
    last = (next_first - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last))


def rate(repaid, due) -> Decimal | None:
    """repaid ÷ due as a percentage with two decimals (rounded half up); None when nothing was due."""
    if not due:
        return None
    return (Decimal(repaid or 0) * 100 / Decimal(due)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
