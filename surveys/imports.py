"""S2: questionnaire import (问卷导入) from the SPEC §11 survey template.

`survey_validate` reads the whole sheet and checks every row before anything is written;
`survey_apply` re-validates under the per-head-office lock (the one roster imports take) and writes
everything in one transaction, set-based (COPY on PostgreSQL). A respondent-and-household pair that
already has a questionnaire in the campaign is refused — an import never overwrites — unless the
stored questionnaire is identical: then the row counts as unchanged, so that importing the very same
file twice changes nothing.

County scale (600,000 rows) is the design point: the per-row work is dictionary look-ups, and the
parsing of repeated cells (code lists, amounts, ID numbers) is cached.
"""

import json
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from households.models import Household, Member
from households.rules import RuleViolation, parse_resident_id, parse_yes_no
from sunshine_credit.bulk import bulk_insert
from sunshine_credit.import_jobs import import_locked_apply
from sunshine_credit.lib.money import AmountError, parse_amount
from sunshine_credit.models import Village
from sunshine_credit.scoping import Scope

from .models import Campaign, Questionnaire, Respondent

COLUMNS = {
    "household": "户号代码", "respondent": "调查对象编号", "business": "经营项目代码", "away": "成员务工",
    "assets": "家庭总资产(元)", "liabilities": "家庭总负债(元)", "income": "家庭净收入(元)",
    "representative": "授信代表人身份证号码", "amount": "可授信额度(元)", "reasons": "待授信原因代码",
}
BUSINESS_CODES = range(1, 17)   # S2: 1 种植 … 16 其他
REASON_CODES = range(1, 10)     # S2: 1 游手好闲 … 9 其他
MAX_STORED_ERRORS = 2000
BAD = object()  # a cell already reported as an error
CODE_SEPARATORS = str.maketrans({"，": ",", "、": ",", ";": ",", "；": ",", " ": ",", "/": ","})

# The values compared to decide "identical questionnaire" on a re-import, in this order.
COMPARED = ("business_codes", "members_away", "total_assets", "total_liabilities", "net_income",
            "representative_id", "amount", "withhold_reasons")


@dataclass
class SurveyPlan:
    campaign_id: int
    rows_total: int
    records: list[tuple] = field(default_factory=list)   # (row, household_id, village_id, code, values...)
    errors: list[dict] = field(default_factory=list)
    unchanged: int = 0
    new_respondents: dict = field(default_factory=dict)  # (village_id, code) -> first row
    villages: list[dict] = field(default_factory=list)
    branch_ids: list[int] = field(default_factory=list)
    village_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows_new(self) -> int:
        return len(self.records)


class _Errors(list):
    def add(self, row: int, column: str, message: str) -> None:
        self.append({"row": row, "column": column, "message": message})


def _text(value) -> str:
    if value is None:
        return ""
    if type(value) is str:
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_codes(raw, allowed: range) -> tuple[int, ...]:
    """"1,7" (also 1，7 / 1、7 / a number cell) → (1, 7), sorted, without repeats. Raises ValueError(bad part)."""
    if isinstance(raw, float):
        if not raw.is_integer():
            raise ValueError(str(raw))
        raw = str(int(raw))
    text = _text(raw).translate(CODE_SEPARATORS)
    codes = set()
    for part in text.split(","):
        if not part:
            continue
        if not part.isdigit() or int(part) not in allowed:
            raise ValueError(part)
        codes.add(int(part))
    return tuple(sorted(codes))


def _header_map(header: list) -> tuple[dict[str, int], list[str]]:
    names = [_text(h) for h in header]
    index, missing = {}, []
    for key, title in COLUMNS.items():
        if title in names:
            index[key] = names.index(title)
        else:
            missing.append(title)
    return index, missing


def _parsed(cache: dict, value, parse):
    """Parse each distinct cell value once: a county file repeats the same few codes 600,000 times."""
    if value not in cache:
        cache[value] = parse(value)  # a refused value raises and is not cached
    return cache[value]


def survey_validate(rows: list[list], *, scope: Scope, campaign: Campaign) -> SurveyPlan:
    """Check every row; nothing is written. Errors name the sheet row, the column and the reason."""
    plan = SurveyPlan(campaign_id=campaign.pk, rows_total=max(len(rows) - 1, 0))
    errors = _Errors()
    plan.errors = errors
    if not rows:
        errors.add(1, "", _("The sheet is empty."))
        return plan
    index, missing = _header_map(rows[0])
    if missing:
        errors.add(1, "", _("Row 1 must be the template's header; missing columns: %(cols)s.")
                   % {"cols": "、".join(missing)})
        return plan

    head_office_id = campaign.head_office_id
    editable = frozenset(scope.editable_village_ids) if scope.head_office_id == head_office_id else frozenset()
    with scopes_disabled():
        households = {code: (pk, village_id, rep_id) for code, pk, village_id, rep_id in Household.objects.filter(
            head_office_id=head_office_id).values_list("code", "id", "village_id", "representative_id").iterator(20000)}
        members = {number: (pk, household_id) for number, pk, household_id in Member.objects.filter(
            head_office_id=head_office_id).values_list("id_number", "id", "household_id").iterator(20000)}
        respondents = {(village_id, code): pk for village_id, code, pk in Respondent.objects.filter(
            village__branch__head_office_id=head_office_id).values_list("village_id", "code", "id")}
        existing = {}
        if Questionnaire.objects.filter(campaign=campaign).exists():
            existing = {(row[0], row[1]): row[2:] for row in Questionnaire.objects.filter(campaign=campaign)
                        .values_list("household_id", "respondent_id", *COMPARED).iterator(20000)}

    c = COLUMNS
    ih, ir, ib, ia, ias, il, ii, irep, iam, irs = (index[k] for k in COLUMNS)
    width = max(index.values()) + 1
    business_cache, reasons_cache, yes_cache, amount_cache, id_cache = {}, {}, {}, {}, {}
    seen: dict[tuple[str, str], int] = {}
    records = plan.records
    new_respondents = plan.new_respondents
    per_village: dict[int, dict] = {}
    unchanged = 0

    def amount(raw, row, column):
        """Cached parse; BAD when the cell is wrong (already reported)."""
        try:
            return amount_cache[raw]
        except KeyError:
            pass
        except TypeError:  # unhashable: never from calamine, but be safe
            return parse_amount(raw)
        try:
            value = parse_amount(raw)
        except AmountError as exc:
            errors.add(row, column, str(exc))
            return BAD
        amount_cache[raw] = value
        return value

    for number, raw in enumerate(rows[1:], start=2):
        if len(raw) < width:
            raw = list(raw) + [""] * (width - len(raw))
        code = _text(raw[ih])
        respondent_code = _text(raw[ir])
        if not code and not respondent_code and not any(_text(v) for v in raw):
            continue  # a blank line inside the sheet
        if not code:
            errors.add(number, c["household"], _("This cell is required."))
            continue
        if not respondent_code:
            errors.add(number, c["respondent"], _("This cell is required."))
            continue
        household = households.get(code)
        if household is None or household[1] not in editable:
            # Missing and out-of-scope read the same (O2: no existence leak).
            errors.add(number, c["household"], _("Household %(code)s does not exist or is outside your scope.")
                       % {"code": code})
            continue
        household_id, village_id, default_rep = household
        if len(respondent_code) > 32:
            errors.add(number, c["respondent"], _("A respondent code has at most 32 characters."))
            continue
        pair = (code, respondent_code)
        first = seen.get(pair)
        if first is not None:
            errors.add(number, c["respondent"],
                       _("Respondent %(respondent)s already has a questionnaire for household %(household)s "
                         "in row %(row)d; one questionnaire per respondent and household.")
                       % {"respondent": respondent_code, "household": code, "row": first})
            continue
        seen[pair] = number
        row_ok = True

        business = reasons = away = None
        try:
            business = _parsed(business_cache, raw[ib], lambda v: parse_codes(v, BUSINESS_CODES))
        except ValueError as exc:
            errors.add(number, c["business"], _("Unknown business code %(value)s; use codes 1 to 16, "
                                                "separated by commas.") % {"value": exc})
            row_ok = False
        try:
            reasons = _parsed(reasons_cache, raw[irs], lambda v: parse_codes(v, REASON_CODES))
        except ValueError as exc:
            errors.add(number, c["reasons"], _("Unknown withhold reason code %(value)s; use codes 1 to 9, "
                                               "separated by commas.") % {"value": exc})
            row_ok = False
        try:
            away = _parsed(yes_cache, raw[ia], parse_yes_no)
        except RuleViolation as exc:
            errors.add(number, c["away"], str(exc))
            row_ok = False
        assets = amount(raw[ias], number, c["assets"])
        liabilities = amount(raw[il], number, c["liabilities"])
        income = amount(raw[ii], number, c["income"])
        proposed = amount(raw[iam], number, c["amount"])
        if assets is BAD or liabilities is BAD or income is BAD or proposed is BAD:
            row_ok = False
        elif proposed is None and not reasons:
            errors.add(number, c["amount"], _("Write the proposed amount, or withhold reason codes in %(column)s.")
                       % {"column": c["reasons"]})
            row_ok = False

        value = raw[irep]
        if value is None or value == "":
            representative = default_rep  # H1: the household's representative (the head by default)
        elif isinstance(value, (int, float)):
            errors.add(number, c["representative"],
                       _("The ID number was typed as a number and has lost digits; format the column as text."))
            row_ok = False
            representative = None
        else:
            member = members.get(value)
            if member is None:
                normalised = id_cache.get(value)
                if normalised is None:
                    try:
                        normalised = id_cache[value] = parse_resident_id(value).number
                    except RuleViolation as exc:
                        normalised = id_cache[value] = exc
                if isinstance(normalised, RuleViolation):
                    errors.add(number, c["representative"], str(normalised))
                    row_ok = False
                else:
                    member = members.get(normalised)
            representative = None
            if not isinstance(id_cache.get(value), RuleViolation):  # a bad ID is reported once
                if member is None or member[1] != household_id:
                    errors.add(number, c["representative"],
                               _("This ID number is not a member of household %(code)s.") % {"code": code})
                    row_ok = False
                else:
                    representative = member[0]
        if not row_ok:
            continue

        village = per_village.get(village_id)
        if village is None:
            village = per_village[village_id] = {"village_id": village_id, "rows": 0, "households": set(),
                                                 "respondents": set(), "new_respondents": set(), "unchanged": 0}
        village["rows"] += 1
        village["households"].add(household_id)
        village["respondents"].add(respondent_code)
        respondent_id = respondents.get((village_id, respondent_code))
        if respondent_id is None:
            new_respondents.setdefault((village_id, respondent_code), number)
            village["new_respondents"].add(respondent_code)
        else:
            stored = existing.get((household_id, respondent_id)) if existing else None
            if stored is not None:
                if (tuple(stored[0]), stored[1], stored[2], stored[3], stored[4], stored[5], stored[6],
                        tuple(stored[7])) == (business, away, assets, liabilities, income, representative, proposed,
                                              reasons):
                    unchanged += 1
                    village["unchanged"] += 1
                    continue
                errors.add(number, c["respondent"],
                           _("Respondent %(respondent)s already has a different questionnaire for household "
                             "%(household)s in this campaign; an import does not overwrite it.")
                           % {"respondent": respondent_code, "household": code})
                continue
        records.append((number, household_id, village_id, respondent_code, respondent_id, business, away, assets,
                        liabilities, income, representative, proposed, reasons))

    plan.unchanged = unchanged
    errors.sort(key=lambda e: e["row"])
    _summarise(plan, per_village)
    return plan


def _summarise(plan: SurveyPlan, per_village: dict[int, dict]) -> None:
    """What the file holds per village, for the preview: codes and counts, never a respondent's name."""
    with scopes_disabled():
        villages = {v.id: v for v in Village.objects.filter(id__in=list(per_village)).select_related("branch")}
    out = []
    for village_id, row in per_village.items():
        village = villages[village_id]
        out.append({"branch": village.branch.code, "code": village.code, "name": village.name, "rows": row["rows"],
                    "households": len(row["households"]), "respondents": len(row["respondents"]),
                    "unchanged": row["unchanged"], "new_respondents": sorted(row["new_respondents"])[:50],
                    "new_respondent_count": len(row["new_respondents"])})
    plan.villages = sorted(out, key=lambda v: (v["branch"], v["code"]))
    plan.village_ids = sorted(per_village)
    plan.branch_ids = sorted({v.branch_id for v in villages.values()})


def survey_apply(rows: list[list], *, scope: Scope, campaign: Campaign, actor) -> tuple[SurveyPlan, dict]:
    """Validate again under the head office's import lock (the roster's too: a roster changing members
    under us would otherwise pass), then write everything or nothing.

    Returns (plan, summary); when the plan has errors nothing is written and summary is empty.
    `actor` is the surveyor (S2).
    """
    return import_locked_apply(head_office_id=campaign.head_office_id,
                               validate=lambda: survey_validate(rows, scope=scope, campaign=campaign),
                               write=lambda plan: _write(plan, campaign=campaign, actor=actor))


def _write(plan: SurveyPlan, *, campaign: Campaign, actor) -> dict:
    if plan.new_respondents:
        # S1: an unknown code joins the village's pool; the survey team enters the name later.
        bulk_insert(Respondent, ["village", "code", "name", "kind", "phone", "active"],
                    [(village_id, code, "", Respondent.Kind.OTHER.value, "", True)
                     for village_id, code in plan.new_respondents])
        ids = {(v, code): pk for v, code, pk in Respondent.objects.filter(
            village_id__in=list({v for v, _ in plan.new_respondents})).values_list("village_id", "code", "id")}
    else:
        ids = {}
    now = timezone.now()
    today = timezone.localdate()  # Asia/Shanghai (settings.TIME_ZONE)
    surveyor_id = actor.pk
    dumps = json.dumps
    json_cache: dict[tuple, str] = {}

    def as_json(codes: tuple) -> str:
        text = json_cache.get(codes)
        if text is None:
            text = json_cache[codes] = dumps(list(codes))
        return text

    values = []
    for (_row, household_id, village_id, code, respondent_id, business, away, assets, liabilities, income,
         representative, proposed, reasons) in plan.records:
        values.append((campaign.pk, household_id, respondent_id or ids[(village_id, code)], as_json(business), away,
                       assets, liabilities, income, representative, proposed, as_json(reasons), surveyor_id, today,
                       now, now, 1))
    bulk_insert(Questionnaire, ["campaign", "household", "respondent", "business_codes", "members_away",
                                "total_assets", "total_liabilities", "net_income", "representative", "amount",
                                "withhold_reasons", "surveyor", "surveyed_on", "created_at", "updated_at", "version"],
                values)
    return {"questionnaires_created": len(values), "questionnaires_unchanged": plan.unchanged,
            "respondents_created": len(plan.new_respondents)}
