"""`export_limits` (SPEC §11): the pre-credit summary as .xlsx, within the acting user's scope.

Respondents never appear (S1): the file carries counts and reasons, not who said what. ID numbers
are in full only for villages the user may edit (R5), masked otherwise; they are always text (R7).
"""

from collections.abc import Iterator

from households.rules import BLACKLISTED, EXCLUDED, NOT_ARCHIVED
from sunshine_credit.lib.excel import write_xlsx
from sunshine_credit.lib.masking import mask_id
from sunshine_credit.scoping import Scope

from .models import Campaign, LimitResult, LimitStatus
from .rules import MAX_AGE, MIN_AGE, NEEDS_ESCALATION, OVER_INCOME, WITHHOLD_REASONS, minimum_respondents

HEADER = ["户号代码", "授信代表人", "身份证号码", "有效问卷数", "拟授信额度(元)", "状态", "原因"]
ID_COLUMN = 2
# SPEC §11: the status words of files are fixed domain words, like the column headers.
STATUS_WORDS = {LimitStatus.GRANTED: "拟授信", LimitStatus.WITHHELD: "待授信",
                LimitStatus.INELIGIBLE: "不符合条件", LimitStatus.INCOMPLETE: "资料不全"}
NOTES = {OVER_INCOME: "超过家庭净收入上限倍数（预警）", NEEDS_ESCALATION: "超过支行审批权限，须报上级审批"}
# Issue 15: why a household may not enter the computation (households.rules.stage_ineligibility), in the file's words.
INELIGIBLE_WORDS = {BLACKLISTED: "家庭成员在黑名单上", EXCLUDED: "不予建档", NOT_ARCHIVED: "未建档"}


def limit_reason_text(result: LimitResult, *, minimum: int) -> str:
    """原因: why the status, the withhold reasons with how many respondents gave each, warnings and flags."""
    parts = []
    if result.status == LimitStatus.INCOMPLETE:
        parts.append(f"有效问卷{result.valid_count}份，少于{minimum}份")
    elif result.status == LimitStatus.INELIGIBLE and set(result.flags).intersection(INELIGIBLE_WORDS):
        parts.extend(INELIGIBLE_WORDS[code] for code in result.flags if code in INELIGIBLE_WORDS)
    elif result.status == LimitStatus.INELIGIBLE:
        age = result.representative_age
        parts.append("无授信代表人" if age is None else f"授信代表人{age}岁，不在{MIN_AGE}至{MAX_AGE}岁之间")
    if result.reasons:
        parts.append("；".join(f"{WITHHOLD_REASONS.get(int(code), code)}（{n}人）"
                              for code, n in sorted(result.reasons.items(), key=lambda item: int(item[0]))))
    parts.extend(NOTES.get(code, code) for code in [*result.warnings, *result.flags] if code not in INELIGIBLE_WORDS)
    return "；".join(parts)


def limits_export_rows(*, scope: Scope, campaign: Campaign) -> Iterator[list]:
    """One row per household result of the campaign in the scope's villages, by household code.

    Call inside `activate(scope)`.
    """
    minimum = minimum_respondents(campaign.method, campaign.min_respondents)
    editable = set(scope.editable_village_ids)
    results = (LimitResult.objects.filter(campaign=campaign, household__village_id__in=scope.village_ids)
               .select_related("household__representative").order_by("household__code")
               .only("status", "amount", "valid_count", "reasons", "warnings", "flags", "representative_age",
                     "household__code", "household__village_id", "household__representative__name",
                     "household__representative__id_number"))
    for result in results.iterator(chunk_size=2000):
        household, person = result.household, result.household.representative
        number = person.id_number if person else ""
        yield [household.code, person.name if person else "",
               number if household.village_id in editable else mask_id(number),
               result.valid_count, result.amount, STATUS_WORDS.get(result.status, result.status),
               limit_reason_text(result, minimum=minimum)]


def limits_export_write(*, scope: Scope, campaign: Campaign, out) -> int:
    """Write the summary to `out` (a path or file object); returns the number of households."""
    count = 0

    def rows():
        nonlocal count
        for row in limits_export_rows(scope=scope, campaign=campaign):
            count += 1
            yield row

    write_xlsx(out, f"拟授信额度{campaign.code}", HEADER, rows(), text_columns=frozenset({ID_COLUMN}))
    return count
