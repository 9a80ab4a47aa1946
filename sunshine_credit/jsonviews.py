"""JSON endpoints (the entry grids' row saves) answer every failure in JSON, with a status and a `code` the page
tells apart, never with an HTML page or a redirect the script would mistake for something else (issue 15):

    401 logged_out   the session ended (instead of login_required's redirect to the login page)
    403 csrf         the page's security token is no longer valid (e.g. the user logged in again meanwhile)
    403 forbidden    PermissionDenied: the user's role may not do this
    404 not_found    outside the user's scope, or gone
    400 invalid      the row was refused; `errors` maps each field (or "__all__") to its message
    409 stale        R3: saved by someone else meanwhile
    5xx              the server failed (any body: the page says so from the status alone)

The body is always {"code": ..., "errors": {field or "__all__": message}}.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure as html_csrf_failure

from .errors import Refusal, Stale


def json_error(code: str, errors: dict | str, *, status: int) -> JsonResponse:
    if isinstance(errors, str):
        errors = {"__all__": errors}
    return JsonResponse({"code": code, "errors": {name: str(text) for name, text in errors.items()}}, status=status)


def refusal_errors(exc: Refusal) -> dict[str, str]:
    """A refusal's messages by field ("__all__" for the row as a whole), as the grids show them."""
    if isinstance(exc.errors, dict):
        return {name: str(text) for name, text in exc.errors.items()}
    found: dict[str, str] = {}
    for field, text in exc.errors or [(None, str(exc))]:
        name = field or "__all__"
        found[name] = f"{found[name]} {text}" if name in found else str(text)
    return found


def json_endpoint(view):
    """login_required for a JSON endpoint, and its refusals as JSON (the table in the module's docstring)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return json_error("logged_out", _("Not saved: your session has ended. Log in again in another tab, "
                                              "then retry."), status=401)
        try:
            return view(request, *args, **kwargs)
        except Stale as exc:
            return json_error("stale", refusal_errors(exc), status=409)
        except Refusal as exc:
            return json_error("invalid", refusal_errors(exc), status=400)
        except PermissionDenied as exc:
            return json_error("forbidden", str(exc) or _("You may not do this."), status=403)
        except Http404:
            return json_error("not_found", _("Not saved: this row is not yours to change, or it is gone."),
                              status=404)

    return wrapper


def wants_json(request) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept or request.content_type == "application/json"


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a JSON request learns that its page's token is stale (it can fetch a new one and retry);
    a form gets Django's page."""
    if wants_json(request):
        return json_error("csrf", _("Not saved: this page has expired. Reload the page."), status=403)
    return html_csrf_failure(request, reason=reason)
