"""Writes for campaigns (SPEC §4 settings) and respondents (S1: pools and random draws).

Every service takes the caller's scope and re-checks it (R1). Campaigns belong to a head office and
are set up by administrators; respondent pools belong to villages and are kept by the makers of the
village; respondents' names and phones are written only by the campaign's survey team (S1).
"""

import random
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sunshine_credit.errors import Refusal, Stale
from sunshine_credit.models import Role
from sunshine_credit.scoping import Scope, activate

from ..models import METHOD_MINIMUM, Campaign, Method, Respondent, RespondentDraw

CAMPAIGN_FIELDS = ("code", "name", "ordinal", "method", "min_respondents", "rounding_unit", "income_band_low",
                   "income_band_high", "reference_date", "notice_days")
RESPONDENT_FIELDS = ("code", "kind", "active")
CONFIDENTIAL_FIELDS = ("name", "phone")  # S1: only the survey team writes (and reads) them
DRAW_DEFAULT = 6  # S1: "at least 6 per village"


class CampaignInvalid(Refusal):
    """The settings were refused; `.errors` is [(field or None, message)], str() the first message. Nothing
    was written."""

    def __init__(self, errors: list[tuple[str | None, str]]):
        first_field, first = errors[0] if errors else (None, "")
        super().__init__(first, field=first_field, errors=errors[1:])


class RespondentInvalid(CampaignInvalid):
    """A respondent's entry was refused (e.g. a code already in the village's pool)."""


class DrawRefused(Refusal):
    """The draw was refused (pool too small, size below the minimum). Nothing was written."""


# --- Campaigns ---------------------------------------------------------------------------------

def _require_admin(scope: Scope) -> None:
    if scope.role != Role.ADMIN:
        raise PermissionDenied(_("Only administrators set up campaigns."))


def method_minimum_message(method: str, minimum: int) -> str:
    return _("The method “%(method)s” needs at least %(n)d respondents; raise the minimum respondents.") % {
        "method": Method(method).label, "n": minimum}


def campaign_settings_errors(fields: dict) -> list[tuple[str | None, str]]:
    """SPEC §4 and L4: settings that cannot stand together. Pure; the form and the command share it."""
    errors = []
    method = fields.get("method") or Method.TRIMMED
    if method not in Method.values:
        errors.append(("method", _("Unknown method: %(method)s.") % {"method": method}))
    else:
        minimum = METHOD_MINIMUM[Method(method)]
        if fields.get("min_respondents") is not None and fields["min_respondents"] < minimum:
            errors.append(("min_respondents", method_minimum_message(method, minimum)))
    if fields.get("ordinal") is not None and fields["ordinal"] < 1:
        errors.append(("ordinal", _("The batch ordinal starts at 1.")))
    if fields.get("rounding_unit") is not None and fields["rounding_unit"] <= 0:
        errors.append(("rounding_unit", _("The rounding unit must be more than 0 yuan.")))
    low, high = fields.get("income_band_low"), fields.get("income_band_high")
    if low is not None and high is not None and low > high:
        errors.append(("income_band_high", _("The upper income multiple may not be below the lower one.")))
    return errors


def _team_users(scope: Scope, team_ids) -> list:
    ids = {int(pk) for pk in team_ids or ()}
    # S1/R1: the team reads respondents' names, so only active bank staff of this head office; never a
    # `reviewer` login (villagers on panels), whatever id a POST names.
    users = list(get_user_model().objects.filter(pk__in=ids, is_active=True,
                                                 staff_profile__head_office_id=scope.head_office_id)
                 .exclude(staff_profile__role=Role.REVIEWER))
    if len(users) != len(ids):
        raise CampaignInvalid([("survey_team", _("The survey team may only hold staff of this head office."))])
    return users


def _check_code_free(scope: Scope, code: str, *, exclude_pk=None) -> None:
    taken = Campaign.objects.filter(head_office_id=scope.head_office_id, code=code).exclude(pk=exclude_pk)
    if taken.exists():
        raise CampaignInvalid([("code", _("A campaign with the code %(code)s already exists.") % {"code": code})])


def _write_campaign(scope, campaign: Campaign, fields: dict, team) -> Campaign:
    errors = campaign_settings_errors({**{f: getattr(campaign, f) for f in CAMPAIGN_FIELDS}, **fields})
    if errors:
        raise CampaignInvalid(errors)
    for name in CAMPAIGN_FIELDS:
        if name in fields:
            setattr(campaign, name, fields[name])
    _check_code_free(scope, campaign.code, exclude_pk=campaign.pk)
    campaign.full_clean(validate_unique=False, validate_constraints=False, exclude=["head_office", "created_by"])
    try:
        with transaction.atomic():
            campaign.save()
            if team is not None:
                campaign.survey_team.set(team)
    except IntegrityError:  # a concurrent create took the same code
        raise CampaignInvalid([("code", _("A campaign with the code %(code)s already exists.")
                                % {"code": campaign.code})]) from None
    return campaign


@transaction.atomic
def campaign_create(*, scope: Scope, actor, fields: dict, team_ids=()) -> Campaign:
    """Create a campaign of the scope's head office. Raises PermissionDenied (not an administrator)
    or CampaignInvalid (duplicate code, a minimum below the method's, ...)."""
    _require_admin(scope)
    team = _team_users(scope, team_ids)
    campaign = Campaign(head_office_id=scope.head_office_id, created_by=actor, version=1)
    return _write_campaign(scope, campaign, fields, team)


@transaction.atomic
def campaign_update(*, scope: Scope, actor, campaign_id: int, version: int, fields: dict,
                    team_ids=None) -> Campaign:
    """Save an edit made on `version` of the campaign (R3). Raises PermissionDenied, Stale,
    CampaignInvalid, or Campaign.DoesNotExist outside the head office; in every case nothing is written."""
    _require_admin(scope)
    # The row lock serialises concurrent saves: the second waits here, then sees the new version.
    campaign = (Campaign.objects.select_for_update()
                .filter(head_office_id=scope.head_office_id, pk=campaign_id).first())
    if campaign is None:
        raise Campaign.DoesNotExist
    if campaign.version != version:
        # R3: saved by someone else after the form was loaded; `.current` carries the saved version.
        raise Stale(_("This campaign was changed by someone else while you were editing it."), current=campaign)
    team = _team_users(scope, team_ids) if team_ids is not None else None
    campaign.version += 1
    return _write_campaign(scope, campaign, fields, team)


# --- Respondents (S1) --------------------------------------------------------------------------

def names_editable(*, scope: Scope, campaign: Campaign) -> bool:
    """S1: names and phones are entered only by the campaign's survey team."""
    return scope.user_id is not None and campaign.survey_team.filter(pk=scope.user_id).exists()


def _require_pool_keeper(scope: Scope, village_id: int) -> None:
    scope.require_maker(_("Only loan officers and administrators of the village keep its respondents."),
                        village_id=village_id)


def _respondent_fields(scope: Scope, campaign: Campaign, fields: dict) -> dict:
    allowed = RESPONDENT_FIELDS + (CONFIDENTIAL_FIELDS if names_editable(scope=scope, campaign=campaign) else ())
    return {name: fields[name] for name in allowed if name in fields}


def _save_respondent(respondent: Respondent) -> Respondent:
    respondent.code = (respondent.code or "").strip()
    clash = Respondent.objects.filter(village_id=respondent.village_id, code=respondent.code).exclude(pk=respondent.pk)
    if clash.exists():
        raise RespondentInvalid([("code", _("The code %(code)s is already in this village's pool.")
                                  % {"code": respondent.code})])
    respondent.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            respondent.save()
    except IntegrityError:
        raise RespondentInvalid([("code", _("The code %(code)s is already in this village's pool.")
                                  % {"code": respondent.code})]) from None
    return respondent


@transaction.atomic
def respondent_create(*, scope: Scope, actor, campaign: Campaign, village_id: int, fields: dict) -> Respondent:
    """Add a respondent to a village's pool. Names and phones are kept only when the actor is on the
    campaign's survey team. Raises PermissionDenied or RespondentInvalid."""
    _require_pool_keeper(scope, village_id)
    with activate(scope):
        return _save_respondent(Respondent(village_id=village_id, **_respondent_fields(scope, campaign, fields)))


@transaction.atomic
def respondent_update(*, scope: Scope, actor, campaign: Campaign, respondent_id: int, fields: dict) -> Respondent:
    """Edit a respondent; name and phone only by the survey team (others' values are left as they are).
    Raises PermissionDenied, RespondentInvalid or Respondent.DoesNotExist outside the editable scope."""
    with activate(scope):
        respondent = (Respondent.objects.select_for_update()
                      .filter(village_id__in=scope.editable_village_ids, pk=respondent_id).first())
        if respondent is None:
            raise Respondent.DoesNotExist
        _require_pool_keeper(scope, respondent.village_id)
        for name, value in _respondent_fields(scope, campaign, fields).items():
            setattr(respondent, name, value)
        return _save_respondent(respondent)


def default_draw_size(campaign: Campaign) -> int:
    return max(DRAW_DEFAULT, campaign.min_respondents)


def draw_sample(pool_ids, size: int, seed: str) -> list[int]:
    """S1: the respondents drawn from a pool, reproducible from the seed.

    The pool is taken in id order (ids never change, codes may), so anyone holding the seed and the
    pool of the day can redraw and get the same respondents.
    """
    return sorted(random.Random(seed).sample(sorted(pool_ids), size))


@dataclass(frozen=True)
class DrawResult:
    draw: RespondentDraw
    respondent_ids: list[int]


@transaction.atomic
def respondent_draw(*, scope: Scope, actor, campaign: Campaign, village_id: int, size: int | None = None) -> DrawResult:
    """Draw `size` (default max(6, the campaign's minimum)) active respondents of the village at random,
    recording the seed, who drew and when. Raises PermissionDenied or DrawRefused (nothing written)."""
    _require_pool_keeper(scope, village_id)
    size = default_draw_size(campaign) if size is None else size
    if size < campaign.min_respondents:
        raise DrawRefused(_("Draw at least %(n)d respondents, the campaign's minimum.") % {"n": campaign.min_respondents})
    with activate(scope):
        pool = list(Respondent.objects.filter(village_id=village_id, active=True).values_list("id", flat=True))
        if len(pool) < size:
            raise DrawRefused(_("The village's pool has %(pool)d active respondents; %(n)d are to be drawn. "
                                "Add respondents to the pool first.") % {"pool": len(pool), "n": size})
        seed = secrets.token_hex(8)
        chosen = draw_sample(pool, size, seed)
        draw = RespondentDraw.objects.create(campaign=campaign, village_id=village_id, seed=seed, size=size,
                                             drawn_by=actor)
        draw.respondents.set(chosen)
    return DrawResult(draw=draw, respondent_ids=chosen)
