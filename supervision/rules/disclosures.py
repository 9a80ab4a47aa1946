"""V3: what the eight disclosures generate rather than let anyone type twice. Pure functions (STYLE §2).

- The service commitments (限时服务承诺) are the U7 time limits of credit_use.rules.time_limits (branch 5 working
  days, small farm loans 3, county 7, city 15, cross-city syndicated 30), each with the amounts it covers: the
  branch's own approval authority and the county and city thresholds of the settings.
- The process (操作流程) is the campaign's six stages, 建档 → 调查 → 评议 → 公示 → 授信 → 用信 (seed 000).
- An officer's photo is accepted by what its bytes are, never by its name or the browser's word.
"""

import io
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from PIL import Image

from credit_use.models import Authority
from credit_use.rules.time_limits import LIMITS, SMALL_FARM_LIMIT
from sunshine_credit.errors import RuleViolation

PHOTO_MAX_BYTES = 2 * 1024 * 1024
PHOTO_MAX_PIXELS = 4000
# The first bytes of the two formats accepted, and the content type served with them.
PHOTO_SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg", "jpg"), (b"\x89PNG\r\n\x1a\n", "image/png", "png"))


@dataclass(frozen=True)
class Commitment:
    level: str
    label: str
    amounts: str
    days: int


def _yuan(amount) -> str:
    value = Decimal(amount)
    if value >= 10000 and value % 10000 == 0:
        return _("%(n)s ten-thousand yuan") % {"n": f"{value / 10000:,.0f}"}
    return _("%(n)s yuan") % {"n": f"{value:,.0f}"}


def commitments(*, branch_authority, county_authority, city_authority) -> list[Commitment]:
    """U7 as the branch publishes it: who approves which amounts, in how many working days from a complete
    application. A branch without a set authority (0) approves every amount (time_limits.approval_level)."""
    branch = Decimal(branch_authority or 0)
    rows = [Commitment("small_farm", _("Small farm loans within the branch's authority"),
                       _("up to %(amount)s") % {"amount": _yuan(branch)} if branch > 0 else _("any amount"),
                       SMALL_FARM_LIMIT),
            Commitment(Authority.BRANCH, _("Loans within the branch's authority"),
                       _("up to %(amount)s") % {"amount": _yuan(branch)} if branch > 0 else _("any amount"),
                       LIMITS[Authority.BRANCH])]
    if branch <= 0:
        return rows
    county = max(Decimal(county_authority), branch)
    city = max(Decimal(city_authority), county)
    rows += [
        Commitment(Authority.COUNTY, _("Loans within the county head office's authority"),
                   _("above %(low)s up to %(high)s") % {"low": _yuan(branch), "high": _yuan(county)},
                   LIMITS[Authority.COUNTY]),
        Commitment(Authority.CITY, _("Loans within the city office's authority"),
                   _("above %(low)s up to %(high)s") % {"low": _yuan(county), "high": _yuan(city)},
                   LIMITS[Authority.CITY]),
        Commitment(Authority.CROSS_CITY, _("Cross-city syndicated loans"),
                   _("above %(amount)s") % {"amount": _yuan(city)}, LIMITS[Authority.CROSS_CITY]),
    ]
    return rows


def process_steps() -> list[tuple[str, str]]:
    """The six stages of a campaign, as the 操作流程牌 shows them: (name, what happens)."""
    return [
        (_("Visit and archive"), _("The loan officer visits every household of the village and records its archive.")),
        (_("Household survey"), _("The officer surveys the household's income, assets and debts.")),
        (_("Panel appraisal"), _("The village's appraisal panel rates each household and proposes its credit line.")),
        (_("Public notice of the lines"), _("The proposed lines are posted in the village; anyone may object.")),
        (_("Credit line granted"), _("After the notice period the line takes effect for the household.")),
        (_("Loan use"), _("The household applies for a loan within its line and the bank decides within the "
                          "committed time limit.")),
    ]


def sniff_photo(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a JPEG or PNG by its first bytes; None for anything else."""
    for signature, content_type, extension in PHOTO_SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    return None


def clean_photo(data: bytes) -> tuple[bytes, str, str]:
    """The photo re-encoded by Pillow (which drops EXIF, GPS positions included, and anything appended to the
    file), with its content type and extension. Raises RuleViolation("V3") for anything but a sane JPEG or PNG
    within PHOTO_MAX_BYTES."""
    if len(data) > PHOTO_MAX_BYTES:
        raise RuleViolation("V3", _("The photo is larger than %(mb)d MB.") % {"mb": PHOTO_MAX_BYTES // 2**20},
                            field="photo")
    kind = sniff_photo(data[:16])
    refused = RuleViolation("V3", _("The photo must be a JPEG or PNG picture."), field="photo")
    if kind is None:
        raise refused
    try:
        with Image.open(io.BytesIO(data)) as picture:
            if max(picture.size) > PHOTO_MAX_PIXELS:
                raise refused
            picture.verify()
        with Image.open(io.BytesIO(data)) as picture:
            picture.load()
            out = io.BytesIO()
            if kind[0] == "image/jpeg":
                picture.convert("RGB").save(out, "JPEG", quality=88)
            else:
                picture.save(out, "PNG")
    except RuleViolation:
        raise
    except Exception as exc:  # noqa: BLE001 — any failure to parse means "not a picture"
        raise refused from exc
    return out.getvalue(), kind[0], kind[1]
