"""P3: a notice's PDF, rendered from its snapshot alone (the same snapshot gives the same content).

The QR code is drawn by segno as inline SVG (print templates fetch nothing, sunshine_credit.pdf), and
the rows are laid out three households to a table row, so that a village of 200 households fits on a
few A4 landscape pages of a notice board.
"""

from django.utils import translation

from sunshine_credit.pdf import html_to_document, render_html

TEMPLATE = "publicity/pdf/board.html"
PER_ROW = 3  # households side by side on one printed row


def qr_svg(url: str) -> str:
    import segno

    return segno.make(url, error="m", micro=False).svg_inline(scale=2.4, border=0)


def printed_lines(rows: list[list], columns: list[dict], size: int) -> list[list[dict]]:
    """Rows `size` to a printed line, as cells {"v", "num", "sep"}; the last line padded with empty cells."""
    lines = []
    for start in range(0, len(rows), size):
        chunk = rows[start:start + size]
        chunk += [[""] * len(columns)] * (size - len(chunk))
        lines.append([{"v": value, "num": col["num"], "sep": j == 0 and i > 0}
                      for i, row in enumerate(chunk) for j, (value, col) in enumerate(zip(row, columns, strict=True))])
    return lines


def css_string(text: str) -> str:
    """Text for a CSS string in the page's margin boxes ("..."): backslashes and quotes escaped."""
    text = " ".join(str(text).split()).replace("\\", "\\\\").replace('"', '\\"')
    return text.replace("<", "\\3C ")  # never closes the <style> element


def board_html(snapshot: dict) -> str:
    """The board's print HTML, in the language it was published in."""
    columns = snapshot["columns"]
    groups = [{**g, "lines": printed_lines(g["rows"], columns, PER_ROW)} for g in snapshot["groups"]]
    header = [{"label": col["label"], "sep": j == 0 and i > 0} for i in range(PER_ROW) for j, col in enumerate(columns)]
    context = {"s": snapshot, "groups": groups, "header": header, "width": len(header),
               "footer": css_string(f"{snapshot['title']} · {snapshot['village']}"),
               "qr": qr_svg(snapshot["public_url"]) if snapshot.get("public_url") else ""}
    with translation.override(snapshot.get("language") or "zh-hans"):
        return render_html(TEMPLATE, context)


def board_pdf(snapshot: dict) -> tuple[bytes, int]:
    """(PDF bytes, number of pages)."""
    document = html_to_document(board_html(snapshot))
    return document.write_pdf(), len(document.pages)
