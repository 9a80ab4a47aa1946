"""V1: the dashboards' figures (figures.py: per village in grouped queries, kept for a few minutes) and their pages
(pages.py: head office → branch → village → officer)."""

from django.core.cache import cache  # noqa: F401  (the benchmark reads it here)

from .figures import *  # noqa: F401,F403
from .figures import _stage_counts, _village_figures  # noqa: F401  (the benchmark times them)
from .pages import *  # noqa: F401,F403
