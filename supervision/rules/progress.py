"""V1: the campaign's progress over time — the ten-day periods (旬) of the progress reports, the default stage
timetable drawn from seed 000's, and what a timetable must keep. No ORM, no request."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from sunshine_credit.errors import RuleViolation

from ..models.overview import Stage

STAGES = tuple(Stage.values)  # the six stages, in order

# Seed 000 五 操作流程, in calendar days: 走访建档 7/25–9/15 (53), 预授信评议 9/16–10/15 (30), 回收表格与汇总
# 10/16–10/31 (16, the limits computed from the questionnaires), 数据核查 确定额度 11/1–11/10 (10, the bank's own
# appraisal), 导入平台 11/11–11/15 (5). The seed's fifth stage holds both publicity and taking effect: the board
# goes up on its first days and the lines take effect when the notice period (3 days by default) has run, so its
# five days are split 2 + 3.
SEED_DAYS = ((Stage.ARCHIVED, 53), (Stage.SURVEYED, 30), (Stage.COMPUTED, 16), (Stage.APPRAISED, 10),
             (Stage.PUBLISHED, 2), (Stage.EFFECTIVE, 3))
SEED_TOTAL_DAYS = sum(days for _stage, days in SEED_DAYS)  # 114: 7/25 … 11/15


@dataclass(frozen=True)
class Period:
    """A ten-day period (旬): the 1st–10th, the 11th–20th, or the 21st to the month's last day (8 to 11 days)."""

    start: datetime.date
    end: datetime.date

    @property
    def day_before(self) -> datetime.date:
        """The day whose closing figures the period's increases start from."""
        return self.start - datetime.timedelta(days=1)


def month_end(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)


def period_containing(day: datetime.date) -> Period:
    if day.day <= 10:
        return Period(day.replace(day=1), day.replace(day=10))
    if day.day <= 20:
        return Period(day.replace(day=11), day.replace(day=20))
    return Period(day.replace(day=21), month_end(day))


def period_ending_before(day: datetime.date) -> Period:
    """The last period that ended before `day` (the one reported on `day` when `day` opens a period: seed 000,
    按旬次日上报)."""
    return period_containing(period_containing(day).start - datetime.timedelta(days=1))


def recent_periods(day: datetime.date, count: int) -> list[Period]:
    """The `count` periods that ended before `day`, latest first."""
    periods = [period_ending_before(day)]
    while len(periods) < count:
        periods.append(period_ending_before(periods[-1].start))
    return periods


@dataclass(frozen=True)
class PlanRow:
    stage: str
    starts_on: datetime.date
    ends_on: datetime.date


def default_plan(starts_on: datetime.date) -> list[PlanRow]:
    """Seed 000's timetable laid from `starts_on`: the stages one after the other, each as long as the seed's."""
    rows, start = [], starts_on
    for stage, days in SEED_DAYS:
        end = start + datetime.timedelta(days=days - 1)
        rows.append(PlanRow(str(stage), start, end))
        start = end + datetime.timedelta(days=1)
    return rows


def check_plan(rows: list[PlanRow]) -> None:
    """A campaign's timetable: the six stages, each ending on or after its start. Stages may overlap (archiving goes
    on while the first villages are surveyed), but keep their order: a stage neither starts before the previous one
    starts nor ends before the previous one ends — a household reaches a stage only after the previous one, so the
    last household cannot be due at a stage before it is due at the one before. (So no stage ends before the
    previous one starts.) Raises RuleViolation naming the stage and field."""
    if [row.stage for row in rows] != list(STAGES):
        raise RuleViolation("plan_stages", _("The timetable has one row for each of the six stages, in order."))
    previous = None
    for row in rows:
        label = Stage(row.stage).label
        if row.ends_on < row.starts_on:
            raise RuleViolation("plan_ends_before_start",
                                _("%(stage)s: the stage cannot end before it starts.") % {"stage": label},
                                field=f"{row.stage}.ends_on")
        if previous is not None:
            before = Stage(previous.stage).label
            if row.starts_on < previous.starts_on:
                raise RuleViolation("plan_starts_before_previous",
                                    _("%(stage)s cannot start before %(before)s starts.")
                                    % {"stage": label, "before": before}, field=f"{row.stage}.starts_on")
            if row.ends_on < previous.ends_on:
                raise RuleViolation("plan_ends_before_previous",
                                    _("%(stage)s cannot end before %(before)s ends.")
                                    % {"stage": label, "before": before}, field=f"{row.stage}.ends_on")
        previous = row


def increase(before: int | None, after: int | None) -> int | None:
    """What a count grew by over a period; None when either end is unknown (a missing snapshot is not a zero)."""
    if before is None or after is None:
        return None
    return after - before
