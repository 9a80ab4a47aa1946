"""Issue 15 item 5: irreversible steps ask first. A POST without `confirmed=1` renders a confirmation page
that says what will happen and to how many; only its confirm button (POST with `confirmed=1` and the same
hidden fields, e.g. the version the page showed) reaches the service. No JS: it works under the CSP and on phones.
"""

from django.shortcuts import render


def is_confirmed(request) -> bool:
    return request.method == "POST" and request.POST.get("confirmed") == "1"


def confirm_page(request, *, title: str, lines: list[str], action: str, cancel: str, label: str,
                 fields: dict | None = None):
    return render(request, "sunshine_credit/confirm.html", {
        "confirm_title": title, "confirm_lines": lines, "confirm_action": action, "confirm_cancel": cancel,
        "confirm_label": label, "confirm_fields": fields or {}})
