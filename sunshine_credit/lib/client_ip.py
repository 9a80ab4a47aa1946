"""The client's address, the same for every reader: the public forms' rate limit (lib/ratelimit.py), the login
lockout's records (django-axes: AXES_CLIENT_IP_CALLABLE) and the audit trail (middleware.AuditlogMiddleware).

Behind nginx every request reaches gunicorn from the proxy's own address, so the client's address is the header
nginx sets from the connection (`proxy_set_header X-Real-IP $remote_addr;`, named by PUBLIC_CLIENT_IP_HEADER).
That header is believed only when the connection comes from a trusted proxy (TRUSTED_PROXY_IPS, loopback by
default): anyone else could send `X-Real-IP` themselves and pick the address they are counted under. X-Forwarded-For
is never read: its left-most entry is whatever the client wrote.
"""

from django.conf import settings


def client_address(request) -> str:
    """The client's address: the proxy's header when the connection is from a trusted proxy, else the
    connection's own address ("-" when there is none)."""
    remote = request.META.get("REMOTE_ADDR") or ""
    header = settings.PUBLIC_CLIENT_IP_HEADER
    if header and remote in settings.TRUSTED_PROXY_IPS:
        # nginx overwrites the header with one address; a comma list means a proxy appended: take its last entry.
        forwarded = request.META.get(header, "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return remote or "-"


def login_record_address(request) -> str | None:
    """django-axes' AXES_CLIENT_IP_CALLABLE: the same address, or None (not "-") when there is none — a login made
    without a connection (a test's force_login, a management command) is recorded without an address, which the
    database's inet column of PostgreSQL accepts."""
    address = client_address(request)
    return None if address == "-" else address
