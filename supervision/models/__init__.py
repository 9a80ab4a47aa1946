"""Supervision and transparency (SPEC §10): one module per feature — complaints and evaluation cards with the
suggestion box (V4, V5), the eight public disclosures (V3), the semi-annual democratic review (V2)."""

from .complaints import *  # noqa: F401,F403
from .disclosures import *  # noqa: F401,F403
from .overview import *  # noqa: F401,F403
from .reviews import *  # noqa: F401,F403
