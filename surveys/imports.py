"""S2: questionnaire import (问卷导入) from the SPEC §11 survey template.

`survey_validate` reads the whole sheet and checks every row before anything is written;
`survey_apply` re-validates under the per-head-office lock (the one roster imports take) and writes
everything in one transaction, set-based (COPY on PostgreSQL). A respondent-and-household pair that
already has a questionnaire in the campaign is refused — an import never overwrites — unless the
stored questionnaire is identical: then the row counts as unchanged, so that importing the very same
file twice changes nothing.

County scale (600,000 rows) is the design point: the per-row work is dictionary look-ups, and the
parsing of repeated cells (code lists, amounts, ID numbers) is cached.

Cells are read by column readers shared with the roster import: 户号代码 (required text), 身份证号码 and 是/否
from households.imports, amounts from sunshine_credit.lib.columns (the one amount parser).
"""

import json
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from households.imports import resident_id_cell, yes_no_cell
from households.models import Household, Member
from households.rules import ineligibility_text
from households.selectors import households_ineligibility
from sunshine_credit.import_jobs import import_locked_apply
from sunshine_credit.lib.bulk import bulk_insert
from sunshine_credit.lib.columns import (
    Cached,
    CellError,
    RowErrors,
    amount_cell,
    cell_text,
    in_column,
    padded,
    read_header,
    required_cell,
)
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
AMOUNTS = ("assets", "liabilities", "income", "amount")
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


def parse_codes(raw, allowed: range) -> tuple[int, ...]:
    """"1,7" (also 1，7 / 1、7 / a number cell) → (1, 7), sorted, without repeats. Raises ValueError(bad part)."""
    if isinstance(raw, float):
        if not raw.is_integer():
            raise ValueError(str(raw))
        raw = str(int(raw))
    text = cell_text(raw).translate(CODE_SEPARATORS)
    codes = set()
    for part in text.split(","):
        if not part:
            continue
        if not part.isdigit() or int(part) not in allowed:
            raise ValueError(part)
        codes.add(int(part))
    return tuple(sorted(codes))


def business_cell(raw) -> tuple[int, ...]:
    """经营项目代码: codes 1 to 16."""
    try:
        return parse_codes(raw, BUSINESS_CODES)
    except ValueError as exc:
        raise CellError(_("Unknown business code %(value)s; use codes 1 to 16, separated by commas.")
                        % {"value": exc}) from None


def reasons_cell(raw) -> tuple[int, ...]:
    """待授信原因代码: codes 1 to 9."""
    try:
        return parse_codes(raw, REASON_CODES)
    except ValueError as exc:
        raise CellError(_("Unknown withhold reason code %(value)s; use codes 1 to 9, separated by commas.")
                        % {"value": exc}) from None


def _lookups(campaign: Campaign) -> tuple[dict, dict, dict, dict]:
    """What the rows are checked against, read once: households by code, members by ID number, respondents by
    (village, code), and the campaign's questionnaires by (household, respondent)."""
    head_office_id = campaign.head_office_id
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
    return households, members, respondents, existing


class _SurveyReader:
    """Reads the rows of one survey file into new questionnaires (S2). A row stops at its first refused key cell
    (户号代码, 调查对象编号); its answer cells are all checked and each refusal is reported."""

    def __init__(self, plan: SurveyPlan, *, scope: Scope, campaign: Campaign, index: dict[str, int]):
        self.plan, self.errors, self.index = plan, plan.errors, index
        self.width = max(index.values()) + 1
        same_office = scope.head_office_id == campaign.head_office_id
        self.editable = frozenset(scope.editable_village_ids) if same_office else frozenset()
        self.households, self.members, self.respondents, self.existing = _lookups(campaign)
        # Issue 15: survey entry is for archived households with nobody blacklisted, through this door too.
        self.ineligible = households_ineligibility(head_office_id=campaign.head_office_id)
        self.seen: dict[tuple[str, str], int] = {}
        self.per_village: dict[int, dict] = {}
        # Each distinct cell value is read once (a county file repeats the same few codes 600,000 times).
        self.readers = {"business": Cached(business_cell), "reasons": Cached(reasons_cell),
                        "away": Cached(yes_no_cell), **dict.fromkeys(AMOUNTS, Cached(amount_cell))}
        self.read_id = Cached(lambda raw: resident_id_cell(raw, numbers=(int, float)).number)

    def row(self, number: int, raw: list) -> None:
        raw = padded(raw, self.width)
        key = self._key(number, raw)
        if key is None:
            return
        answers = self._answers(number, raw, key)
        if answers is not None:
            self._record(number, key, answers)

    def _key(self, number: int, raw: list) -> tuple | None:
        """(户号代码, 调查对象编号, the household): a household the user may edit, one questionnaire per pair."""
        code = cell_text(raw[self.index["household"]])
        respondent_code = cell_text(raw[self.index["respondent"]])
        if not code and not respondent_code and not any(cell_text(v) for v in raw):
            return None  # a blank line inside the sheet
        try:
            in_column("household", required_cell, code)
            in_column("respondent", required_cell, respondent_code)
            household = self.households.get(code)
            if household is None or household[1] not in self.editable:
                # Missing and out-of-scope read the same (O2: no existence leak).
                raise CellError(_("Household %(code)s does not exist or is outside your scope.") % {"code": code},
                                field="household")
            if household[0] in self.ineligible:
                raise CellError(_("Household %(code)s cannot be surveyed: %(reason)s")
                                % {"code": code, "reason": ineligibility_text(self.ineligible[household[0]])},
                                field="household")
            if len(respondent_code) > 32:
                raise CellError(_("A respondent code has at most 32 characters."), field="respondent")
            first = self.seen.get((code, respondent_code))
            if first is not None:
                raise CellError(_("Respondent %(respondent)s already has a questionnaire for household %(household)s "
                                  "in row %(row)d; one questionnaire per respondent and household.")
                                % {"respondent": respondent_code, "household": code, "row": first}, field="respondent")
        except CellError as exc:
            self.errors.add(number, COLUMNS[exc.field], str(exc))
            return None
        self.seen[(code, respondent_code)] = number
        return code, respondent_code, household

    def _cell(self, number: int, raw: list, key: str):
        """The value of the row's cell in column `key`, or BAD (reported)."""
        try:
            return self.readers[key](raw[self.index[key]])
        except CellError as exc:
            self.errors.add(number, COLUMNS[key], str(exc))
            return BAD

    def _answers(self, number: int, raw: list, key: tuple) -> tuple | None:
        """The questionnaire's values in COMPARED order, or None when a cell was refused (each one reported)."""
        code, _respondent_code, (household_id, _village_id, default_rep) = key
        cell = self._cell  # written out, not looped: this runs for each of 600,000 rows
        business, reasons, away = cell(number, raw, "business"), cell(number, raw, "reasons"), cell(number, raw, "away")
        assets, liabilities = cell(number, raw, "assets"), cell(number, raw, "liabilities")
        income, proposed = cell(number, raw, "income"), cell(number, raw, "amount")
        row_ok = business is not BAD and reasons is not BAD and away is not BAD
        if assets is BAD or liabilities is BAD or income is BAD or proposed is BAD:
            row_ok = False
        elif proposed is None and (reasons is BAD or not reasons):
            self.errors.add(number, COLUMNS["amount"], _("Write the proposed amount, or withhold reason codes in "
                                                         "%(column)s.") % {"column": COLUMNS["reasons"]})
            row_ok = False
        try:
            representative = self._representative(raw[self.index["representative"]], household_id, code, default_rep)
        except CellError as exc:
            self.errors.add(number, COLUMNS["representative"], str(exc))
            row_ok = False
        if not row_ok:
            return None
        return business, away, assets, liabilities, income, representative, proposed, reasons

    def _representative(self, value, household_id: int, code: str, default_rep: int | None) -> int | None:
        """授信代表人身份证号码: a member of the household; blank is the household's representative (H1: the
        head by default)."""
        if value is None or value == "":
            return default_rep
        member = self.members.get(value)  # an ID as stored needs no parsing
        if member is None:
            member = self.members.get(self.read_id(value))
        if member is None or member[1] != household_id:
            raise CellError(_("This ID number is not a member of household %(code)s.") % {"code": code})
        return member[0]

    def _record(self, number: int, key: tuple, answers: tuple) -> None:
        """Count the row for its village's preview, and keep it unless the same questionnaire is stored."""
        code, respondent_code, (household_id, village_id, _default_rep) = key
        village = self.per_village.get(village_id)
        if village is None:
            village = self.per_village[village_id] = {"village_id": village_id, "rows": 0, "households": set(),
                                                      "respondents": set(), "new_respondents": set(), "unchanged": 0}
        village["rows"] += 1
        village["households"].add(household_id)
        village["respondents"].add(respondent_code)
        respondent_id = self.respondents.get((village_id, respondent_code))
        if respondent_id is None:
            self.plan.new_respondents.setdefault((village_id, respondent_code), number)
            village["new_respondents"].add(respondent_code)
        elif self.existing and (household_id, respondent_id) in self.existing:
            stored = self.existing[(household_id, respondent_id)]
            if (tuple(stored[0]), *stored[1:7], tuple(stored[7])) == answers:
                self.plan.unchanged += 1
                village["unchanged"] += 1
                return
            self.errors.add(number, COLUMNS["respondent"],
                            _("Respondent %(respondent)s already has a different questionnaire for household "
                              "%(household)s in this campaign; an import does not overwrite it.")
                            % {"respondent": respondent_code, "household": code})
            return
        self.plan.records.append((number, household_id, village_id, respondent_code, respondent_id, *answers))


def survey_validate(rows: list[list], *, scope: Scope, campaign: Campaign) -> SurveyPlan:
    """Check every row; nothing is written. Errors name the sheet row, the column and the reason."""
    plan = SurveyPlan(campaign_id=campaign.pk, rows_total=max(len(rows) - 1, 0))
    errors = plan.errors = RowErrors()
    index = read_header(rows, COLUMNS, errors)
    if index is None:
        return plan
    reader = _SurveyReader(plan, scope=scope, campaign=campaign, index=index)
    for number, raw in enumerate(rows[1:], start=2):
        reader.row(number, raw)
    errors.sort(key=lambda e: e["row"])
    _summarise(plan, reader.per_village)
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
