"""A budget of attempts per client address and window, for pages open to anyone (the public objection form and
look-up of P4: publicity.views).

Fixed windows in Django's cache: `cache.add` creates the window's counter (a no-op when it exists), `cache.incr`
counts atomically (also in Redis). Callers count only the attempts that write or search (POSTs).

R8: the limit fails open. When the cache (Redis) cannot be reached, `hit()` logs a warning and lets the attempt
through: the limit only guards against floods, and going without it for the minutes Redis is down harms less
than refusing a villager's objection (its notice period is short; the objection itself is saved in the database,
not in Redis).
"""

import hashlib
import logging
import time

from django.core.cache import cache

from .client_ip import client_address

log = logging.getLogger(__name__)


def _key(bucket: str, address: str, window: int) -> str:
    # The address is hashed: the cache need not hold visitors' IP addresses in clear.
    digest = hashlib.sha256(address.encode()).hexdigest()[:24]
    return f"ratelimit:{bucket}:{digest}:{int(time.time() // window)}"


def hit(request, bucket: str, *, limit: int, window: int) -> bool:
    """Count one attempt of the client; True while it is within `limit` per `window` seconds, or while the cache
    cannot count (fail open, R8)."""
    key = _key(bucket, client_address(request), window)
    try:
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # the window's key expired between add and incr
            cache.add(key, 1, timeout=window)
            count = 1
    except Exception as exc:  # noqa: BLE001 - any cache failure: redis ConnectionError, TimeoutError, ...
        # Fail open (see the module's docstring): the attempt is let through, and the outage is logged.
        log.warning("rate limit %s not counted: the cache is unreachable (%s)", bucket, exc.__class__.__name__)
        return True
    return count <= limit
