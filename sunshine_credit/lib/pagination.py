"""Lists over a county without an exact COUNT per page view (issue 18).

Django's Paginator counts every row of the list for each page it shows. Over a county (100,000 households) that
COUNT is a scan of the whole scope on every request. `CappedPaginator` counts at most `cap` + 1 rows of the list,
unordered (an index-only LIMIT, whatever the list's ORDER BY): the page says "more than 1,000" beyond that, and the
pager goes as far as the cap — a list that long is narrowed by its filters, not paged through.

`fill_page` reads a page of a lean list (one table, its filter and order answered by an index) by its keys first
and then only the page's rows with their joins (names, codes), so neither the count nor the order joins the
county's households.
"""

import math
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = settings.LIST_COUNT_CAP if cap is None else cap

    @cached_property
    def count(self) -> int:
        """The rows of the list, counted up to cap + 1."""
        object_list = self.object_list
        if hasattr(object_list, "order_by") and hasattr(object_list, "values"):
            return object_list.order_by().values("pk")[: self.cap + 1].count()
        return min(len(object_list), self.cap + 1)

    @property
    def capped(self) -> bool:
        """True when the list holds more rows than the cap (the count shown is "more than cap")."""
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        if self.count == 0 and not self.allow_empty_first_page:
            return 0
        return max(1, math.ceil(min(self.count, self.cap) / self.per_page) + (1 if self.capped else 0))


def fill_page(page, rows_of: Callable[[list[int]], Iterable]):
    """Replace the rows of `page` (a page of a lean queryset) by `rows_of(its primary keys)`, kept in the page's
    order: one query for the keys, one for the rows. Returns the page."""
    ids = list(page.object_list.values_list("pk", flat=True))
    rows = {row.pk: row for row in rows_of(ids)}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page
