from auditlog.middleware import AuditlogMiddleware as _AuditlogMiddleware
from django.conf import settings
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers

from .lib.client_ip import client_address


class NoStoreMiddleware:
    """R5: every page a logged-in user sees may hold personal data, so no cache keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response


class LanguageMiddleware:
    """The interface speaks Simplified Chinese unless the user chose English with the switcher.

    Unlike Django's LocaleMiddleware, the browser's Accept-Language is ignored: a branch PC with an
    English-language browser still shows the bank's own language (SPEC: zh-Hans by default).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ["Cookie"])
        response.headers.setdefault("Content-Language", language)
        return response


class AuditlogMiddleware(_AuditlogMiddleware):
    """django-auditlog's middleware, recording the client's address as the rest of the site reads it
    (lib/client_ip.py: nginx's X-Real-IP from the trusted proxy only). The library's own reads the left-most
    X-Forwarded-For, which the client writes: an audit entry could name any address the client liked (R4)."""

    @staticmethod
    def _get_remote_addr(request):
        if settings.AUDITLOG_DISABLE_REMOTE_ADDR:
            return None
        address = client_address(request)
        return None if address == "-" else address
