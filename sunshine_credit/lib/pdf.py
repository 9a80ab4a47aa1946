"""PDF rendering with WeasyPrint (STYLE §4).

Print templates are self-contained: their CSS sits in a <style> element of the template (WeasyPrint
reads it; no browser ever loads a print template, so the CSP of the pages does not apply) and CJK
fonts come from the operating system (`fonts-noto-cjk`). Nothing is fetched from a URL: a print
template that names one gets nothing, so a missing asset can never leak a request or hang a job.
"""

from django.template.loader import render_to_string

# What every print template sets on html and @page; kept here so that templates and tests agree.
FONT_FAMILY = '"Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'


def _no_fetcher(*, data_images: bool = False):
    from weasyprint.urls import URLFetcher  # imported late: loading WeasyPrint (Pango, fonts) takes a while

    class NoFetch(URLFetcher):
        """Refuses every URL (but, when asked, pictures inlined as data: URLs by the caller, e.g. photos read
        from storage); WeasyPrint logs the refusal and leaves the resource out."""

        def fetch(self, url, headers=None):
            if data_images and url.startswith(("data:image/jpeg;base64,", "data:image/png;base64,")):
                return super().fetch(url, headers)
            raise ValueError(f"print templates load nothing: {url[:80]}")

    return NoFetch()


def render_html(template: str, context: dict) -> str:
    """The print template as HTML, before conversion (tests read it for what must or must not appear)."""
    return render_to_string(template, {"font_family": FONT_FAMILY, **context})


def html_to_document(html: str, *, data_images: bool = False):
    """The laid-out WeasyPrint document (`.pages`, `.write_pdf()`). `data_images`: let JPEG and PNG pictures
    inlined as data: URLs through (nothing else is ever fetched)."""
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_no_fetcher(data_images=data_images)).render()


def html_to_pdf(html: str, *, data_images: bool = False) -> bytes:
    return html_to_document(html, data_images=data_images).write_pdf()


def render_pdf(template: str, context: dict, *, data_images: bool = False) -> bytes:
    """Render a print template (A4, inline CSS) to PDF bytes."""
    return html_to_pdf(render_html(template, context), data_images=data_images)
