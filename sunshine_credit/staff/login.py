"""R9: between the password and the first page.

LoginGateMiddleware (after django-otp's OTPMiddleware, before the scope) holds every logged-in request to three
rules, in this order:
1. Session limits. A session ends after IDLE_TIMEOUT_MINUTES without a request (idle) and SESSION_COOKIE_AGE
   after the login (absolute, 8 h). The last request's time is written to the session at most once a minute
   (TOUCH_SECONDS), not on every request (SESSION_SAVE_EVERY_REQUEST would write the session row each time).
2. The second factor. A user whose role is in OTP_REQUIRED_ROLES (default admin and supervisor; empty turns it
   off) reaches only /otp/ until they have entered a TOTP code in this session: at their first login they enrol
   (a QR code of the otpauth address, drawn here as SVG, and the key to type in), afterwards they verify.
3. A given password. A user whose password the administrator gave (a new login, a reset, an import) reaches only
   the password change page until they have chosen their own.
Logging out, logging in, the language switcher and the public pages stay open throughout.
"""

import time
from base64 import b32encode

import segno
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db import transaction
from django.shortcuts import redirect, resolve_url
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

LOGIN_AT, LAST_SEEN = "_login_at", "_last_seen"
TOUCH_SECONDS = 60
OPEN_PATHS = ("/login/", "/logout/", "/i18n/", "/static/", "/public/")
OTP_PATH = "/otp/"
PASSWORD_PATH = "/password/"


def stamp_login(sender, request, user, **kwargs) -> None:
    """user_logged_in: the session's clocks start (connected in the app's ready())."""
    now = int(time.time())
    request.session[LOGIN_AT] = request.session[LAST_SEEN] = now


def second_factor_required(profile) -> bool:
    return profile is not None and profile.role in settings.OTP_REQUIRED_ROLES


def _expired(session, now: int) -> str:
    """Why the session ended ("" if it did not); touches the last request's time when due."""
    seen, login_at = session.get(LAST_SEEN), session.get(LOGIN_AT)
    if seen is None or login_at is None:
        session.setdefault(LOGIN_AT, now)
        session[LAST_SEEN] = now
        return ""
    idle = settings.IDLE_TIMEOUT_MINUTES * 60
    if idle > 0 and now - seen > idle:
        return _("You were logged out after %(n)d minutes without activity. Log in again.") % {
            "n": settings.IDLE_TIMEOUT_MINUTES}
    if now - login_at > settings.SESSION_COOKIE_AGE:
        return _("Your session ended %(n)d hours after logging in. Log in again.") % {
            "n": settings.SESSION_COOKIE_AGE // 3600}
    if now - seen >= TOUCH_SECONDS:
        session[LAST_SEEN] = now
    return ""


class LoginGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not user.is_authenticated or request.path.startswith(OPEN_PATHS):
            return self.get_response(request)
        ended = _expired(request.session, int(time.time()))
        if ended:
            logout(request)
            messages.info(request, ended)
            return redirect(f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}")
        profile = getattr(user, "staff_profile", None)
        if profile is None:
            return self.get_response(request)
        if second_factor_required(profile) and not user.is_verified():
            if not request.path.startswith(OTP_PATH):
                return redirect(f"{OTP_PATH}?{urlencode({'next': request.get_full_path()})}")
        elif profile.must_change_password and not request.path.startswith(PASSWORD_PATH):
            return redirect(PASSWORD_PATH)
        return self.get_response(request)


# --- the second factor: enrolment and verification ----------------------------------------------------------


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def enrolment_device(user) -> TOTPDevice:
    """The unconfirmed device a user enrols with (made on the first visit, kept until confirmed: reloading the
    page shows the same key)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)


def enrolment_picture(device: TOTPDevice) -> dict:
    """What the enrolment page shows: the otpauth address as an inline SVG QR code (no outside service) and the
    key in base32 (to type in when the camera will not read it), in groups of four."""
    key = b32encode(device.bin_key).decode()
    return {"svg": segno.make(device.config_url, error="m").svg_inline(scale=4, border=2),
            "key": " ".join(key[i:i + 4] for i in range(0, len(key), 4))}


@transaction.atomic
def second_factor_check(user, token: str) -> TOTPDevice | None:
    """The code typed after the password: checked against the user's confirmed device, or (enrolling) their
    unconfirmed one, which the first right code confirms (audited). None when wrong; django-otp throttles
    repeated failures per device."""
    token = "".join((token or "").split())
    device = confirmed_device(user)
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None or not token.isdigit() or not device.verify_token(token):
        return None
    if enrolling:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        LogEntry.objects.log_create(user, action=LogEntry.Action.UPDATE, actor=user,
                                    changes={"second_factor": ["", "***"]})
    return device
