"""The questionnaire entry grid (S2, surveys/entry_grid.html): its rows.

The rows are printed here from ROW, the markup a template loop would hold, rather than by that loop: a group's page
prints tens of rows of twelve cells and a select of the household's members, and the template engine's few
microseconds per variable (resolve, localise, escape: about 20 a row, 3 per member) were most of the page's time
(issue 18). The selector (selectors.entry_grid) formats each cell once; this escapes every value and reads the
translated words once per page.
"""

from html import escape  # as django.utils.html.escape, without its lazy-string wrapper (a call per cell)

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()

ROW = """
    <tr class="entry-row" data-household="{pk}" data-version="{version}">
      <td class="mono">{code}</td>
      <td>{head_name}</td>
      <td><select class="form-select form-select-sm entry-cell" name="representative" aria-label="{representative}">
        {options}
      </select></td>
      <td><input class="form-control form-control-sm entry-cell" name="business_codes" inputmode="decimal" size="6" \
value="{business_codes}"></td>
      <td><input class="form-control form-control-sm entry-cell" name="members_away" size="2" value="{members_away}"></td>
      <td><input class="form-control form-control-sm entry-cell entry-amount" name="total_assets" size="9" \
value="{total_assets}"></td>
      <td><input class="form-control form-control-sm entry-cell entry-amount" name="total_liabilities" size="9" \
value="{total_liabilities}"></td>
      <td class="text-end text-muted entry-net">{net_assets}</td>
      <td><input class="form-control form-control-sm entry-cell entry-amount" name="net_income" size="9" \
value="{net_income}"></td>
      <td><input class="form-control form-control-sm entry-cell entry-amount" name="amount" size="9" value="{amount}"></td>
      <td><input class="form-control form-control-sm entry-cell" name="withhold_reasons" inputmode="decimal" size="5" \
value="{withhold_reasons}"></td>
      <td class="small entry-status" aria-live="polite">{status}</td>
    </tr>
  """
CELLS = ("code", "head_name", "business_codes", "members_away", "total_assets", "total_liabilities", "net_assets",
         "net_income", "amount", "withhold_reasons")


@register.simple_tag
def survey_grid_rows(rows) -> SafeString:
    """Every row of the grid: its cells (escaped), the credit representative's <option>s (each member numbered from
    1, the number a typist presses; the chosen one selected), ✓ Saved for a saved questionnaire."""
    representative = escape(gettext("Credit representative"))
    saved = f'<span class="text-success" data-state="saved">✓ {escape(gettext("Saved"))}</span>'
    return SafeString("".join(
        ROW.format(pk=row["pk"], version=row["version"], representative=representative, options=_options(row),
                   status=saved if row["saved"] else "", **{name: escape(row[name]) for name in CELLS})
        for row in rows))


def _options(row) -> str:
    return "".join(f'<option value="{pk}"{" selected" if pk == row["representative_id"] else ""}>{number} '
                   f'{escape(name)}</option>' for number, (pk, name) in enumerate(row["members"], 1))
