"""A seated reviewer's grid (A3, appraisal/seat_grid.html): its rows.

The rows are printed here from ROW, the markup a template loop would hold, rather than by that loop: a group's page
prints tens of rows of five cells, and the template engine's few microseconds per variable (resolve, localise,
escape: 17 a row) were a third of the page's time (issue 18). The selector (selectors.seat_grid) formats each cell
once; this escapes every value and reads the translated words once per page.
"""

from html import escape  # as django.utils.html.escape, without its lazy-string wrapper (a call per cell)

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()

ROW = """
    <tr class="entry-row" data-household="{pk}" data-version="{version}">
      <td><div class="mono small">{code}</div><div>{head_name}</div>
        <a class="small" href="{gap_url}" tabindex="-1">{gaps}</a></td>
      <td data-label="{amount_label}"><input class="form-control form-control-sm entry-cell entry-amount" name="amount" \
inputmode="decimal" size="7" aria-label="{amount_label}" value="{amount}"></td>
      <td data-label="{reasons_label}"><input class="form-control form-control-sm entry-cell" name="withhold_reasons" \
inputmode="decimal" size="3" aria-label="{reasons_label}" value="{withhold_reasons}"></td>
      <td data-label="{rating_label}"><input class="form-control form-control-sm entry-cell entry-rating" name="rating" \
inputmode="numeric" size="2" maxlength="3" aria-label="{rating_label}" value="{rating}"></td>
      <td class="small entry-status" aria-live="polite">{status}</td>
    </tr>
  """


@register.simple_tag
def seat_grid_rows(rows) -> SafeString:
    """Every row of the grid (selectors.SeatRow): its cells (escaped), the link to the household's gap form, ✓ Saved
    for a household the seat has an entry for."""
    words = {"gaps": gettext("Add missing data"), "amount_label": gettext("Credit amount"),
             "reasons_label": gettext("Withhold reasons"), "rating_label": gettext("Rating")}
    words = {name: escape(word) for name, word in words.items()}
    saved = f'<span class="text-success" data-state="saved">✓ {escape(gettext("Saved"))}</span>'
    return SafeString("".join(
        ROW.format(pk=row.pk, version=row.version, code=escape(row.code), head_name=escape(row.head_name),
                   gap_url=escape(row.gap_url), amount=escape(row.amount), withhold_reasons=escape(row.withhold_reasons),
                   rating=escape(row.rating), status=saved if row.saved else "", **words)
        for row in rows))
