"""Issue 18.3: the page a server error answers with (handler500), never a traceback (DEBUG is off in production).

Two faults get their own answer, both telling the user that nothing of this request was kept:
- the database unreachable (restarting, failing over): 503 "try again in a moment", with Retry-After; the next
  request reconnects by itself (settings: CONN_HEALTH_CHECKS);
- the files volume full (ENOSPC): 507; the half-written file was removed (sunshine_credit/storage.py) and the
  request's transaction rolled back.
Anything else is a plain 500. The page is rendered without a request context: the session, the user and the
database may be what failed.
"""

import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.translation import gettext as _

from .storage import is_disk_full


def classify(exc: BaseException | None) -> tuple[int, str, str]:
    """(HTTP status, title, message) for an uncaught exception."""
    if isinstance(exc, OperationalError | InterfaceError) or (
            isinstance(exc, DatabaseError) and "connection" in str(exc).lower()):
        return 503, _("The database is unavailable"), _(
            "The database is temporarily unavailable. Please try again in a moment; nothing of this request "
            "was saved.")
    if exc is not None and is_disk_full(exc):
        return 507, _("Storage is full"), _(
            "The server's storage for files is full, so nothing of this request was saved. Please tell the "
            "administrator, and try again later.")
    return 500, _("Server error"), _(
        "Something went wrong on the server. Please try again; if it happens again, tell the administrator the "
        "request number below.")


def server_error(request, template_name: str = "500.html") -> HttpResponse:
    status, title, message = classify(sys.exc_info()[1])
    html = loader.get_template(template_name).render({
        "status": status, "title": title, "message": message,
        "request_id": getattr(request, "request_id", ""),
    })
    response = HttpResponse(html, status=status)
    if status == 503:
        response["Retry-After"] = "30"
    return response
